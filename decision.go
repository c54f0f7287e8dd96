package streamzip

import (
	"mime"
	"net/http"
	"path"
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
	if v == undecided {
		return nil
	}
	w.lateDecision = phase != decideOnHeaders
	if w.m.dicts != nil {
		w.dictionaryDecision(v) // dcz.go: Vary, dcz, assets to keep
	}
	switch v {
	case encode:
		if w.dz.dict != nil {
			return w.startDictionaryEncoding()
		}
		return w.startEncoding(cd)
	default:
		return w.startIdentity(v == identityVary)
	}
}

// rules is the decision, one named reason per skip as in tower-http's
// compression predicate. It returns the verdict and, for encode, the coding.
// HEAD runs the same rules as GET, so it carries the headers GET would
// (RFC 9110 §9.3.2); startEncoding then sends no body.
func (w *responseWriter) rules(phase decidePhase) (verdict, coding) {
	h := w.rw.Header()
	// The stream kind comes from the declared type (a sniffed one is never
	// a stream), and is set before the skip rules: a stream is still
	// flushed per event (and gets X-Accel-Buffering) when no-transform or
	// Content-Encoding: identity keeps it as it is, "no-cache,
	// no-transform" being the classic SSE workaround header.
	ct, typed := h["Content-Type"]
	var mt string
	if len(ct) > 0 {
		mt = mediaType(ct[0])
		w.kind = streamKind(mt)
	}
	if ce := h["Content-Encoding"]; hasContentEncoding(h) {
		if len(ce) != 1 || !strings.EqualFold(strings.TrimSpace(ce[0]), "identity") {
			w.kind = noBoundary // the handler's own coding: its bytes are not event text
		}
		return identity, 0 // the handler encoded the body itself
	}
	if hasNoTransform(h) {
		return identity, 0 // RFC 9111: no-transform forbids changing the coding
	}
	switch {
	case w.status == http.StatusNotModified, w.status == http.StatusPartialContent:
		// No encoded body, but the headers of the 200 they stand for
		// (RFC 9110 §15.4.5, §15.3.7).
		return w.bodylessRules(h, mt), 0
	case !compressibleStatus(w.status):
		return identity, 0 // 1xx and 204 have no body, and nothing varies
	}
	body := w.body()
	if len(ct) == 0 {
		if typed {
			return identity, 0 // Content-Type set to nil: the handler turned sniffing off
		}
		switch {
		case phase == decideOnHeaders:
			return undecided, 0 // sniff from the body, as net/http will
		case len(body) > 0:
			w.sniffed = http.DetectContentType(body)
			mt = mediaType(w.sniffed)
		}
		// A flush before any body: net/http sends no Content-Type then,
		// and neither does streamzip (an empty body sniffs as text/plain,
		// which would show an early-flushed page as source).
	}
	if w.kind != noBoundary {
		if w.m.cfg.streamMode == BypassEventStreams {
			return identity, 0
		}
		streamCoding := w.streamCoding() // within the stream budgets: stream_budget.go
		if n, ok := contentLength(h); streamCoding == codingIdentity || (ok && n == 0) {
			return identityVary, 0 // not accepted, or nothing to compress
		}
		return encode, streamCoding // streams have no size: min size does not apply
	}
	if w.m.excludedType(mt) {
		return identity, 0
	}
	// From here the coding depends only on what the client accepts.
	// Negotiating only here keeps it off the pass-through paths above.
	cd := w.clientCoding()
	if cd == codingIdentity {
		return identityVary, 0
	}
	if n, ok := contentLength(h); ok {
		switch {
		case n == 0 || n < int64(w.m.cfg.minSize):
			return identityVary, 0 // nothing, or too little, to compress
		case phase == decideOnHeaders && w.m.cfg.jitter > 0 && !w.head:
			return undecided, 0 // the padding hashes the body: buffer its window first
		}
		return encode, cd
	}
	switch phase {
	case decideOnHeaders:
		return undecided, 0 // wait for min size bytes, a flush or the end
	case decideAtEnd:
		if len(body) == 0 || len(body) < w.m.cfg.minSize {
			return identityVary, 0 // the whole body is smaller than min size
		}
	}
	// The buffer reached its limit (min size, and sniffLen when the type
	// had to be sniffed), or the handler flushed a stream of unknown length.
	return encode, cd
}

