package compat

import (
	"io"
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/streamzip/streamzip"
	"github.com/streamzip/streamzip/internal/testkit"
)

// Compress has the shape of chi's own, so swapping them is a one-line change.
var (
	_ func(int, ...string) func(http.Handler) http.Handler = middleware.Compress
	_ func(int, ...string) func(http.Handler) http.Handler = streamzip.Compress
)

// TestEventStreamsThroughChi: under a chi router, with r.Use, events
// arrive one by one whether the handler flushes or not.
func TestEventStreamsThroughChi(t *testing.T) {
	for name, mw := range map[string]func(http.Handler) http.Handler{
		"r.Use(Middleware)":  streamzip.Middleware,
		"r.Use(Compress(5))": streamzip.Compress(5),
	} {
		for _, flush := range []bool{false, true} {
			t.Run(name, func(t *testing.T) {
				l := testkit.NewLockstep(5)
				r := chi.NewRouter()
				r.Use(mw)
				r.Get("/events", func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/event-stream")
					for k := range l.Events {
						io.WriteString(w, testkit.Event(k, "\n"))
						if flush {
							w.(http.Flusher).Flush()
						}
						if err := l.WaitAck(k); err != nil {
							t.Error(err)
							return
						}
					}
				})
				srv, c := testkit.NewServer(t, r)
				if err := l.Run(testkit.Get(t, c, "GET", srv.URL+"/events", "gzip, deflate, br, zstd")); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}
