package e2e

import (
	"net/http"
	"sync"
)

// exchange is what a recorder saw of the first request to reach it: what
// the client advertised and what went back on the wire. It sits outside
// every middleware, right on net/http, so it sees the bytes' real coding.
type exchange struct {
	mu              sync.Mutex
	seen            bool
	proto           string
	acceptEncoding  string // as the client (or the proxy in front) sent it
	contentEncoding string // as the response carried it
	accelBuffering  string // X-Accel-Buffering as the response carried it
}

// snapshot is a copy of an exchange, safe to read.
type snapshot struct {
	Seen                                   bool
	Proto, AcceptEncoding, ContentEncoding string
	AccelBuffering                         string
}

func (x *exchange) get() snapshot {
	x.mu.Lock()
	defer x.mu.Unlock()
	return snapshot{x.seen, x.proto, x.acceptEncoding, x.contentEncoding, x.accelBuffering}
}

// wrap records the first request through next and the headers its
// response went out with.
func (x *exchange) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x.mu.Lock()
		first := !x.seen
		if first {
			x.seen = true
			x.proto = r.Proto
			x.acceptEncoding = r.Header.Get("Accept-Encoding")
		}
		x.mu.Unlock()
		if !first {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&recordingWriter{ResponseWriter: w, x: x}, r)
	})
}

// recordingWriter captures the response headers as they are sent.
type recordingWriter struct {
	http.ResponseWriter
	x       *exchange
	written bool
}

func (w *recordingWriter) WriteHeader(code int) {
	if !w.written && code >= 200 {
		w.written = true
		h := w.Header()
		w.x.mu.Lock()
		w.x.contentEncoding = h.Get("Content-Encoding")
		w.x.accelBuffering = h.Get("X-Accel-Buffering")
		w.x.mu.Unlock()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// FlushError passes flushes through, so the middleware's flushes reach
// the connection.
func (w *recordingWriter) FlushError() error {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush implements http.Flusher for middlewares that only know it.
func (w *recordingWriter) Flush() { _ = w.FlushError() }

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
