package streamzip

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// decidePhase is the moment a decision is attempted; each knows more.
type decidePhase uint8

const (
	decideOnHeaders decidePhase = iota // WriteHeader: headers only
	decideOnBody                       // the decision buffer is full
	decideOnFlush                      // the handler flushed: decide now, size unknown
	decideAtEnd                        // the handler returned: the whole body is buffered
)

// sniffLen is how much body net/http's content sniffing looks at; a
// response without Content-Type is buffered at least this far before the
// decision so the sniffed type is the one net/http would pick.
const sniffLen = 512

// verdict is the outcome of the rules.
type verdict uint8

const (
	undecided    verdict = iota
	identity             // send as is, whatever the client accepts
	identityVary         // send as is, but another client could get it encoded
	encode               // encode with the negotiated coding
)

// decide applies the rules for phase and, once they give a verdict,
// commits the response to it: headers are edited, the status is sent and
// the buffered bytes are written.
func (w *responseWriter) decide(phase decidePhase) error {
	v, cd := w.rules(phase)
	switch v {
	case undecided:
		return nil
	case encode:
		return w.startEncoding(cd)
	default:
		return w.startIdentity(v == identityVary)
	}
}

// rules is the decision, one named reason per skip as in tower-http's
// compression predicate. It returns the verdict and, for encode, the coding.
func (w *responseWriter) rules(phase decidePhase) (verdict, coding) {
	h := w.rw.Header()
	if w.status == http.StatusNotModified {
		return w.notModifiedRules(h), 0
	}
	if !compressibleStatus(w.status) {
		return identity, 0 // 1xx/204 have no body; 206 ranges address the identity body
	}
	if hasContentEncoding(h) {
		return identity, 0 // the handler encoded the body itself
	}
	// The stream kind comes from the declared type (a sniffed one is never
	// a stream), and is set before no-transform: a stream is still flushed
	// per event (and gets X-Accel-Buffering) when no-transform keeps it
	// uncompressed, "no-cache, no-transform" being the classic SSE
	// workaround header.
	ct, typed := h["Content-Type"]
	var mt string
	if len(ct) > 0 {
		mt = mediaType(ct[0])
		w.kind = streamKind(mt)
	}
	if hasNoTransform(h) {
		return identity, 0 // RFC 9111: no-transform forbids changing the coding
	}
	body := w.body()
	if len(ct) == 0 {
		if typed {
			return identity, 0 // Content-Type set to nil: the handler turned sniffing off
		}
		if phase == decideOnHeaders {
			return undecided, 0 // sniff from the body, as net/http will
		}
		w.sniffed = http.DetectContentType(body)
		mt = mediaType(w.sniffed)
	}
	if w.kind != noBoundary {
		if w.m.cfg.streamMode == BypassEventStreams {
			return identity, 0
		}
		streamCoding := w.streamCoding() // within the stream budgets: stream_budget.go
		if streamCoding == codingIdentity || w.head {
			return identityVary, 0
		}
		return encode, streamCoding // streams have no size: min size does not apply
	}
	if w.m.excludedType(mt) {
		return identity, 0
	}
	// From here the coding depends only on what the client accepts.
	// Negotiating only here keeps it off the pass-through paths above.
	cd := w.clientCoding()
	if cd == codingIdentity || w.head {
		return identityVary, 0
	}
	minSize := w.m.cfg.minSize
	if n, ok := contentLength(h); ok {
		if n < int64(minSize) {
			return identityVary, 0
		}
		return encode, cd
	}
	switch phase {
	case decideOnHeaders:
		return undecided, 0 // wait for min size bytes, a flush or the end
	case decideAtEnd:
		if len(body) == 0 || len(body) < minSize {
			return identityVary, 0 // the whole body is smaller than min size
		}
	}
	// The buffer reached its limit (min size, and sniffLen when the type
	// had to be sniffed), or the handler flushed a stream of unknown length.
	return encode, cd
}

// bufferLimit is how many bytes Write buffers before the decision: min
// size, or sniffLen if the type must be sniffed first. It never exceeds the
// pooled buffer's capacity, max(minSize, sniffLen).
func (w *responseWriter) bufferLimit() int {
	if _, typed := w.rw.Header()["Content-Type"]; typed {
		return w.m.cfg.minSize
	}
	return max(w.m.cfg.minSize, sniffLen)
}

// notModifiedRules: a 304 has no body, but RFC 9110 §15.4.5 wants it to
// carry the Vary and ETag that a 200 to the same request would carry. When
// that 200 could have been encoded for this client, the ETag is weakened as
// it would have been (the 200's size, which could have kept it identity, is
// unknown here; a weak ETag still matches If-None-Match either way).
func (w *responseWriter) notModifiedRules(h http.Header) verdict {
	if hasContentEncoding(h) || hasNoTransform(h) {
		return identity
	}
	if ct := h["Content-Type"]; len(ct) > 0 {
		mt := mediaType(ct[0])
		if streamKind(mt) != noBoundary || w.m.excludedType(mt) {
			return identity
		}
	}
	if w.clientCoding() != codingIdentity && !w.head {
		weakenETag(h)
	}
	return identityVary
}

