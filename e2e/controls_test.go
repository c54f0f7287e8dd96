package e2e

import (
	"net/http"
)

// stripAccelBuffering deletes X-Accel-Buffering right before the headers
// go out, whoever set it: the control that shows a buffering proxy holds
// events back without it.
var stripAccelBuffering = editHeaders(func(h http.Header) { h.Del("X-Accel-Buffering") })

// editHeaders calls edit on the response headers right before they go
// out, whatever the layers below set.
func editHeaders(edit func(http.Header)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(&editingWriter{ResponseWriter: w, edit: edit}, r)
		})
	}
}

type editingWriter struct {
	http.ResponseWriter
	edit    func(http.Header)
	written bool
}

func (w *editingWriter) WriteHeader(code int) {
	if !w.written && code >= 200 {
		w.written = true
		w.edit(w.Header())
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *editingWriter) Write(p []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

func (w *editingWriter) FlushError() error {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *editingWriter) Flush() { _ = w.FlushError() }

func (w *editingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
