package streamzip

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// This file feeds each of streamzip's buffers more than its documented
// bound and checks that the bound holds:
//   - the decision buffer: at most max(min size, 512) bytes before the
//     middleware decides (writer.go, decision.go);
//   - the event scanner: two bits of state whatever the event length
//     (detect.go);
//   - an idle compressed gzip stream: at most its history, 12 KiB, plus
//     fixed state, once its compressor is released (gzipstream.go).

// limitsLiveness bounds each wait; never a timing assertion.
const limitsLiveness = 10 * time.Second

// innerWriter returns the *responseWriter behind the ResponseWriter the
// handler was given.
func innerWriter(w http.ResponseWriter) *responseWriter {
	if v, ok := w.(interface{ inner() *responseWriter }); ok {
		return v.inner()
	}
	panic(fmt.Sprintf("not a streamzip writer: %T", w))
}

// inner is promoted to every exposed variant, which embed *responseWriter.
func (w *responseWriter) inner() *responseWriter { return w }

// incompressible returns n bytes of base64 text from random bytes: it
// compresses only to about 75%, so an encoder has output to send.
func incompressible(n int) []byte {
	raw := make([]byte, n*3/4+3)
	rand.Read(raw)
	return []byte(base64.StdEncoding.EncodeToString(raw)[:n])
}

// TestDecisionBufferBounded: a handler writes a body far larger than min
// size in 7-byte writes and never flushes. At every write the middleware
// holds at most max(min size, 512) bytes, and the client receives its
// first byte while the handler is still writing — the middleware decided
// instead of buffering the body.
func TestDecisionBufferBounded(t *testing.T) {
	for _, tc := range []struct {
		minSize     int
		contentType string
		accept      string
	}{
		{0, "application/json", "gzip"},
		{DefaultMinSize, "application/json", "gzip"},
		{DefaultMinSize, "", "gzip"}, // sniffed: the bound is max(min size, 512)
		{100, "", "br"},
		{64 << 10, "text/plain", "br"},
		{MaxMinSize, "application/json", "gzip"},
		{MaxMinSize, "application/json", ""}, // identity after the decision
	} {
		name := fmt.Sprintf("min=%d/type=%q/accept=%q", tc.minSize, tc.contentType, tc.accept)
		t.Run(name, func(t *testing.T) {
			bound := max(tc.minSize, sniffLen)
			firstByte := make(chan struct{})
			result := make(chan string, 1)
			mw, err := New(WithMinSize(tc.minSize))
			if err != nil {
				t.Fatal(err)
			}
			chunk := incompressible(1 << 20)
			srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				zw := innerWriter(w)
				maxHeld, written := 0, 0
				// Write until the client has a byte, up to 32× the bound
				// and at least 16 MiB: an unbounded buffer would hold it all.
				limit := max(32*bound, 16<<20)
				for written < limit {
					select {
					case <-firstByte:
						result <- fmt.Sprintf("first byte reached the client after %d bytes written; at most %d held before the decision", written, maxHeld)
						return
					default:
					}
					off := written % (len(chunk) - 7)
					n, err := w.Write(chunk[off : off+7])
					if err != nil {
						result <- "write: " + err.Error()
						return
					}
					written += n
					if held := zw.buffered(); held > maxHeld {
						maxHeld = held
						if held > bound || (zw.buf != nil && cap(*zw.buf) > bound) {
							result <- fmt.Sprintf("FAIL: %d bytes held (capacity %d), bound %d", held, cap(*zw.buf), bound)
							return
						}
					}
				}
				result <- fmt.Sprintf("FAIL: wrote %d bytes and the client has nothing yet", written)
			})))
			defer srv.Close()
			tr := &http.Transport{DisableCompression: true}
			defer tr.CloseIdleConnections()
			req, _ := http.NewRequest("GET", srv.URL, nil)
			if tc.accept != "" {
				req.Header.Set("Accept-Encoding", tc.accept)
			}
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b := make([]byte, 1)
			if _, err := io.ReadFull(resp.Body, b); err != nil {
				t.Fatalf("first byte: %v", err)
			}
			close(firstByte)
			select {
			case r := <-result:
				if bytes.HasPrefix([]byte(r), []byte("FAIL")) || bytes.HasPrefix([]byte(r), []byte("write")) {
					t.Fatal(r)
				}
				t.Log(r)
			case <-time.After(limitsLiveness):
				t.Fatal("handler did not finish")
			}
			io.Copy(io.Discard, resp.Body)
		})
	}
}

