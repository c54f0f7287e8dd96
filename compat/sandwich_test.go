package compat

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/felixge/httpsnoop"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/gorilla/handlers"
	"github.com/streamzip/streamzip"
	"github.com/streamzip/streamzip/internal/testkit"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// thirdPartyWrappers are the wrappers of other modules that people chain
// with a compression middleware. Each lets a flush through.
var thirdPartyWrappers = []testkit.Wrapper{
	{Name: "chi Logger", Wrap: middleware.RequestLogger(&middleware.DefaultLogFormatter{Logger: quietLog{}}), Flushes: true},
	{Name: "chi Recoverer", Wrap: middleware.Recoverer, Flushes: true},
	{Name: "chi Timeout", Wrap: middleware.Timeout(time.Minute), Flushes: true},
	{Name: "chi WrapResponseWriter", Wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(middleware.NewWrapResponseWriter(w, r.ProtoMajor), r)
		})
	}, Flushes: true},
	{Name: "gorilla LoggingHandler", Wrap: func(h http.Handler) http.Handler {
		return handlers.LoggingHandler(io.Discard, h)
	}, Flushes: true},
	{Name: "httpsnoop metrics", Wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpsnoop.CaptureMetrics(h, w, r)
		})
	}, Flushes: true},
	{Name: "otelhttp", Wrap: func(h http.Handler) http.Handler { return otelhttp.NewHandler(h, "compat") }, Flushes: true},
}

// quietLog keeps chi's request log out of the test output.
type quietLog struct{}

func (quietLog) Print(...any) {}

// TestThirdPartySandwich: with streamzip beneath and above each wrapper,
// no write fails that would not fail without it, every byte arrives,
// events arrive one by one, and HEAD, 304 and 200 agree.
func TestThirdPartySandwich(t *testing.T) {
	compressed, err := streamzip.New(streamzip.WithEventStreams(streamzip.CompressEventStreams))
	if err != nil {
		t.Fatal(err)
	}
	released, err := streamzip.New(streamzip.WithEventStreams(streamzip.CompressEventStreams), streamzip.WithReleaseAfter(0))
	if err != nil {
		t.Fatal(err)
	}
	for mwName, mw := range map[string]func(http.Handler) http.Handler{
		"streamzip":               streamzip.Middleware,
		"compressed streams":      compressed,
		"released gzip streams":   released,
		"chi-compatible Compress": streamzip.Compress(5),
	} {
		for _, w := range thirdPartyWrappers {
			t.Run(mwName+"/"+w.Name, func(t *testing.T) {
				testkit.CheckSandwich(t, w, mwName, mw, "gzip, br, zstd")
			})
		}
	}
}
