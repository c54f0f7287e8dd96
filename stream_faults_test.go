package streamzip_test

import (
	"io"
	"net/http"
	"net/http/httptest"
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