// compressibleStatus reports whether a response with this status has a body
// that may be encoded.
func compressibleStatus(code int) bool {
	switch {
	case code < 200, code == http.StatusNoContent, code == http.StatusPartialContent,
		code == http.StatusNotModified:
		return false
	}
	return true
}

// excludedType reports whether a media type is never compressed: it is
// compressed by its own format, or not on the WithContentTypes list.
func (m *middleware) excludedType(mt string) bool {
	return alreadyCompressed(mt) || !m.allowedType(mt)
}

func (m *middleware) allowedType(mt string) bool {
	if m.cfg.contentTypes == nil {
		return true
	}
	for _, p := range m.cfg.contentTypes {
		if p.match(mt) {
			return true
		}
	}
	return false
}

func (w *responseWriter) body() []byte {
	if w.buf == nil {
		return w.peek
	}
	return *w.buf
}

func hasContentEncoding(h http.Header) bool {
	for _, v := range h["Content-Encoding"] {
		if strings.TrimSpace(v) != "" {
			return true
		}
	}
	return false
}

// contentLength returns the Content-Length the handler set, if valid.
func contentLength(h http.Header) (int64, bool) {
	v := h["Content-Length"]
	if len(v) != 1 {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v[0]), 10, 64)
	return n, err == nil && n >= 0
}

// startIdentity commits to sending the body as is.
func (w *responseWriter) startIdentity(vary bool) error {
	h := w.rw.Header()
	if vary {
		addVaryAcceptEncoding(h)
	}
	if w.kind != noBoundary {
		setDefault(h, "X-Accel-Buffering", accelBufferingNo)
	}
	w.state = stateIdentity
	w.rw.WriteHeader(w.status)
	return w.writeBuffered()
}

// startEncoding commits to encoding the body with cd.
func (w *responseWriter) startEncoding(cd coding) error {
	h := w.rw.Header()
	h["Content-Encoding"] = contentEncodingValues[cd]
	delete(h, "Content-Length") // the encoded length is not known yet
	delete(h, "Accept-Ranges")  // ranges of the encoded body are not served
	addVaryAcceptEncoding(h)
	weakenETag(h)
	if w.sniffed != "" {
		h["Content-Type"] = []string{w.sniffed}
	}
	if w.kind != noBoundary {
		setDefault(h, "X-Accel-Buffering", accelBufferingNo)
	}
	w.state = stateEncoding
	w.cd = cd
	w.rw.WriteHeader(w.status)
	if w.kind != noBoundary && cd == codingGzip && w.m.flates != nil {
		w.stream = w.m.newReleasingStream(w.rw)
		return w.writeBuffered()
	}
	w.enc = w.m.pools.get(cd, w.kind != noBoundary, w.rw)
	if gz, ok := w.enc.encoder.(*gzip.Writer); ok {
		gz.Comment = w.m.jitterFor(w.body()) // BREACH padding; "" when off
	}
	return w.writeBuffered()
}

// writeBuffered writes the decision buffer through the decided path and
// gives the buffer back.
func (w *responseWriter) writeBuffered() error {
	if w.buf == nil {
		return nil
	}
	var err error
	if len(*w.buf) > 0 {
		_, err = w.writeDecided(*w.buf)
	}
	w.releaseBuffer()
	return err
}

// Shared header values; len == cap, so a later Header().Add copies them
// instead of writing into the shared array.
var (
	varyAcceptEncoding = []string{"Accept-Encoding"}
	accelBufferingNo   = []string{"no"}
)

// addVaryAcceptEncoding merges Accept-Encoding into Vary without
// duplicating it, so caches keep encoded and identity bodies apart.
func addVaryAcceptEncoding(h http.Header) {
	values := h["Vary"]
	if len(values) == 0 {
		h["Vary"] = varyAcceptEncoding
		return
	}
	for _, v := range values {
		for v != "" {
			var field string
			field, v, _ = strings.Cut(v, ",")
			field = strings.TrimSpace(field)
			if field == "*" || strings.EqualFold(field, "Accept-Encoding") {
				return
			}
		}
	}
	merged := make([]string, len(values))
	copy(merged, values)
	merged[len(merged)-1] += ", Accept-Encoding"
	h["Vary"] = merged
}

// weakenETag turns a strong ETag into a weak one: the encoded body is not
// byte-identical to the identity one, but it is semantically equivalent,
// and If-None-Match uses weak comparison, so conditional GETs still get
// their 304 from handlers such as http.ServeContent.
func weakenETag(h http.Header) {
	if et := h["Etag"]; len(et) == 1 && et[0] != "" && !strings.HasPrefix(et[0], "W/") {
		h["Etag"] = []string{"W/" + et[0]}
	}
}

func setDefault(h http.Header, key string, value []string) {
	if _, ok := h[key]; !ok {
		h[key] = value
	}
}

// clientCoding negotiates the coding for an ordinary response once, the
// first time the rules need it.
func (w *responseWriter) clientCoding() coding {
	if !w.negotiated {
		w.coding = negotiate(w.accept, w.m.cfg.codings)
		w.negotiated = true
	}
	return w.coding
}
