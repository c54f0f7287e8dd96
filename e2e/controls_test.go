package e2e

import (
	"net/http"
)

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
