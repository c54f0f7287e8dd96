package bench

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"github.com/streamzip/streamzip/internal/testkit"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/streamzip/streamzip"
)

// Compression dictionaries (RFC 9842): what dcz saves and costs, side by
// side with the ordinary codings. TestDictionaryFigures prints the byte
// table (sizes are exact, not timings); BenchmarkDictionary gives CPU per
// response and per event; BenchmarkDictionaryMemory the heap held per
// dictionary and per idle dcz stream.
//
//	go test -run TestDictionaryFigures -v            # sizes
//	go test -run '^$' -bench 'Dictionary' -benchmem  # CPU and memory

// chromiumAcceptDict is Chromium's Accept-Encoding once it holds a
// dictionary: it offers dcb too, which streamzip does not ship (README,
// "Compression dictionaries"), so these clients get dcz.
const chromiumAcceptDict = "gzip, deflate, br, zstd, dcb, dcz"

// dictBundle is the shared test bundle (internal/testkit).
var dictBundle = testkit.Bundle

// bundleSize is the bundle of the figures, the size of the 272 KB bundle
// RFC 9842's motivating examples quote.
const bundleSize = 272 << 10

// eventsSkeleton is the stream dictionary for sseTokenEvents: one chunk
// with an empty token and placeholders for the values that change per
// completion (id, created), so the dictionary holds the shape, not the
// content of any stream.
func eventsSkeleton() []byte {
	return []byte(`data: {"id":"chatcmpl-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXX","object":"chat.completion.chunk","created":0000000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":null}]}` + "\n\n")
}

func sfHash(b []byte) string {
	h := sha256.Sum256(b)
	return ":" + base64.StdEncoding.EncodeToString(h[:]) + ":"
}

func mustMW(opts ...streamzip.Option) func(http.Handler) http.Handler {
	mw, err := streamzip.New(opts...)
	if err != nil {
		panic(err)
	}
	return mw
}

// bundleHandler serves v1 and v2 marked as dictionaries.
func bundleHandler(v1, v2 []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := v1
		if strings.Contains(r.URL.Path, "v2") {
			body = v2
		}
		w.Header().Set("Content-Type", "text/javascript")
		_ = streamzip.SetUseAsDictionary(w.Header(), "/assets/app.*.js")
		_, _ = w.Write(body)
	})
}

// serveOnce runs one request through h into a wire and returns the bytes
// sent and the Content-Encoding.
func serveOnce(h http.Handler, path, accept, avail string) (int64, string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept-Encoding", accept)
	if avail != "" {
		req.Header.Set("Available-Dictionary", avail)
	}
	w := newWire()
	h.ServeHTTP(w, req)
	return w.bytes, w.h.Get("Content-Encoding")
}

type bundleCase struct {
	name, accept string
	dict         bool
	h            http.Handler
}

func bundleCases(v1, v2 []byte) []bundleCase {
	plain := mustMW(streamzip.WithEncodings("zstd", "br", "gzip"))(bundleHandler(v1, v2))
	dict := mustMW(streamzip.WithAssetDictionaries(4, 4<<20))(bundleHandler(v1, v2))
	serveOnce(dict, "/assets/app.v1.js", chromiumAcceptDict, "") // keep v1
	return []bundleCase{
		{"gzip", "gzip", false, plain},
		{"br", "br", false, plain},
		{"zstd", "zstd", false, plain},
		{"dcz", chromiumAcceptDict, true, dict},
	}
}

// streamBytes serves events through h as one stream, flushed per event,
// and returns the bytes on the wire after each event.
func streamBytes(h func(http.Handler) http.Handler, events [][]byte, accept, avail string, gapEvery int, gap time.Duration) ([]int64, string) {
	var after []int64
	w := newWire()
	hh := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/event-stream")
		for i, ev := range events {
			if gapEvery > 0 && i > 0 && i%gapEvery == 0 {
				time.Sleep(gap)
			}
			_, _ = rw.Write(ev)
			after = append(after, w.bytes)
		}
	})
	req := httptest.NewRequest(http.MethodGet, "/events", nil)
	req.Header.Set("Accept-Encoding", accept)
	if avail != "" {
		req.Header.Set("Available-Dictionary", avail)
	}
	h(hh).ServeHTTP(w, req)
	after[len(after)-1] = w.bytes // the end of the stream (trailer, last frame)
	return after, w.h.Get("Content-Encoding")
}

