package demo

import (
	"compress/gzip"
	"net/http"
	"strings"
)

// naiveGzip is the middleware this demo exists to show: it compresses
// every response with gzip and closes the compressor when the handler
// returns. Its Flush flushes the connection but not the compressor, so the
// headers go out and the events stay in the gzip buffer until the end —
// what NYTimes/gziphandler and CAFxX/httpcompression do with a small event
// stream, and what Express's compression did before it learned res.flush().
func naiveGzip(next http.Handler) http.Handler {
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
		next.ServeHTTP(&naiveWriter{ResponseWriter: w, zw: zw}, r)
	})
}

type naiveWriter struct {
	http.ResponseWriter
	zw *gzip.Writer
}

func (w *naiveWriter) Write(p []byte) (int, error) { return w.zw.Write(p) }

// Flush is the bug: the connection is flushed, the compressor is not.
func (w *naiveWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
