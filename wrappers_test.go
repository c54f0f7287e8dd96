package streamzip_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/streamzip/streamzip"
	"github.com/streamzip/streamzip/internal/testkit"
)

// statusLogger is the logging wrapper people write: it embeds the
// ResponseWriter to record the status, and so hides Flush and Unwrap.
type statusLogger struct {
	http.ResponseWriter
	status int
}

func (l *statusLogger) WriteHeader(code int) { l.status = code; l.ResponseWriter.WriteHeader(code) }

// flushingLogger adds Flush but no Unwrap, as many pre-1.20 wrappers do.
type flushingLogger struct{ statusLogger }

func (l *flushingLogger) Flush() { l.ResponseWriter.(http.Flusher).Flush() }

// stdlibWrappers are the net/http wrappers and the hand-written loggers
// that sit above or below a compression middleware. Third-party ones
// (chi, gorilla, httpsnoop, otelhttp) are in the compat module.
var stdlibWrappers = []testkit.Wrapper{
	{Name: "TimeoutHandler", Wrap: func(h http.Handler) http.Handler {
		return http.TimeoutHandler(h, time.Minute, "timeout")
	}, Flushes: false, Holds: true},
	{Name: "MaxBytesHandler", Wrap: func(h http.Handler) http.Handler { return http.MaxBytesHandler(h, 1<<20) }, Flushes: true},
	{Name: "StripPrefix", Wrap: func(h http.Handler) http.Handler { return http.StripPrefix("", h) }, Flushes: true},
	{Name: "logger without Flush", Wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(&statusLogger{ResponseWriter: w}, r) })
	}, Flushes: false},
	{Name: "logger with Flush, no Unwrap", Wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(&flushingLogger{statusLogger{ResponseWriter: w}}, r)
		})
	}, Flushes: true},
}

// sandwichMiddlewares are the modes a wrapper is checked against: bypassed
// streams, and compressed streams in each coding, released after every
// event and kept hot.
func sandwichMiddlewares(t *testing.T) map[string]func(http.Handler) http.Handler {
	mws := map[string]func(http.Handler) http.Handler{"streamzip": streamzip.Middleware}
	for name, opts := range map[string][]streamzip.Option{
		"gzip streams":          {streamzip.WithEncodings("gzip")},
		"gzip streams released": {streamzip.WithEncodings("gzip"), streamzip.WithReleaseAfter(0)},
		"br streams":            {streamzip.WithEncodings("br")},
		"zstd streams":          {streamzip.WithEncodings("zstd")},
	} {
		mw, err := streamzip.New(append(opts, streamzip.WithEventStreams(streamzip.CompressEventStreams))...)
		if err != nil {
			t.Fatal(err)
		}
		mws[name] = mw
	}
	return mws
}

// TestWrapperSandwich: with streamzip beneath and above each wrapper, no
// write fails that would not fail without it, every byte arrives, events
// arrive one by one wherever a flush path exists, and HEAD, 304 and 200
// agree.
func TestWrapperSandwich(t *testing.T) {
	for mwName, mw := range sandwichMiddlewares(t) {
		for _, w := range stdlibWrappers {
			t.Run(mwName+"/"+w.Name, func(t *testing.T) {
				testkit.CheckSandwich(t, w, mwName, mw, "gzip, br, zstd")
			})
		}
	}
}