// framePerBurst is what a dcz stream sends when it is idle for
// WithReleaseAfter after every burst of burst events: each burst is a new
// Zstandard frame against the dictionary (no checksum, as streamzip's
// released frames), so the stream holds no compressor between bursts. The
// middleware's release runs on a timer; this replays the same frames
// without timing, so the sizes are exact. It returns the bytes after each
// event, the 40-byte dcz header included.
func framePerBurst(dict []byte, events [][]byte, burst int) []int64 {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderDictRaw(0, dict), zstd.WithEncoderCRC(false),
		zstd.WithWindowSize(32<<10), zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithLowerEncoderMem(true))
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	out.Write(make([]byte, 40))
	var after []int64
	for i, ev := range events {
		if i%burst == 0 {
			if i > 0 {
				_ = enc.Close()
			}
			enc.Reset(&out)
		}
		_, _ = enc.Write(ev)
		_ = enc.Flush()
		after = append(after, int64(out.Len()))
	}
	_ = enc.Close()
	after[len(after)-1] = int64(out.Len())
	return after
}

// TestDictionaryFigures prints the byte figures of README, "Compression
// dictionaries". Sizes depend on the bytes only: they are the same on
// every machine.
func TestDictionaryFigures(t *testing.T) {
	var md strings.Builder
	v1, v2 := dictBundle(bundleSize, 1), dictBundle(bundleSize, 2)
	fmt.Fprintf(&md, "Bundle v2 (%d B identity; v1 held by the client for dcz):\n\n| coding | wire B | × identity |\n|---|--:|--:|\n", len(v2))
	for _, c := range bundleCases(v1, v2) {
		avail := ""
		if c.dict {
			avail = sfHash(v1)
		}
		n, ce := serveOnce(c.h, "/assets/app.v2.js", c.accept, avail)
		if ce != c.name {
			t.Fatalf("%s: got Content-Encoding %q", c.name, ce)
		}
		fmt.Fprintf(&md, "| %s | %d | %.4f |\n", c.name, n, float64(n)/float64(len(v2)))
	}

	events := sseTokenEvents(1000)
	var identity10, identityAll int
	for i, ev := range events {
		if i < 10 {
			identity10 += len(ev)
		}
		identityAll += len(ev)
	}
	skeleton := eventsSkeleton()
	d, err := streamzip.NewDictionary(skeleton, "/v1/chat/*", "chunks-v1")
	if err != nil {
		t.Fatal(err)
	}
	streamOpts := []streamzip.Option{streamzip.WithEventStreams(streamzip.CompressEventStreams)}
	type streamRow struct {
		name  string
		after []int64
	}
	var rows []streamRow
	add := func(name, wantCE string, after []int64, ce string) {
		if ce != wantCE {
			t.Fatalf("%s: Content-Encoding %q, want %q", name, ce, wantCE)
		}
		rows = append(rows, streamRow{name, after})
	}
	a, ce := streamBytes(mustMW(streamOpts...), events, "gzip", "", 0, 0)
	add("gzip, stateful (default 2 s release, no idle gap)", "gzip", a, ce)
	a, ce = streamBytes(mustMW(append(streamOpts, streamzip.WithReleaseAfter(0))...), events, "gzip", "", 0, 0)
	add("gzip, released after every event (24 KiB history)", "gzip", a, ce)
	a, ce = streamBytes(mustMW(append(streamOpts, streamzip.WithEncodings("zstd"))...), events, "zstd", "", 0, 0)
	add("zstd", "zstd", a, ce)
	a, ce = streamBytes(mustMW(append(streamOpts, streamzip.WithDictionaries(d))...), events, chromiumAcceptDict, sfHash(skeleton), 0, 0)
	add("dcz against the skeleton (no idle gap: one frame)", "dcz", a, ce)
	rows = append(rows,
		streamRow{"dcz, released after every burst of 20 events (a frame per burst)", framePerBurst(skeleton, events, 20)},
		streamRow{"dcz, released after every event (a frame per event)", framePerBurst(skeleton, events, 1)})
	fmt.Fprintf(&md, "\nToken stream, %d events flushed one by one, stream dictionary of %d B:\n\n| stream | event 1 B | first 10 B | all B | × identity |\n|---|--:|--:|--:|--:|\n",
		len(events), len(skeleton))
	fmt.Fprintf(&md, "| identity | %d | %d | %d | 1 |\n", len(events[0]), identity10, identityAll)
	for _, r := range rows {
		all := r.after[len(r.after)-1]
		fmt.Fprintf(&md, "| %s | %d | %d | %d | %.4f |\n", r.name, r.after[0], r.after[9], all, float64(all)/float64(identityAll))
	}
	t.Log("\n" + md.String())
	if path := os.Getenv("DICTIONARY_FIGURES"); path != "" {
		header := "# Compression dictionaries: sizes\n\nGenerated by `cd bench && DICTIONARY_FIGURES=results/dictionaries.md go test -run TestDictionaryFigures .`: " +
			"sizes are exact, the same on every machine. CPU and memory: `go test -run '^$' -bench Dictionary -benchmem` (README, \"Compression dictionaries\").\n\n"
		if err := os.WriteFile(path, []byte(header+md.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkDictionary is CPU per response for bundle v2 with each coding,
// and per event for a token stream with and without its dictionary.
func BenchmarkDictionary(b *testing.B) {
	v1, v2 := dictBundle(bundleSize, 1), dictBundle(bundleSize, 2)
	for _, c := range bundleCases(v1, v2) {
		avail := ""
		if c.dict {
			avail = sfHash(v1)
		}
		b.Run("bundle-v2/"+c.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/assets/app.v2.js", nil)
			req.Header.Set("Accept-Encoding", c.accept)
			if avail != "" {
				req.Header.Set("Available-Dictionary", avail)
			}
			w := newWire()
			b.SetBytes(int64(len(v2)))
			for b.Loop() {
				w.reset()
				c.h.ServeHTTP(w, req)
			}
			b.ReportMetric(float64(w.bytes), "wire-B")
		})
	}
	events := sseTokenEvents(100)
	skeleton := eventsSkeleton()
	d, err := streamzip.NewDictionary(skeleton, "/v1/chat/*", "")
	if err != nil {
		b.Fatal(err)
	}
	streamOpts := []streamzip.Option{streamzip.WithEventStreams(streamzip.CompressEventStreams)}
	for _, c := range []struct {
		name, accept, avail string
		mw                  func(http.Handler) http.Handler
	}{
		{"gzip", "gzip", "", mustMW(streamOpts...)},
		{"zstd", "zstd", "", mustMW(append(streamOpts, streamzip.WithEncodings("zstd"))...)},
		{"dcz", chromiumAcceptDict, sfHash(skeleton), mustMW(append(streamOpts, streamzip.WithDictionaries(d))...)},
	} {
		b.Run("stream-100-events/"+c.name, func(b *testing.B) {
			h := c.mw(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				rw.Header().Set("Content-Type", "text/event-stream")
				for _, ev := range events {
					_, _ = rw.Write(ev)
				}
			}))
			req := httptest.NewRequest(http.MethodGet, "/v1/chat/completions", nil)
			req.Header.Set("Accept-Encoding", c.accept)
			if c.avail != "" {
				req.Header.Set("Available-Dictionary", c.avail)
			}
			w := newWire()
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, req)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(events)), "ns/event")
		})
	}
}

