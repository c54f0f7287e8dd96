package ginzip

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"
)

// notWritten is size before the header is written, as in gin.
const notWritten = -1

// errHijackAfterBody mirrors gin: a connection whose body was started
// cannot be taken over.
var errHijackAfterBody = errors.New("ginzip: response body already written")

// responseWriter is the gin.ResponseWriter the chain sees: gin's
// semantics (WriteHeader only records the status until the first write,
// WriteHeaderNow or Flush), with the bytes going through streamzip.
//
// Status, Size and Written report what the handlers wrote: Size counts
// bytes before compression, so gin.Logger and handlers that check Size see
// the response they produced, whatever the coding. (gin-contrib/gzip
// returns its underlying writer's count instead: the compressed bytes that
// reached it so far.)
//
// The writer stays in c.Writer after the middleware returns, so outer
// middlewares read the same figures. A response written there when the
// handlers wrote nothing (an error page, gin.Recovery's 500) passes
// through uncompressed; a write after a body streamzip ended fails, since
// it cannot be appended to a compressed stream.
type responseWriter struct {
	c      *gin.Context
	gin    gin.ResponseWriter // the writer gin gave the middleware
	zw     http.ResponseWriter
	status int
	size   int
	below  below // handed to streamzip as its underlying writer
}

var _ gin.ResponseWriter = (*responseWriter)(nil)

func newResponseWriter(c *gin.Context) *responseWriter {
	w := &responseWriter{c: c, gin: c.Writer, status: c.Writer.Status(), size: notWritten}
	w.below.w = w
	return w
}

// Header returns the response headers.
func (w *responseWriter) Header() http.Header { return w.zw.Header() }

// WriteHeader records the status for the first write, as gin does; a
// status after the header was written is ignored. An informational 1xx
// (103 Early Hints) goes out at once, as net/http sends it, and is not
// the response's status.
func (w *responseWriter) WriteHeader(code int) {
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		if !w.Written() {
			w.zw.WriteHeader(code)
		}
		return
	}
	if code > 0 && !w.Written() {
		w.status = code
	}
}

// WriteHeaderNow sends the recorded status through streamzip.
func (w *responseWriter) WriteHeaderNow() {
	if !w.Written() {
		w.size = 0
		w.zw.WriteHeader(w.status)
	}
}

// Write writes body bytes through streamzip.
func (w *responseWriter) Write(p []byte) (int, error) {
	w.WriteHeaderNow()
	n, err := w.zw.Write(p)
	w.size += n
	return n, err
}

// WriteString writes s through streamzip.
func (w *responseWriter) WriteString(s string) (int, error) {
	w.WriteHeaderNow()
	n, err := io.WriteString(w.zw, s)
	w.size += n
	return n, err
}

// Status returns the status the handlers set (200 if none).
func (w *responseWriter) Status() int { return w.status }

// Size returns the body bytes the handlers wrote, before compression; -1
// until the header is written.
func (w *responseWriter) Size() int { return w.size }

// Written reports whether the header was written.
func (w *responseWriter) Written() bool { return w.size != notWritten }

// Flush sends everything written so far, headers included, to the client.
func (w *responseWriter) Flush() {
	w.WriteHeaderNow()
	w.zw.(http.Flusher).Flush()
}

// Hijack hands the connection to the handler, as gin allows it: before
// any body byte was written.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.size > 0 {
		return nil, nil, errHijackAfterBody
	}
	if w.size < 0 {
		w.size = 0
	}
	return w.zw.(http.Hijacker).Hijack()
}

// CloseNotify implements the deprecated http.CloseNotifier that gin's
// c.Stream uses to notice a client going away.
func (w *responseWriter) CloseNotify() <-chan bool { return w.gin.CloseNotify() }

// Pusher returns gin's HTTP/2 pusher, nil without one: a push promise
// carries no body bytes for streamzip to encode, and the pushed request is
// served (and compressed) on its own.
func (w *responseWriter) Pusher() http.Pusher { return w.gin.Pusher() }

// Unwrap returns streamzip's writer, so http.ResponseController reaches
// FlushError, SetWriteDeadline and the rest through it.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.zw }

// endChain commits a status-only response (a 204, a 304, a redirect
// without body) through streamzip once the chain returned, so it gets
// streamzip's Vary and ETag rules like any other. A plain 200 with no body
// is left to gin, which writes it at the end of the request, after any
// outer middleware had its chance to write.
func (w *responseWriter) endChain() {
	if !w.Written() && w.status != http.StatusOK {
		w.WriteHeaderNow()
	}
}