// TestEventScannerStateIsConstant: the carry-over between writes is two
// booleans, and scanning allocates nothing however long the event.
func TestEventScannerStateIsConstant(t *testing.T) {
	if size := unsafe.Sizeof(eventScanner{}); size > 2 {
		t.Fatalf("eventScanner is %d bytes, documented as two bits of state", size)
	}
	noNewline := bytes.Repeat([]byte("data: x"), 1<<17) // 896 KiB, no line end
	var s eventScanner
	if allocs := testing.AllocsPerRun(20, func() { s.scan(noNewline) }); allocs != 0 {
		t.Fatalf("scan allocated %.0f times per call", allocs)
	}
}

// TestLongEventDoesNotGrowMemory streams one 32 MiB event with no line end
// in 4 KiB writes while the client reads it, bypassed and compressed. The
// live heap (after a GC, measured in the handler) once 32 MiB went through
// must be within 2 MiB of the live heap at 8 MiB: nothing accumulates the
// unfinished event. The encoders' own windows are live at both points, so
// they cancel out; the figures are logged.
func TestLongEventDoesNotGrowMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 32 MiB per mode")
	}
	const (
		early     = 8 << 20
		eventSize = 32 << 20
		slack     = 2 << 20
	)
	for _, mode := range []struct {
		name, accept string
		opts         []Option
	}{
		{"bypass", "gzip", nil},
		{"gzip", "gzip", []Option{WithEventStreams(CompressEventStreams), WithEncodings("gzip")}},
		{"br", "br", []Option{WithEventStreams(CompressEventStreams)}},
		{"zstd", "zstd", []Option{WithEventStreams(CompressEventStreams), WithEncodings("zstd")}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			mw, err := New(mode.opts...)
			if err != nil {
				t.Fatal(err)
			}
			chunk := bytes.Repeat([]byte("0123456789abcdef"), 256) // 4 KiB, no line end
			var liveEarly, liveLate uint64
			live := func() uint64 {
				// Twice: pooled objects of earlier subtests survive one GC
				// in sync.Pool's victim cache. The encoder in use is live.
				runtime.GC()
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				return m.HeapAlloc
			}
			srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, "data: ")
				for written := 0; written < eventSize; written += len(chunk) {
					if written == early {
						liveEarly = live()
					}
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
				liveLate = live()
				io.WriteString(w, "\n\n")
			})))
			defer srv.Close()
			tr := &http.Transport{DisableCompression: true}
			defer tr.CloseIdleConnections()
			req, _ := http.NewRequest("GET", srv.URL, nil)
			req.Header.Set("Accept-Encoding", mode.accept)
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if got := resp.Header.Get("Content-Encoding"); mode.name != "bypass" && got != mode.accept {
				t.Fatalf("Content-Encoding %q, want %q", got, mode.accept)
			}
			body, err := decodeForLimits(resp)
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, body)
			if err != nil {
				t.Fatal(err)
			}
			if n < eventSize {
				t.Fatalf("client decoded %d bytes, want at least %d", n, eventSize)
			}
			t.Logf("%s: live heap %d KiB after 8 MiB of the event, %d KiB after 32 MiB", mode.name, liveEarly>>10, liveLate>>10)
			if liveLate > liveEarly+slack {
				t.Fatalf("live heap grew by %d KiB over 24 MiB of one event: something accumulates it",
					(liveLate-liveEarly)>>10)
			}
		})
	}
}