// BenchmarkDictionaryMemory reports the live heap a dictionary holds once
// it has served a response (its bytes and a primed pooled encoder), and an
// idle dcz event stream against the stream dictionary, next to an idle
// gzip one. Run with -benchtime=1x: the figures are memory.
func BenchmarkDictionaryMemory(b *testing.B) {
	b.Run("asset-dictionary-272KiB", func(b *testing.B) {
		v1, v2 := dictBundle(bundleSize, 1), dictBundle(bundleSize, 2)
		var kib float64
		for b.Loop() {
			kib = heapKiB(func() any {
				h := mustMW(streamzip.WithAssetDictionaries(4, 4<<20))(bundleHandler(v1, v2))
				serveOnce(h, "/assets/app.v1.js", chromiumAcceptDict, "")
				serveOnce(h, "/assets/app.v2.js", chromiumAcceptDict, sfHash(v1))
				return h
			}, func() any {
				h := mustMW()(bundleHandler(v1, v2))
				serveOnce(h, "/assets/app.v1.js", "br", "")
				return h
			})
		}
		b.ReportMetric(kib, "KiB/dictionary")
	})
	skeleton := eventsSkeleton()
	d, err := streamzip.NewDictionary(skeleton, "/v1/chat/*", "")
	if err != nil {
		b.Fatal(err)
	}
	streamOpts := []streamzip.Option{streamzip.WithEventStreams(streamzip.CompressEventStreams)}
	for _, c := range []struct {
		name, accept, avail string
		mw                  func(http.Handler) http.Handler
	}{
		{"idle-stream/gzip-released", "gzip", "", mustMW(append(streamOpts, streamzip.WithReleaseAfter(0))...)},
		{"idle-stream/zstd", "zstd", "", mustMW(append(streamOpts, streamzip.WithEncodings("zstd"))...)},
		{"idle-stream/dcz-released", chromiumAcceptDict, sfHash(skeleton), mustMW(append(streamOpts, streamzip.WithDictionaries(d), streamzip.WithReleaseAfter(0))...)},
		{"idle-stream/dcz-hot", chromiumAcceptDict, sfHash(skeleton), mustMW(append(streamOpts, streamzip.WithDictionaries(d))...)},
		{"idle-stream/br", "br", "", mustMW(append(streamOpts, streamzip.WithEncodings("br"))...)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var kib float64
			for b.Loop() {
				kib = idleStreamKiB(c.mw, c.accept, c.avail, 200)
			}
			b.ReportMetric(kib, "idle-KiB/stream")
		})
	}
}

