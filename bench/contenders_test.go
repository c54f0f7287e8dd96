package bench

import (
	"io"
	"net/http"
	"sync"

	"github.com/CAFxX/httpcompression"
	hcbrotli "github.com/CAFxX/httpcompression/contrib/andybalholm/brotli"
	"github.com/NYTimes/gziphandler"
	"github.com/andybalholm/brotli"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"

	"github.com/streamzip/streamzip"
)

// Equal levels for everyone: gzip 5 and brotli 4, streamzip's defaults
// (options.go: DefaultGzipLevel, DefaultBrotliLevel), and the same 1 KiB
// minimum size wherever a middleware has one (chi has none).
const (
	gzipLevel   = streamzip.DefaultGzipLevel
	brotliLevel = streamzip.DefaultBrotliLevel
	minSize     = streamzip.DefaultMinSize
)

// contender is one way of serving a response: a middleware in a given
// configuration, with the Accept-Encoding the client sends to it.
type contender struct {
	name   string // row name in the results: "<middleware>-<coding>"
	accept string // Accept-Encoding sent by the client
	wrap   func(http.Handler) http.Handler
}

// plainContenders are compared on ordinary responses. Each middleware keeps
// its own default encoder implementation — what its users get: chi,
// gziphandler and httpcompression use compress/gzip from the standard
// library, gzhttp and streamzip klauspost's.
func plainContenders() []contender {
	chi := chiCompressor()
	hc := must(httpcompression.Adapter(
		httpcompression.GzipCompressionLevel(gzipLevel),
		brotliOption(),
		httpcompression.MinSize(minSize),
	))
	return []contender{
		{"none", "gzip", func(h http.Handler) http.Handler { return h }},
		{"bare-gzip", "gzip", bareGzip(gzipLevel)},
		{"streamzip-gzip", "gzip", streamzip.Middleware},
		{"gzhttp-gzip", "gzip", gzhttpWrapper()},
		{"chi-gzip", "gzip", chi.Handler},
		{"httpcompression-gzip", "gzip", hc},
		{"gziphandler-gzip", "gzip", gziphandlerWrapper(minSize)},
		{"bare-br", "br", bareBrotli(brotliLevel)},
		{"streamzip-br", "br", streamzip.Middleware},
		{"chi-br", "br", chi.Handler},
		{"httpcompression-br", "br", hc},
	}
}

// sseContenders are compared on an event stream. Each middleware appears in
// the configuration a server would use for its other responses and, where
// another setting streams better, in that one too (suffix "-min0": minimum
// size 0, so the first Flush is not swallowed; "chi-sse": event streams
// added to chi's type list so they are compressed).
func sseContenders() []contender {
	chiSSE := middleware.NewCompressor(gzipLevel, append(chiDefaultTypes(), "text/event-stream")...)
	return []contender{
		{"none", "gzip", func(h http.Handler) http.Handler { return h }},
		{"bare-gzip", "gzip", bareGzip(gzipLevel)},
		{"bare-br", "br", bareBrotli(brotliLevel)},
		{"streamzip", "gzip", streamzip.Middleware},
		{"streamzip-compress-gzip", "gzip", mustNew(streamzip.WithEventStreams(streamzip.CompressEventStreams))},
		{"streamzip-compress-release0-gzip", "gzip", mustNew(
			streamzip.WithEventStreams(streamzip.CompressEventStreams), streamzip.WithReleaseAfter(0))},
		{"streamzip-compress-br", "br", mustNew(
			streamzip.WithEventStreams(streamzip.CompressEventStreams), streamzip.WithEncodings("br"))},
		{"gzhttp-gzip", "gzip", gzhttpWrapper()},
		{"chi", "gzip", chiCompressor().Handler},
		{"chi-sse-gzip", "gzip", chiSSE.Handler},
		{"httpcompression-gzip", "gzip", must(httpcompression.Adapter(
			httpcompression.GzipCompressionLevel(gzipLevel), httpcompression.MinSize(minSize)))},
		{"httpcompression-min0-gzip", "gzip", must(httpcompression.Adapter(
			httpcompression.GzipCompressionLevel(gzipLevel), httpcompression.MinSize(0)))},
		{"gziphandler-gzip", "gzip", gziphandlerWrapper(minSize)},
		{"gziphandler-min0-gzip", "gzip", gziphandlerWrapper(0)},
	}
}

