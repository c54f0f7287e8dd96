package streamzip

import (
	"errors"
	"io"
	"net/http"
	"unsafe"
)

// writerState is where a response is in its life.
type writerState uint8

const (
	stateUndecided writerState = iota // buffering until the decision
	stateIdentity                     // passing bytes through untouched
	stateEncoding                     // writing through an encoder
	stateHijacked                     // the handler took the connection
	stateDone                         // the handler returned
	// stateLate: the handler returned (or panicked) having sent nothing
	// to the writer below, or an identity response. Frameworks that render
	// a returned error after the middleware chain (echo's
	// HTTPErrorHandler) write then: their bytes pass through untouched, as
	// they would without streamzip.
	stateLate
)

// errWriteAfterDone is returned for writes after the handler returned,
// which net/http forbids too.
var errWriteAfterDone = errors.New("streamzip: write after the handler returned")

// responseWriter defers the compression decision until the headers and, if
// needed, the first bytes tell enough, then either passes bytes through or
// encodes them. It is used by one goroutine at a time, as net/http's own
// ResponseWriter is.
type responseWriter struct {
	rw  http.ResponseWriter
	m   *middleware
	req *http.Request // for the 304 and 206 rules: path and If-None-Match

	status       int  // 0 until WriteHeader, explicit or implied by Write/Flush
	lateDecision bool // decided after the handler's WriteHeader (on body, flush or return)
	head         bool
	state        writerState
	kind         boundaryKind // stream boundaries to flush at, once decided
	events       eventScanner
	sniffed      string   // Content-Type sniffed from the body, to set when encoding
	peek         []byte   // the first Write, while deciding on it without buffering
	accept       []string // Accept-Encoding, negotiated only if the rules get that far
	coding       coding   // negotiated for ordinary responses, once negotiated is set
	negotiated   bool

	values headerValues // what the header values the middleware sets point into

	buf    *[]byte // decision buffer from m.bufs, nil when not buffering
	enc    *pooledEncoder
	stream *releasingStream // instead of enc for gzip event streams that release when idle
	cd     coding           // coding of enc or stream

	// dz is the response's RFC 9842 work (dcz.go).
	dz dictionaryResponse

	statefulSlot bool // holds a slot of the stateful-stream budget (stream_budget.go)
}

func (m *middleware) newResponseWriter(w http.ResponseWriter, r *http.Request) *responseWriter {
	accept := r.Header["Accept-Encoding"]
	zw := &responseWriter{
		rw:     w,
		m:      m,
		req:    r,
		accept: accept,
		head:   r.Method == http.MethodHead,
	}
	return zw
}

// Header returns the underlying header map: the decision edits it in place.
func (w *responseWriter) Header() http.Header { return w.rw.Header() }

// WriteHeader records the status and decides at once when the headers
// alone are enough (a skip rule, a known Content-Length, an event stream).
// Informational 1xx responses are forwarded as they come.
func (w *responseWriter) WriteHeader(code int) {
	if w.state == stateLate {
		w.rw.WriteHeader(code)
		return
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		if w.status == 0 {
			w.rw.WriteHeader(code)
		}
		return
	}
	if w.status != 0 {
		if w.state != stateUndecided {
			w.rw.WriteHeader(code) // let net/http report the superfluous call
		} else {
			logSuperfluousWriteHeader(w.req) // net/http cannot see it yet
		}
		return
	}
	w.status = code
	w.decide(decideOnHeaders)
}

// Write buffers until the decision, then passes through or encodes, and
// flushes streams at every event or line boundary.
func (w *responseWriter) Write(p []byte) (int, error) {
	switch w.state {
	case stateIdentity, stateEncoding:
		return w.writeDecided(p)
	case stateHijacked:
		return 0, http.ErrHijacked
	case stateDone:
		return 0, errWriteAfterDone
	case stateLate:
		return w.rw.Write(p)
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
		if w.state != stateUndecided {
			return w.writeDecided(p)
		}
	}
	if len(p) == 0 {
		return 0, nil // nothing to decide on: an empty body stays empty
	}
	// Buffer up to the limit, decide once it is reached, write the rest
	// through the decided path: the buffer never grows past the limit.
	limit := w.bufferLimit()
	if w.buf == nil && len(p) >= limit {
		// The first Write already holds enough to decide (a marshalled
		// body, a rendered page): decide on it in place, then write it
		// in one piece. Nothing is copied into the decision buffer, and
		// the encoder sees one Write, not limit bytes and then the rest
		// (brotli sizes its ring buffer from the first Write).
		w.peek = p // all of it: the BREACH padding hashes what it has
		err := w.decide(decideOnBody)
		w.peek = nil
		if err != nil {
			return 0, err
		}
		return w.writeDecided(p)
	}
	room := limit - w.buffered()
	if len(p) < room {
		w.appendBuffer(p)
		return len(p), nil
	}
	room = max(room, 0)
	w.appendBuffer(p[:room])
	if err := w.decide(decideOnBody); err != nil {
		return room, err
	}
	n, err := w.writeDecided(p[room:])
	return room + n, err
}

// WriteString is Write for a string: net/http's own writer has
// io.StringWriter and handlers assert it. It is exposed whatever the
// wrapped writer has, since io.WriteString would otherwise call Write with
// the same bytes: it cannot behave differently. The string's bytes are
// lent to Write without a copy; like every io.Writer, nothing below
// modifies or keeps them.
func (w *responseWriter) WriteString(s string) (int, error) {
	if w.state == stateIdentity && w.kind == noBoundary && !w.dz.capturing {
		if sw, ok := w.rw.(io.StringWriter); ok {
			return sw.WriteString(s)
		}
	}
	return w.Write(unsafe.Slice(unsafe.StringData(s), len(s)))
}

