package bench

import (
	"net/http"
)

// wire is the ResponseWriter of the benchmarks: it throws the body away
// and counts the bytes that reach it, as a connection would see them. It
// implements http.Flusher (a no-op), as net/http's writer does, so that
// middlewares take their streaming paths.
type wire struct {
	h      http.Header
	status int
	bytes  int64
	// sink, if set, receives every body byte (tests, buffering detection).
	sink func(p []byte)
	// onHeader, if set, sees the headers when they are sent.
	onHeader func(h http.Header)
}

func newWire() *wire { return &wire{h: make(http.Header)} }

// reset readies w for the next response without reallocating its header.
func (w *wire) reset() {
	clear(w.h)
	w.status = 0
	w.bytes = 0
}

// Header returns the response header.
func (w *wire) Header() http.Header { return w.h }

// WriteHeader records the status; later calls are ignored, as net/http does.
func (w *wire) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	if w.onHeader != nil {
		w.onHeader(w.h)
	}
}

// Write counts p and hands it to sink.
func (w *wire) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	w.bytes += int64(len(p))
	if w.sink != nil {
		w.sink(p)
	}
	return len(p), nil
}

// Flush sends the headers if they were not sent; the body is never held.
func (w *wire) Flush() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
}