// heapKiB is the live heap that with() keeps over without(), each result
// held while measured.
func heapKiB(with, without func() any) float64 {
	measure := func(f func() any) int64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&before)
		v := f()
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(v)
		return int64(after.HeapAlloc) - int64(before.HeapAlloc)
	}
	return float64(measure(with)-measure(without)) / 1024
}

// idleStreamKiB is idleKiBPerStream for a stream whose client sends
// Available-Dictionary too.
func idleStreamKiB(mw func(http.Handler) http.Handler, accept, avail string, n int) float64 {
	event := sseTokenEvents(1)[0]
	ready := make(chan struct{}, n)
	release := make(chan struct{})
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write(event)
		ready <- struct{}{}
		<-release
	}))
	reqs := make([]*http.Request, n)
	wires := make([]*wire, n)
	for i := range reqs {
		reqs[i] = httptest.NewRequest(http.MethodGet, "/v1/chat/completions", nil)
		reqs[i].Header.Set("Accept-Encoding", accept)
		if avail != "" {
			reqs[i].Header.Set("Available-Dictionary", avail)
		}
		wires[i] = newWire()
	}
	var before, after runtime.MemStats
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
	time.Sleep(10 * time.Millisecond) // released streams give their compressor back after the event
	runtime.GC()
	runtime.ReadMemStats(&after)
	close(release)
	wg.Wait()
	runtime.KeepAlive(reqs)
	runtime.KeepAlive(wires)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n) / 1024
}
