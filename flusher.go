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

// exposed returns w as a ResponseWriter with exactly the optional
// interfaces the wrapped writer has (as felixge/httpsnoop does): Hijacker,
// ReaderFrom and Pusher vary, Flusher and Unwrap are always there. Each
// variant is a one-pointer struct, so the conversion does not allocate.
func (w *responseWriter) exposed() http.ResponseWriter {
	_, h := w.rw.(http.Hijacker)
	_, r := w.rw.(io.ReaderFrom)
	_, p := w.rw.(http.Pusher)
	switch {
	case h && r && p:
		return withHijackReadPush{w}
	case h && r:
		return withHijackRead{w}
	case h && p:
		return withHijackPush{w}
	case r && p:
		return withReadPush{w}
	case h:
		return withHijack{w}
	case r:
		return withRead{w}
	case p:
		return withPush{w}
	}
	return w
}

type (
	withHijack         struct{ *responseWriter }
	withRead           struct{ *responseWriter }
	withPush           struct{ *responseWriter }
	withHijackRead     struct{ *responseWriter }
	withHijackPush     struct{ *responseWriter }
	withReadPush       struct{ *responseWriter }
	withHijackReadPush struct{ *responseWriter }
)

// Hijack implements http.Hijacker.
func (v withHijack) Hijack() (net.Conn, *bufio.ReadWriter, error) { return v.hijack() }

// ReadFrom implements io.ReaderFrom.
func (v withRead) ReadFrom(src io.Reader) (int64, error) { return v.readFrom(src) }

// Push implements http.Pusher.
func (v withPush) Push(target string, opts *http.PushOptions) error { return v.push(target, opts) }

// Hijack implements http.Hijacker.
func (v withHijackRead) Hijack() (net.Conn, *bufio.ReadWriter, error) { return v.hijack() }

// ReadFrom implements io.ReaderFrom.
func (v withHijackRead) ReadFrom(src io.Reader) (int64, error) { return v.readFrom(src) }

// Hijack implements http.Hijacker.
func (v withHijackPush) Hijack() (net.Conn, *bufio.ReadWriter, error) { return v.hijack() }

// Push implements http.Pusher.
func (v withHijackPush) Push(target string, opts *http.PushOptions) error {
	return v.push(target, opts)
}

// ReadFrom implements io.ReaderFrom.
func (v withReadPush) ReadFrom(src io.Reader) (int64, error) { return v.readFrom(src) }

// Push implements http.Pusher.
func (v withReadPush) Push(target string, opts *http.PushOptions) error { return v.push(target, opts) }

// Hijack implements http.Hijacker.
func (v withHijackReadPush) Hijack() (net.Conn, *bufio.ReadWriter, error) { return v.hijack() }

// ReadFrom implements io.ReaderFrom.
func (v withHijackReadPush) ReadFrom(src io.Reader) (int64, error) { return v.readFrom(src) }

// Push implements http.Pusher.
func (v withHijackReadPush) Push(target string, opts *http.PushOptions) error {
	return v.push(target, opts)
}

// hijack hands the connection to the handler; the response is then the
// handler's, and an encoder, if any, goes back to the pool.
func (w *responseWriter) hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.state == stateUndecided && (w.status != 0 || w.buffered() > 0) {
		// net/http puts a status set by WriteHeader, and any body written,
		// on the connection before handing it over (CONNECT proxies rely
		// on it): commit them as they are.
		if w.status == 0 {
			w.status = http.StatusOK
		}
		if err := w.startIdentity(false); err != nil {
			return nil, nil, err
		}
	}
	conn, brw, err := w.rw.(http.Hijacker).Hijack()
	if err == nil {
		w.state = stateHijacked
		w.releaseBuffer()
	}
	return conn, brw, err
}

// CloseNotify implements the deprecated http.CloseNotifier, which
// net/http's HTTP/1 and HTTP/2 writers both have and older SSE handlers
// still assert. A wrapped writer without it yields a channel that never
// fires.
func (w *responseWriter) CloseNotify() <-chan bool {
	if cn, ok := w.rw.(http.CloseNotifier); ok { //nolint:staticcheck // pass-through of a deprecated interface
		return cn.CloseNotify()
	}
	return nil
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
	if (w.state == stateIdentity && w.kind == noBoundary) || w.state == stateLate {
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