// bufferLimit is how many bytes Write buffers before the decision: min
// size, or sniffLen if the type must be sniffed first, or the BREACH
// padding's hash window when it is larger. It never exceeds the capacity
// New gives the pooled decision buffers: the largest of the three.
func (w *responseWriter) bufferLimit() int {
	limit := max(w.m.cfg.minSize, w.m.jitterWindow())
	if _, typed := w.rw.Header()["Content-Type"]; !typed {
		limit = max(limit, sniffLen)
	}
	return limit
}

// bodylessRules is the rule for 304 and 206 responses: they carry no
// encoded body, but they must carry the Vary and ETag that the 200 for the
// same request carries (RFC 9110 §15.4.5 and §15.3.7), so a cache keeps them
// with the right representation.
//
// Their type is the handler's Content-Type or, when it dropped it (as
// http.ServeContent does on a 304), the one its file name extension gives,
// as ServeContent gives it to the 200. A type that is never compressed gets
// neither Vary nor a changed ETag, as its 200 does. Any other gets Vary.
// The ETag of a 304 is weak exactly when the 200 it validates was encoded:
// the client's If-None-Match says which one it holds (W/"x" was encoded,
// "x" was not); when it does not say, the 200 this client would get now
// decides. A 206 keeps its ETag: its ranges address the identity body.
func (w *responseWriter) bodylessRules(h http.Header, mt string) verdict {
	if mt == "" || strings.EqualFold(mt, "multipart/byteranges") {
		// No type, or the envelope of a multi-range 206: the
		// representation's type is the one its name gives.
		mt = mediaType(mime.TypeByExtension(path.Ext(w.req.URL.Path)))
	}
	if mt != "" && (w.m.excludedType(mt) || (streamKind(mt) != noBoundary && w.m.cfg.streamMode == BypassEventStreams)) {
		return identity
	}
	if w.status == http.StatusNotModified && w.validatesEncoded(h) {
		weakenETag(h)
	}
	return identityVary
}

