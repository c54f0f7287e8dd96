package streamzip_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/streamzip/streamzip"
)

// discardWriter is a ResponseWriter that drops the body and can flush.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}
func (d *discardWriter) Flush()                      {}

// TestSteadyStateAllocatesOnlyTheWrapper: once the pools are warm, a
// request costs one allocation (the response writer wrapper), whether it is
// encoded, passed through or an event stream.
func TestSteadyStateAllocatesOnlyTheWrapper(t *testing.T) {
	if streamzip.RaceEnabled {
		t.Skip("the race detector makes sync.Pool drop items on purpose")
	}
	compressed, _ := streamzip.New(streamzip.WithEventStreams(streamzip.CompressEventStreams))
	body := jsonBody(16 << 10)
	event := []byte(event(0, "\n"))
	ctJSON, ctPNG, ctSSE := []string{"application/json"}, []string{"image/png"}, []string{"text/event-stream"}
	cases := []struct {
		name, accept string
		mw           func(http.Handler) http.Handler
		ct           []string
		body         []byte
	}{
		{"gzip JSON", "gzip", streamzip.Middleware, ctJSON, body},
		{"br JSON", "br", streamzip.Middleware, ctJSON, body},
		{"identity JSON", "", streamzip.Middleware, ctJSON, body},
		{"png pass-through", "gzip", streamzip.Middleware, ctPNG, body},
		{"small JSON", "gzip", streamzip.Middleware, ctJSON, body[:100]},
		{"bypassed event", "gzip", streamzip.Middleware, ctSSE, event},
		{"compressed gzip event", "gzip", compressed, ctSSE, event},
	}
	for _, tc := range cases {
		h := tc.mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = tc.ct // shared slice: the handler allocates nothing
			w.Write(tc.body)
		}))
		req := httptest.NewRequest("GET", "/", nil)
		if tc.accept != "" {
			req.Header.Set("Accept-Encoding", tc.accept)
		}
		w := &discardWriter{h: http.Header{}}
		serve := func() {
			clear(w.h)
			h.ServeHTTP(w, req)
		}
		serve() // warm the pools
		if n := testing.AllocsPerRun(200, serve); n > 1 {
			t.Errorf("%s: %v allocations per request, want 1 (the wrapper)", tc.name, n)
		}
	}
}
