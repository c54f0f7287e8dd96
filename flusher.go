package streamzip

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
)

// Unwrap returns the wrapped ResponseWriter, so http.ResponseController
// reaches SetReadDeadline, SetWriteDeadline, EnableFullDuplex and the rest.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.rw }

// flushUnderlying flushes rw the way http.ResponseController does: through
// FlushError, Flush, or what Unwrap reaches.
func flushUnderlying(rw http.ResponseWriter) error {
	for {
		switch t := rw.(type) {
		case interface{ FlushError() error }:
			return t.FlushError()
		case http.Flusher:
			t.Flush()
			return nil
		case interface{ Unwrap() http.ResponseWriter }:
			rw = t.Unwrap()
		default:
			return fmt.Errorf("streamzip: flush: %w", http.ErrNotSupported)
		}
	}
}

//go:generate go run ./internal/cmd/genexposed

// hijack hands the connection to the handler; the response is then the
// handler's, and an encoder, if any, goes back to the pool. It reaches the
// Hijacker as http.ResponseController would, through Unwrap.
func (w *responseWriter) hijack() (net.Conn, *bufio.ReadWriter, error) {
	switch {
	case w.state == stateUndecided && (w.status != 0 || w.buffered() > 0):
		// net/http puts a status set by WriteHeader, and any body written,
		// on the connection before handing it over (CONNECT proxies rely
		// on it): commit them as they are.
		if w.status == 0 {
			w.status = http.StatusOK
		}
		if err := w.startIdentity(false); err != nil {
			return nil, nil, err
		}
	case w.state == stateEncoding:
		// The same for an encoded body: what the encoder holds goes out
		// first. The body is not ended: the connection is the handler's.
		_ = w.flushDecided()
	}
	conn, brw, err := http.NewResponseController(w.rw).Hijack()
	if err == nil {
		w.state = stateHijacked
		w.releaseBuffer()
	}
	return conn, brw, err
}

// canHijack reports whether rw, or a writer its Unwrap chain reaches, is an
// http.Hijacker. http.ResponseController reaches one through a wrapper that
// has Unwrap but no Hijack, so streamzip offers Hijack then too, and sees
// the hijack happen instead of being walked past.
func canHijack(rw http.ResponseWriter) bool {
	for {
		switch t := rw.(type) {
		case http.Hijacker:
			return true
		case interface{ Unwrap() http.ResponseWriter }:
			rw = t.Unwrap()
		default:
			return false
		}
	}
}

// closeNotify passes the deprecated http.CloseNotifier through. It is only
// exposed when the wrapped writer has it (see exposed): a channel that
// never fires would make a handler that prefers it miss disconnects.
func (w *responseWriter) closeNotify() <-chan bool {
	return w.rw.(http.CloseNotifier).CloseNotify() //nolint:staticcheck // pass-through of a deprecated interface
}

func (w *responseWriter) push(target string, opts *http.PushOptions) error {
	return w.rw.(http.Pusher).Push(target, opts)
}

// copyBuffers serve readFrom when it cannot hand the reader to the
// connection (encoding, or scanning a stream for boundaries).
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// readFrom keeps io.Copy into the response fast: an identity response hands
// src to the connection's ReadFrom (sendfile for files); otherwise it
// copies through Write with a pooled buffer.
func (w *responseWriter) readFrom(src io.Reader) (int64, error) {
	bufp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bufp)
	var total int64
	// Until the decision, feed Write so the rules see the first bytes.
	for w.state == stateUndecided {
		n, err := src.Read(*bufp)
		if n > 0 {
			m, werr := w.Write((*bufp)[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
	if (w.state == stateIdentity && w.kind == noBoundary && !w.dz.capturing) || w.state == stateLate {
		n, err := w.rw.(io.ReaderFrom).ReadFrom(src)
		return total + n, err
	}
	n, err := io.CopyBuffer(writerOnly{w}, src, *bufp)
	return total + n, err
}

// writerOnly hides ReadFrom so io.CopyBuffer does not call back into it.
// It holds the pointer itself, not an io.Writer, so it is one word and
// converting it to io.Writer does not allocate.
type writerOnly struct{ w *responseWriter }

func (o writerOnly) Write(p []byte) (int, error) { return o.w.Write(p) }