func (w *responseWriter) appendBuffer(p []byte) {
	if len(p) == 0 {
		return
	}
	if w.buf == nil {
		w.buf = w.m.bufs.Get().(*[]byte)
	}
	*w.buf = append(*w.buf, p...)
}

// writeDecided writes p once the decision is made.
func (w *responseWriter) writeDecided(p []byte) (n int, err error) {
	ends := w.kind != noBoundary && w.endsRecord(p)
	if w.dz.capturing {
		w.captureDictionary(p)
	}
	switch {
	case w.stream != nil:
		return w.stream.write(p, ends)
	case w.state == stateEncoding && w.enc == nil:
		n = len(p) // HEAD: the headers say what GET would send, no body
	case w.state == stateEncoding:
		n, err = w.enc.Write(p)
	default:
		n, err = w.rw.Write(p)
	}
	if err != nil || !ends {
		return n, err
	}
	return n, w.autoFlush()
}

// autoFlush is the flush streamzip adds on its own at an event or line
// boundary. The handler did not ask for it, so it must never turn a
// successful write into an error: a writer below that cannot flush
// (http.TimeoutHandler, a logging wrapper without Flush) is not the
// handler's failure. Only the encoder's flush is reported, because it
// writes bytes the handler wrote, and their failure is a write failure.
func (w *responseWriter) autoFlush() error {
	if w.enc != nil {
		if err := w.enc.Flush(); err != nil {
			return err
		}
	}
	_ = flushUnderlying(w.rw) // ErrNotSupported, or a broken connection the next write reports
	return nil
}

// endsRecord reports whether p completes an event (or an NDJSON line).
// Events that arrive in one Write share one flush.
func (w *responseWriter) endsRecord(p []byte) bool {
	if w.kind == lineBoundary {
		return scanLines(p)
	}
	return w.events.scan(p)
}

// Flush sends everything written so far, headers included, to the client.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush that reports the error; http.ResponseController
// calls it.
func (w *responseWriter) FlushError() error {
	switch w.state {
	case stateUndecided:
		if w.status == 0 {
			w.status = http.StatusOK
		}
		// A flushed response is a stream of unknown length: min size no
		// longer applies, and headers must go out now.
		if err := w.decide(decideOnFlush); err != nil {
			return err
		}
	case stateHijacked:
		return http.ErrHijacked
	case stateDone:
		return errWriteAfterDone
	case stateLate:
		return flushUnderlying(w.rw)
	}
	return w.flushDecided()
}

func (w *responseWriter) flushDecided() error {
	if w.stream != nil {
		return w.stream.flush()
	}
	if w.enc != nil {
		if err := w.enc.Flush(); err != nil {
			return err
		}
	}
	return flushUnderlying(w.rw)
}

// finish ends the response after the handler returned normally.
func (w *responseWriter) finish() {
	switch w.state {
	case stateUndecided:
		if w.status == 0 && w.buffered() == 0 {
			// Nothing was written: net/http sends its implicit 200 itself,
			// unless a framework writes its response late.
			w.releaseBuffer()
			w.state = stateLate
			return
		}
		if w.status == 0 {
			w.status = http.StatusOK
		}
		_ = w.decide(decideAtEnd)
	case stateHijacked:
		w.releaseEncoder()
	}
	if w.stream != nil {
		_ = w.stream.close() // an error means the client went away
		w.stream = nil
	}
	if w.state == stateEncoding && w.enc != nil {
		// An error here means the client went away; the encoder is still
		// consistent (its last call returned) and Reset on reuse clears it.
		_ = w.enc.Close()
		w.releaseEncoder()
	}
	w.releaseBuffer()
	w.endStatefulStream()
	if w.state == stateIdentity {
		// A later writer (a framework's error handler) may append to an
		// identity response, as without the middleware.
		w.state = stateLate
		return
	}
	w.state = stateDone
}

// abandon ends the response after a handler panic: nothing more is
// written, and the encoder is left to the garbage collector.
func (w *responseWriter) abandon() {
	if w.state == stateUndecided {
		// Nothing reached the writer below: a recovering middleware may
		// still send its error page, as it could without streamzip.
		w.releaseBuffer()
		w.endStatefulStream()
		w.state = stateLate
		return
	}
	if w.stream != nil {
		w.stream.abandon()
		w.stream = nil
	}
	if w.dz.releasing != nil {
		w.dz.releasing.abandon()
		w.dz.releasing = nil
	}
	w.dropCapture()
	w.enc = nil
	w.releaseBuffer()
	w.endStatefulStream()
	w.state = stateDone
}

func (w *responseWriter) buffered() int {
	if w.buf == nil {
		return 0
	}
	return len(*w.buf)
}

func (w *responseWriter) releaseBuffer() {
	if w.buf != nil {
		*w.buf = (*w.buf)[:0]
		w.m.bufs.Put(w.buf)
		w.buf = nil
	}
}

func (w *responseWriter) releaseEncoder() {
	if w.stream != nil {
		w.stream.abandon() // the connection is the handler's: no trailer
		w.stream = nil
	}
	if w.enc != nil && !w.releaseDictionaryEncoder() {
		w.m.pools.put(w.cd, w.kind != noBoundary, w.enc)
		w.enc = nil
	}
}
