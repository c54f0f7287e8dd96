package bench

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
)

// idleStreams is how many streams are held open at once to measure the
// memory an idle stream pins.
const idleStreams = 200

// BenchmarkIdle reports idle-KiB/stream: the live heap that each of 200
// event streams holds while it waits after its first event, as a server
// with many quiet SSE clients would see it. Run it with -benchtime=1x: the
// figure is memory, not time.
func BenchmarkIdle(b *testing.B) {
	for _, c := range sseContenders() {
		b.Run(c.name, func(b *testing.B) {
			var kib float64
			for b.Loop() {
				kib = idleKiBPerStream(c, idleStreams)
			}
			b.ReportMetric(kib, "idle-KiB/stream")
		})
	}
}

// idleKiBPerStream opens n streams through c, lets each send one event,
// and returns the live heap growth per stream while they all wait. Requests
// and writers are allocated before the baseline, so the figure is the
// middleware's (plus the handler's goroutine bookkeeping, the same for all).
func idleKiBPerStream(c contender, n int) float64 {
	event := sseTokenEvents(1)[0]
	ready := make(chan struct{}, n)
	release := make(chan struct{})
	h := c.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(event)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		ready <- struct{}{}
		<-release
	}))
	reqs := make([]*http.Request, n)
	wires := make([]*wire, n)
	for i := range reqs {
		reqs[i] = httptest.NewRequest(http.MethodGet, "/v1/chat/completions", nil)
		reqs[i].Header.Set("Accept-Encoding", c.accept)
		wires[i] = newWire()
	}
	var before, after runtime.MemStats
	// Two collections empty the sync.Pools (and their victim caches), so
	// every stream pays for its own encoder instead of reusing a pooled one.
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.ServeHTTP(wires[i], reqs[i])
		}()
	}
	for range n {
		<-ready
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	close(release)
	wg.Wait()
	runtime.KeepAlive(reqs)
	runtime.KeepAlive(wires)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n) / 1024
}