func gzhttpWrapper() func(http.Handler) http.Handler {
	w := must(gzhttp.NewWrapper(gzhttp.CompressionLevel(gzipLevel), gzhttp.MinSize(minSize)))
	return func(h http.Handler) http.Handler { return w(h) }
}

func gziphandlerWrapper(min int) func(http.Handler) http.Handler {
	return must(gziphandler.GzipHandlerWithOpts(gziphandler.CompressionLevel(gzipLevel), gziphandler.MinSize(min)))
}

// chiCompressor is chi's middleware.Compress(5) with brotli registered the
// way chi's documentation shows, at brotli's equal level.
func chiCompressor() *middleware.Compressor {
	c := middleware.NewCompressor(gzipLevel)
	c.SetEncoder("br", func(w io.Writer, _ int) io.Writer { return brotli.NewWriterLevel(w, brotliLevel) })
	return c
}

// chiDefaultTypes is chi v5's default list of compressible types.
func chiDefaultTypes() []string {
	return []string{"text/html", "text/css", "text/plain", "text/javascript", "text/markdown",
		"text/csv", "text/vtt", "application/javascript", "application/x-javascript",
		"application/json", "application/atom+xml", "application/rss+xml",
		"application/xml", "text/xml", "image/svg+xml"}
}

func brotliOption() httpcompression.Option {
	c, err := hcbrotli.New(hcbrotli.Options{Quality: brotliLevel})
	if err != nil {
		panic(err)
	}
	return httpcompression.BrotliCompressor(c)
}

func mustNew(opts ...streamzip.Option) func(http.Handler) http.Handler {
	return must(streamzip.New(opts...))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// bareEncoder is what the bare contenders write through.
type bareEncoder interface {
	io.WriteCloser
	Flush() error
	Reset(io.Writer)
}

// bareWriter is the least a handler can do to send an encoded body: the
// encoder on the body and Content-Encoding set, nothing decided, nothing
// negotiated. It is the floor every middleware is measured against.
type bareWriter struct {
	http.ResponseWriter
	enc bareEncoder
}

func (w *bareWriter) Write(p []byte) (int, error) { return w.enc.Write(p) }

// Flush sends what the encoder holds, then flushes the connection.
func (w *bareWriter) Flush() {
	_ = w.enc.Flush()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// bare returns a "middleware" that always encodes with pooled encoders
// (writer and encoder pooled together, so it allocates nothing itself).
func bare(coding string, newEnc func() bareEncoder) func(http.Handler) http.Handler {
	ce := []string{coding}
	pool := sync.Pool{New: func() any { return &bareWriter{enc: newEnc()} }}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			bw := pool.Get().(*bareWriter)
			bw.ResponseWriter = w
			bw.enc.Reset(w)
			w.Header()["Content-Encoding"] = ce
			next.ServeHTTP(bw, r)
			_ = bw.enc.Close()
			// No second Reset to drop w: the next Get resets anyway, and
			// a Reset costs as much as a small body (streamzip avoids it
			// the same way, with an indirection).
			bw.ResponseWriter = nil
			pool.Put(bw)
		})
	}
}

func bareGzip(level int) func(http.Handler) http.Handler {
	return bare("gzip", func() bareEncoder { return must(gzip.NewWriterLevel(nil, level)) })
}

func bareBrotli(level int) func(http.Handler) http.Handler {
	return bare("br", func() bareEncoder { return brotli.NewWriterLevel(nil, level) })
}
