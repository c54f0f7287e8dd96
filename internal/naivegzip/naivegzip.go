// Package naivegzip is the buffering gzip middleware streamzip exists to
// replace, kept as a fixture: the demo shows it, and the tests (unit, bench
// and e2e) run every streaming check through it as a negative control that
// must stall.
//
// It gzips every response whose request accepts gzip and closes the
// compressor when the handler returns. Its Flush flushes the connection but
// not the compressor, so the headers go out and the events stay in the gzip
// buffer until the end — what NYTimes/gziphandler and CAFxX/httpcompression
// do with a small event stream, and what Express's compression did before it
// learned res.flush().
package naivegzip

import (
	"compress/gzip"
	"net/http"
	"strings"
)

// Middleware is the buffering gzip middleware.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
		w.Header().Del("Content-Length")
		zw := gzip.NewWriter(w)
		defer zw.Close()
		next.ServeHTTP(&writer{ResponseWriter: w, zw: zw}, r)
	})
}

type writer struct {
	http.ResponseWriter
	zw *gzip.Writer
}

func (w *writer) Write(p []byte) (int, error) { return w.zw.Write(p) }

// Flush is the bug: the connection is flushed, the compressor is not.
func (w *writer) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }
