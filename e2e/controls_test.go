package e2e

import (
	"compress/gzip"
	"net/http"
	"strings"
)

// naiveGzip is the buffering middleware streamzip exists to replace (the
// shape of NYTimes/gziphandler below its minimum size, or Express's
// compression without res.flush): it gzips everything, and its Flush
// flushes the connection but not the gzip writer, so events sit in the
// compressor until the handler returns. Every check runs through it as a
// negative control that must stall.
func naiveGzip(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
		gz := gzip.NewWriter(w)
		defer gz.Close()
		next.ServeHTTP(naiveWriter{w, gz}, r)
	})
}

type naiveWriter struct {
	http.ResponseWriter
	gz *gzip.Writer
}

func (n naiveWriter) Write(p []byte) (int, error) { return n.gz.Write(p) }

// Flush sends the headers and whatever gzip already emitted, not what the
// compressor holds: the bug.
func (n naiveWriter) Flush() { http.NewResponseController(n.ResponseWriter).Flush() }

// stripAccelBuffering deletes X-Accel-Buffering right before the headers
// go out, whoever set it: the control that shows a buffering proxy holds
// events back without it.
func stripAccelBuffering(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&strippingWriter{ResponseWriter: w}, r)
	})
}

type strippingWriter struct {
	http.ResponseWriter
	written bool
}

func (w *strippingWriter) WriteHeader(code int) {
	if !w.written && code >= 200 {
		w.written = true
		w.Header().Del("X-Accel-Buffering")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *strippingWriter) Write(p []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

func (w *strippingWriter) FlushError() error {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *strippingWriter) Flush() { _ = w.FlushError() }

func (w *strippingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
