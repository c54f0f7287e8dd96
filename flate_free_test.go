package streamzip

import (
	"fmt"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/flate"
)

// fillFreeList takes n writers at once from p, as n streams compressing
// at the same instant would, and gives them all back.
func fillFreeList(t testing.TB, p *flateWriterPool, n int) {
	t.Helper()
	ws := make([]*flate.Writer, n)
	for i := range ws {
		ws[i] = p.get(io.Discard, nil)
		ws[i].Write([]byte("data: {\"token\":\"hello\"}\n\n"))
		ws[i].Flush()
	}
	for _, w := range ws {
		p.put(w)
	}
}

// TestFlateFreeListDrainsWhenUnused: once a burst is over, the writers the
// free list kept are dropped by its own timer, with no further call on the
// pool (the drain period is shortened here; the outcome is awaited, never
// timed).
func TestFlateFreeListDrainsWhenUnused(t *testing.T) {
	p, err := newFlateWriterPool(DefaultGzipLevel)
	if err != nil {
		t.Fatal(err)
	}
	p.freeIdle = time.Millisecond
	fillFreeList(t, p, cap(p.free)+3)
	deadline := time.Now().Add(5 * time.Second)
	for len(p.free) > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := len(p.free); n != 0 {
		t.Fatalf("%d writers still pinned by the free list", n)
	}
	// A new burst fills it again and re-arms the drain.
	fillFreeList(t, p, 2)
	for len(p.free) > 0 && time.Now().Before(deadline.Add(5*time.Second)) {
		time.Sleep(time.Millisecond)
	}
	if n := len(p.free); n != 0 {
		t.Fatalf("after a second burst %d writers stay pinned", n)
	}
}

// TestFlateFreeListKeptWhileUsed: a free list used between two ticks of its
// timer keeps its writers (the broadcast case it exists for); one tick
// without use drops them. The ticks are called directly.
func TestFlateFreeListKeptWhileUsed(t *testing.T) {
	p, err := newFlateWriterPool(DefaultGzipLevel)
	if err != nil {
		t.Fatal(err)
	}
	p.freeIdle = time.Hour // no tick on its own during the test
	fillFreeList(t, p, cap(p.free))
	full := len(p.free)
	for range 3 {
		p.onFreeTimer() // used since the last tick: kept
		if len(p.free) != full {
			t.Fatalf("a used free list was drained to %d of %d", len(p.free), full)
		}
		p.put(p.get(io.Discard, nil)) // a broadcast event in between
	}
	p.onFreeTimer()
	p.onFreeTimer() // a whole period without use
	if n := len(p.free); n != 0 {
		t.Fatalf("%d writers kept after an unused period", n)
	}
	if !p.freeArmed.Load() {
		fillFreeList(t, p, 1)
		if !p.freeArmed.Load() {
			t.Fatal("a put into a drained free list did not arm its timer")
		}
	}
}

// BenchmarkFlateFreeListAfterBurst measures the heap a burst of
// compressing streams leaves behind once they are all done, at
// GOMAXPROCS 2 and 64: right after the burst (what the free list pins until
// its timer drains it) and after the drain. The drain period is shortened
// from flateFreeIdle so the benchmark does not wait a minute. Memory, not
// time: run it with -benchtime=1x.
//
//	go test -run '^$' -bench FlateFreeListAfterBurst -benchtime=1x .
func BenchmarkFlateFreeListAfterBurst(b *testing.B) {
	for _, procs := range []int{2, 64} {
		b.Run(runtimeProcsName(procs), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			var pinned, after float64
			for b.Loop() {
				base := liveHeap()
				p, err := newFlateWriterPool(DefaultGzipLevel)
				if err != nil {
					b.Fatal(err)
				}
				p.freeIdle = 50 * time.Millisecond
				// Every stream of the burst compresses at once, as in a
				// broadcast with more streams than writers.
				var wg sync.WaitGroup
				start := make(chan struct{})
				held := make(chan *flate.Writer, 2*cap(p.free))
				for range cap(held) {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						w := p.get(io.Discard, nil)
						w.Write([]byte("data: {\"token\":\"hello\"}\n\n"))
						w.Flush()
						held <- w
					}()
				}
				close(start)
				wg.Wait()
				close(held)
				for w := range held {
					p.put(w)
				}
				pinned = float64(liveHeap()-base) / (1 << 20)
				deadline := time.Now().Add(10 * time.Second)
				for len(p.free) > 0 && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				after = float64(liveHeap()-base) / (1 << 20)
				runtime.KeepAlive(p)
			}
			b.ReportMetric(pinned, "MiB-after-burst")
			b.ReportMetric(after, "MiB-after-drain")
		})
	}
}

func runtimeProcsName(n int) string {
	return fmt.Sprintf("GOMAXPROCS=%d", n)
}

// liveHeap is the heap still reachable: two GCs, so sync.Pool's victim
// cache is emptied too.
func liveHeap() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
