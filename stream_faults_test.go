package streamzip_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamzip/streamzip"
)

// panicAfterWriter is a ResponseWriter below streamzip whose Write panics
// once armed: a writer that fails in the worst way while the gzip trailer
// goes out.
type panicAfterWriter struct {
	http.ResponseWriter
	armed atomic.Bool
}

func (p *panicAfterWriter) Write(b []byte) (int, error) {
	if p.armed.Load() {
		panic(http.ErrAbortHandler) // net/http recovers it without logging
	}
	return p.ResponseWriter.Write(b)
}

func (p *panicAfterWriter) Flush() { http.NewResponseController(p.ResponseWriter).Flush() }

// TestPanicInTrailerWriteDoesNotDeadlock: a panic from the writer below
// while a compressed stream writes its gzip trailer must unwind through
// streamzip (every lock released on every path), so the request goroutine
// returns and the stream leaves the hot-stream count, whether the stream
// holds its compressor (a long release delay) or not (zero delay).
func TestPanicInTrailerWriteDoesNotDeadlock(t *testing.T) {
	for _, releaseAfter := range []time.Duration{0, time.Hour} {
		t.Run(releaseAfter.String(), func(t *testing.T) {
			mw, probe, err := streamzip.NewWithProbe(
				streamzip.WithEventStreams(streamzip.CompressEventStreams),
				streamzip.WithReleaseAfter(releaseAfter),
			)
			if err != nil {
				t.Fatal(err)
			}
			returned := make(chan struct{})
			// Not newServer: its Close would wait forever for a stuck
			// handler, so the server is closed only once the handler returned.
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(returned)
				pw := &panicAfterWriter{ResponseWriter: w}
				mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/event-stream")
					io.WriteString(w, event(0, "\n"))
					pw.armed.Store(true) // the next write to the connection is the trailer
				})).ServeHTTP(pw, r)
			}))
			resp := get(t, rawClient(srv), "GET", srv.URL, "gzip") // returns at the first event's headers
			select {
			case <-returned:
				resp.Body.Close()
				srv.Close()
			case <-time.After(stepTimeout):
				t.Fatal("the request goroutine is stuck after a panic in the trailer write")
			}
			if hot := probe.HotStreams(); hot != 0 {
				t.Fatalf("%d streams still counted hot", hot)
			}
		})
	}
}

// noFlushWriter is a logging wrapper as people write them: it embeds the
// ResponseWriter and so hides its Flush (and Unwrap).
type noFlushWriter struct{ http.ResponseWriter }

// TestStreamWritesSucceedBelowAWriterThatCannotFlush: the flush streamzip
// adds by itself at the end of each event must not turn a write into an
// error when the writer below cannot flush; the handler's own Flush still
// reports it, as net/http would.
func TestStreamWritesSucceedBelowAWriterThatCannotFlush(t *testing.T) {
	for _, releaseAfter := range []time.Duration{0, streamzip.DefaultReleaseAfter} {
		t.Run(releaseAfter.String(), func(t *testing.T) {
			mw, err := streamzip.New(
				streamzip.WithEventStreams(streamzip.CompressEventStreams),
				streamzip.WithReleaseAfter(releaseAfter),
			)
			if err != nil {
				t.Fatal(err)
			}
			const events = 20
			var want strings.Builder
			for k := range events {
				want.WriteString(event(k, "\n"))
			}
			srv, c := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/event-stream")
					for k := range events {
						if _, err := io.WriteString(w, event(k, "\n")); err != nil {
							t.Errorf("event %d: Write: %v", k, err)
							return
						}
					}
					if err := http.NewResponseController(w).Flush(); !errors.Is(err, http.ErrNotSupported) {
						t.Errorf("explicit Flush: %v, want ErrNotSupported as without streamzip", err)
					}
				})).ServeHTTP(noFlushWriter{w}, r)
			}))
			resp := get(t, c, "GET", srv.URL, "gzip")
			if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
				t.Fatalf("Content-Encoding %q", ce)
			}
			if got := string(readAll(t, resp)); got != want.String() {
				t.Fatalf("decoded %d bytes, want %d", len(got), want.Len())
			}
		})
	}
}

// longEventData is n bytes of an event's data line that compress poorly
// (pseudo-random letters), so the compressed event is long too.
func longEventData(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = 'a' + byte(x%26)
	}
	return b
}

// TestLongEventIsNotStagedWhole: a stream that releases its compressor
// right after each event (a zero delay, or more hot streams than
// WithMaxHotStreams) stages a compressed event before writing it, but one
// long event is written through in pieces past MaxStaged: the client
// decodes its beginning while the handler has not written its end, and
// no staging buffer ever holds more than MaxStaged bytes.
func TestLongEventIsNotStagedWhole(t *testing.T) {
	size := 32 << 20
	if streamzip.RaceEnabled {
		size = 4 << 20 // the race detector slows flate tenfold
	}
	for _, mode := range []string{"release after 0", "over the hot budget"} {
		t.Run(mode, func(t *testing.T) {
			opts := []streamzip.Option{streamzip.WithEventStreams(streamzip.CompressEventStreams), streamzip.WithReleaseAfter(0)}
			if mode == "over the hot budget" {
				opts = []streamzip.Option{
					streamzip.WithEventStreams(streamzip.CompressEventStreams),
					streamzip.WithReleaseAfter(time.Hour),
					streamzip.WithMaxHotStreams(1),
				}
			}
			mw, probe, err := streamzip.NewWithProbe(opts...)
			if err != nil {
				t.Fatal(err)
			}
			var maxStaged atomic.Int64
			probe.OnStaged(func(n int) {
				for m := maxStaged.Load(); int64(n) > m && !maxStaged.CompareAndSwap(m, int64(n)); m = maxStaged.Load() {
				}
			})
			data := longEventData(size)
			seen := make(chan struct{})       // the client decoded the event's first bytes
			holderHot := make(chan struct{})  // the other stream holds its compressor
			holderDone := make(chan struct{}) // let it end
			srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				if r.URL.Query().Has("holder") {
					io.WriteString(w, event(0, "\n"))
					close(holderHot)
					<-holderDone
					return
				}
				half := len(data) / 2
				io.WriteString(w, "data: ")
				if _, err := w.Write(data[:half]); err != nil {
					t.Errorf("first half: %v", err)
					return
				}
				select {
				case <-seen:
				case <-time.After(stepTimeout):
					t.Error("the client saw nothing of a long event before its end: staged whole")
					return
				}
				w.Write(data[half:])
				io.WriteString(w, "\n\n")
			})))
			if mode == "over the hot budget" {
				holder := get(t, c, "GET", srv.URL+"?holder", "gzip")
				defer func() { close(holderDone); readAll(t, holder) }()
				<-holderHot
				if hot := probe.HotStreams(); hot != 1 {
					t.Fatalf("holder stream: %d hot, want 1", hot)
				}
			}
			resp := get(t, c, "GET", srv.URL, "gzip")
			zr := decoder(t, resp)
			head := make([]byte, len("data: ")+1)
			if _, err := io.ReadFull(zr, head); err != nil {
				t.Fatal(err)
			}
			close(seen)
			rest, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			got := append(head, rest...)
			if want := "data: " + string(data) + "\n\n"; string(got) != want {
				t.Fatalf("decoded %d bytes, want %d", len(got), len(want))
			}
			if n := maxStaged.Load(); n > streamzip.MaxStaged || n == 0 {
				t.Fatalf("largest staging buffer %d bytes, bound %d (0: never staged)", n, streamzip.MaxStaged)
			}
		})
	}
}