// decodeForLimits decodes a response body by its Content-Encoding.
func decodeForLimits(resp *http.Response) (io.Reader, error) {
	switch resp.Header.Get("Content-Encoding") {
	case "gzip":
		return gzip.NewReader(resp.Body)
	case "br":
		return brotli.NewReader(resp.Body), nil
	case "zstd":
		d, err := zstd.NewReader(resp.Body, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}
	return resp.Body, nil
}

// TestIdleGzipStreamRetainsOnlyHistory: after 10 MB through a releasable
// gzip stream, a release leaves no compressor and at most the history
// bound, whatever went through; the packed history is allocated once.
func TestIdleGzipStreamRetainsOnlyHistory(t *testing.T) {
	pool, err := newFlateWriterPool(DefaultGzipLevel)
	if err != nil {
		t.Fatal(err)
	}
	s := newGzipStream(pool, defaultGzipHistorySize)
	s.Reset(io.Discard)
	chunk := incompressible(64 << 10)
	var ring *byte
	for i := 0; i < 160; i++ { // 10 MiB
		if _, err := s.Write(chunk[:(i*7919)%len(chunk)+1]); err != nil {
			t.Fatal(err)
		}
		if i%10 == 9 {
			if err := s.Flush(); err != nil {
				t.Fatal(err)
			}
			s.Release()
			if !s.Released() {
				t.Fatal("Release kept the compressor")
			}
			// Released: no ring, the history packed (this one is
			// incompressible, so it packs to about its size).
			if s.hist != nil || s.histLen > defaultGzipHistorySize || cap(s.packed) > 2*s2.MaxEncodedLen(defaultGzipHistorySize)+256 {
				t.Fatalf("idle stream holds %d bytes of history (ring %v, %d packed), bound %d", s.histLen, s.hist != nil, cap(s.packed), defaultGzipHistorySize)
			}
			if ring == nil {
				ring = unsafe.SliceData(s.packed)
			} else if unsafe.SliceData(s.packed) != ring {
				t.Fatal("the packed history was reallocated")
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The bound is enforced however it is asked for.
	if big := newGzipStream(pool, 1<<30); big.histSize > maxGzipHistorySize {
		t.Fatalf("history of %d bytes accepted, bound %d", big.histSize, maxGzipHistorySize)
	}
}

// TestIdleCompressedEventStreamReleases: through the middleware, a gzip
// event stream that has sent 10 MB and gone idle gives its compressor back
// and keeps at most the history bound.
func TestIdleCompressedEventStreamReleases(t *testing.T) {
	mw, err := New(WithEventStreams(CompressEventStreams), WithEncodings("gzip"), WithReleaseAfter(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	result := make(chan string, 1)
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		payload := incompressible(64 << 10)
		for k := 0; k < 160; k++ {
			if _, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", k, payload); err != nil {
				result <- "write: " + err.Error()
				return
			}
		}
		zw := innerWriter(w)
		if zw.stream == nil {
			result <- "FAIL: not a releasable gzip stream"
			return
		}
		deadline := time.Now().Add(limitsLiveness)
		for {
			zw.stream.mu.Lock()
			released := zw.stream.gz.Released()
			held, capacity := zw.stream.gz.histLen, cap(zw.stream.gz.hist)
			zw.stream.mu.Unlock()
			if released {
				if held > defaultGzipHistorySize+histSlack(defaultGzipHistorySize) || capacity > defaultGzipHistorySize {
					result <- fmt.Sprintf("FAIL: idle stream holds %d bytes of history (cap %d)", held, capacity)
				} else {
					result <- fmt.Sprintf("idle after 10 MiB: compressor released, %d bytes of history held", held)
				}
				return
			}
			if time.Now().After(deadline) {
				result <- "FAIL: idle stream never released its compressor"
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})))
	defer srv.Close()
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, zr)
	if err != nil {
		t.Fatal(err)
	}
	r := <-result
	if bytes.HasPrefix([]byte(r), []byte("FAIL")) || bytes.HasPrefix([]byte(r), []byte("write")) {
		t.Fatal(r)
	}
	t.Logf("%s; client decoded %d bytes", r, n)
}