// validatesEncoded reports whether a 304's strong ETag stands for an encoded
// 200, which carried it weakened.
func (w *responseWriter) validatesEncoded(h http.Header) bool {
	et := h["Etag"]
	if len(et) != 1 || et[0] == "" || strings.HasPrefix(et[0], "W/") {
		return false
	}
	weak, strong := false, false
	for _, line := range w.req.Header["If-None-Match"] {
		for line != "" {
			var tag string
			tag, line, _ = strings.Cut(line, ",")
			tag = strings.TrimSpace(tag)
			if after, ok := strings.CutPrefix(tag, "W/"); ok {
				weak = weak || after == et[0]
			} else {
				strong = strong || tag == et[0]
			}
		}
	}
	if weak != strong {
		return weak
	}
	return w.clientCoding() != codingIdentity // held both, or neither: as the 200 would be now
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
// compressed by its own format, on the WithExceptContentTypes list, or not
// on the WithContentTypes list.
func (m *middleware) excludedType(mt string) bool {
	return alreadyCompressed(mt) || matchesAny(m.cfg.exceptTypes, mt) ||
		(m.cfg.contentTypes != nil && !matchesAny(m.cfg.contentTypes, mt))
}

func matchesAny(patterns []contentTypePattern, mt string) bool {
	for _, p := range patterns {
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
		w.addVaryAcceptEncoding(h)
	}
	w.markStream(h)
	w.state = stateIdentity
	w.writeHeader()
	return w.writeBuffered()
}

// startEncoding commits to encoding the body with cd. A HEAD response gets
// the headers and no body: net/http drops a HEAD body anyway, and writing
// the identity bytes would let it compute an identity Content-Length.
func (w *responseWriter) startEncoding(cd coding) error {
	h := w.rw.Header()
	h["Content-Encoding"] = w.values.set(slotContentEncoding, codingNames[cd])
	delete(h, "Content-Length") // the encoded length is not known yet
	delete(h, "Accept-Ranges")  // ranges of the encoded body are not served
	w.addVaryAcceptEncoding(h)
	weakenETag(h)
	if w.sniffed != "" {
		h["Content-Type"] = []string{w.sniffed}
	}
	w.markStream(h)
	w.state = stateEncoding
	w.cd = cd
	if w.head {
		w.writeHeader()
		w.releaseBuffer()
		return nil
	}
	if w.kind != noBoundary && cd == codingGzip && w.m.flates != nil {
		w.writeHeader()
		w.stream = w.m.newReleasingStream(w.rw)
		return w.writeBuffered()
	}
	// The padding is computed before the header goes out: it hashes the
	// body, and the handler's trailer values must not be in the map then.
	padding := w.m.jitterFor(w.body())
	w.writeHeader()
	w.enc = w.m.pools.get(cd, w.kind != noBoundary, w.rw)
	if gz, ok := w.enc.encoder.(*gzip.Writer); ok {
		gz.Comment = padding // BREACH padding; "" when off
	}
	return w.writeBuffered()
}

// markStream sets the headers that tell proxies to pass a stream on as it
// comes, unless the handler set them: X-Accel-Buffering for nginx, and
// Incremental (RFC 10036) for any intermediary that knows it.
func (w *responseWriter) markStream(h http.Header) {
	if w.kind != noBoundary {
		setDefault(h, "X-Accel-Buffering", w.values.set(slotAccelBuffering, "no"))
		setDefault(h, "Incremental", w.values.set(slotIncremental, "?1"))
	}
}

// writeHeader sends the status the handler gave, now that the decision is
// made. When the decision came after the handler returned (a body under
// min size), the handler may already have set the values of the trailers it
// declared; they are hidden from the header snapshot net/http takes here and
// put back, so they go out as trailers only, as without the middleware.
func (w *responseWriter) writeHeader() {
	h := w.rw.Header()
	declared := h["Trailer"]
	if len(declared) == 0 || !w.lateDecision {
		w.rw.WriteHeader(w.status)
	} else {
		w.writeHeaderWithoutTrailers(h, declared)
	}
}

// writeHeaderWithoutTrailers is writeHeader for a response that declared
// trailers.
func (w *responseWriter) writeHeaderWithoutTrailers(h http.Header, declared []string) {
	var saved []trailerValue
	for _, line := range declared {
		for line != "" {
			var name string
			name, line, _ = strings.Cut(line, ",")
			key := http.CanonicalHeaderKey(strings.TrimSpace(name))
			if v, ok := h[key]; ok {
				saved = append(saved, trailerValue{key, v})
				delete(h, key)
			}
		}
	}
	w.rw.WriteHeader(w.status)
	for _, t := range saved {
		h[t.key] = t.values
	}
}

// trailerValue is a declared trailer's values, set aside while the header
// block is written.
type trailerValue struct {
	key    string
	values []string
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

// addVaryAcceptEncoding merges Accept-Encoding into Vary without
// duplicating it, so caches keep encoded and identity bodies apart.
func (w *responseWriter) addVaryAcceptEncoding(h http.Header) { w.addVary(h, "Accept-Encoding") }

// addVary merges field into Vary without duplicating it: nothing to do if
// Vary names it or "*". It appends to the last line that names something;
// a Vary of blank lines (Vary: "") names nothing and is replaced, by a
// value that lives in the response's own slot (headervalues.go).
func (w *responseWriter) addVary(h http.Header, field string) {
	values := h["Vary"]
	for _, v := range values {
		for v != "" {
			var f string
			f, v, _ = strings.Cut(v, ",")
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, field) {
				return
			}
		}
	}
	last := len(values) - 1
	for last >= 0 && strings.Trim(values[last], " \t,") == "" {
		last--
	}
	if last < 0 {
		h["Vary"] = w.values.set(slotVary, field)
		return
	}
	merged := make([]string, last+1)
	copy(merged, values)
	merged[last] = strings.TrimRight(merged[last], " \t,") + ", " + field
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
