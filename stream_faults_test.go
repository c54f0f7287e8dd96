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
