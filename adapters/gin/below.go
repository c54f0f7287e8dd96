package ginzip

import (
	"bufio"
	"net"
	"net/http"
)

// below is the http.ResponseWriter streamzip writes to: gin's writer,
// with net/http's semantics (WriteHeader sends the header). It lives
// inside responseWriter, so it costs no allocation of its own, and it is
// how chainHandler finds the request's writer behind streamzip's.
type below struct{ w *responseWriter }

// Header returns gin's response headers.
func (b *below) Header() http.Header { return b.w.gin.Header() }

// WriteHeader sends the header with code now, as net/http does. gin's
// writer would take a 1xx for the final status, so informational
// responses go to the net/http writer below it.
func (b *below) WriteHeader(code int) {
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		if u, ok := b.w.gin.(interface{ Unwrap() http.ResponseWriter }); ok {
			u.Unwrap().WriteHeader(code)
		}
		return
	}
	b.w.gin.WriteHeader(code)
	b.w.gin.WriteHeaderNow()
}

// Write writes bytes to gin's writer.
func (b *below) Write(p []byte) (int, error) { return b.w.gin.Write(p) }

// Flush flushes gin's writer.
func (b *below) Flush() { b.w.gin.Flush() }

// Hijack takes over gin's connection.
func (b *below) Hijack() (net.Conn, *bufio.ReadWriter, error) { return b.w.gin.Hijack() }

// CloseNotify implements http.CloseNotifier for streamzip's pass-through.
func (b *below) CloseNotify() <-chan bool { return b.w.gin.CloseNotify() }

// Unwrap returns gin's writer, for http.ResponseController.
func (b *below) Unwrap() http.ResponseWriter { return b.w.gin }
