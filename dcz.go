package streamzip

import (
	"crypto/sha256"
	"net/http"
	"strings"
)

// dictionaryResponse is one response's dictionary work: the dictionary it
// is compressed against (dcz), and the body kept to become a dictionary.
type dictionaryResponse struct {
	dict      *Dictionary                // non-nil once the response is encoded against a dictionary
	releasing *releasingDictionaryStream // a dcz event stream (dcz_stream.go)
	capturing bool                       // the body is being kept for the asset store
	captured  *[]byte                    // from dictionaryStore.captures
}

// varyAvailableDictionary is the Vary member RFC 9842 requires on
// every response that could be compressed against a dictionary, so a cache
// never gives a dcz body to a client holding another dictionary, or none.
const varyAvailableDictionary = "Available-Dictionary"

// dictionaryDecision runs once the rules gave verdict v, before the
// response commits to it: a response that could be encoded varies on
// Available-Dictionary too; an encoded one uses dcz when the client holds
// a dictionary the middleware has; a marked asset starts being kept.
func (w *responseWriter) dictionaryDecision(v verdict) {
	s := w.m.dicts
	h := w.rw.Header()
	if v == identity {
		return // the handler encoded it, no-transform, an excluded type…: never dcz
	}
	if len(h["Vary"]) == 0 {
		h["Vary"] = w.values.set(slotVary, "Accept-Encoding, Available-Dictionary") // no allocation
	} else {
		w.addVaryAcceptEncoding(h) // first, so Vary reads "Accept-Encoding, Available-Dictionary"
		w.addVary(h, varyAvailableDictionary)
	}
	if v == encode {
		w.dz.dict = w.clientDictionary(s)
	}
	if s.keepsAssets() && w.req.Method == http.MethodGet && w.status == http.StatusOK && len(h["Use-As-Dictionary"]) > 0 {
		w.dz.capturing = true
	}
}

// clientDictionary returns the dictionary the request says its client
// holds, if the store has it and the client accepts dcz; nil otherwise,
// and the response then gets the ordinary coding. dcz is the only
// dictionary coding: a client offering only dcb gets br, gzip or zstd
// (README, "Compression dictionaries", says why dcb is not shipped). A
// malformed Available-Dictionary is ignored as RFC 9842 asks.
func (w *responseWriter) clientDictionary(s *dictionaryStore) *Dictionary {
	avail := w.req.Header["Available-Dictionary"]
	if len(avail) != 1 || !acceptsCoding(w.accept, dczCoding) {
		return nil
	}
	hash, ok := parseSFBinaryHash(avail[0])
	if !ok {
		return nil
	}
	return s.lookup(hash)
}

// dczCoding is the Content-Encoding token of Zstandard against a
// dictionary (RFC 9842).
const dczCoding = "dcz"

// acceptsCoding reports whether Accept-Encoding lists name with a non-zero
// weight. Dictionary codings are never chosen through "*": a client only
// holds a dictionary if it said so.
func acceptsCoding(acceptEncoding []string, name string) bool {
	for _, line := range acceptEncoding {
		for line != "" {
			var elem string
			elem, line, _ = strings.Cut(line, ",")
			n, q, ok := parseCodingElement(elem)
			if ok && q > 0 && strings.EqualFold(n, name) {
				return true
			}
		}
	}
	return false
}

// startDictionaryEncoding commits to the dictionary coding against
// w.dz.dict: the headers of startEncoding, then the 40-byte dcz header and
// a Zstandard stream compressed against the dictionary.
func (w *responseWriter) startDictionaryEncoding() error {
	h := w.rw.Header()
	h["Content-Encoding"] = w.values.set(slotContentEncoding, dczCoding)
	delete(h, "Content-Length")
	delete(h, "Accept-Ranges")
	w.addVaryAcceptEncoding(h)
	weakenETag(h)
	if w.sniffed != "" {
		h["Content-Type"] = []string{w.sniffed}
	}
	w.markStream(h)
	w.state = stateEncoding
	w.cd = codingZstd
	w.writeHeader()
	if w.head {
		w.releaseBuffer()
		return nil
	}
	d, stream := w.dz.dict, w.kind != noBoundary
	if _, err := w.rw.Write(d.dczMagic[:]); err != nil {
		w.releaseBuffer()
		return err
	}
	if stream {
		// A dcz stream holds no encoder while idle (dcz_stream.go).
		w.dz.releasing = d.newReleasingStream(w.rw, w.m.cfg.releaseAfter, hotBudget{w.m})
		w.enc = &pooledEncoder{encoder: w.dz.releasing}
	} else {
		w.enc = d.encoder(w.rw)
	}
	return w.writeBuffered()
}

// releaseDictionaryEncoder gives a dcz encoder back to its dictionary's
// pool and reports whether it did (false: the encoder is an ordinary one).
func (w *responseWriter) releaseDictionaryEncoder() bool {
	if w.dz.dict == nil || w.enc == nil {
		return false
	}
	if w.dz.releasing != nil {
		w.dz.releasing.release()
	} else {
		w.dz.dict.putEncoder(w.enc)
	}
	w.enc = nil
	return true
}

// captureDictionary keeps p, handler bytes of a response marked as a
// dictionary, until the store's budget is exceeded: a body that large
// would not be kept anyway.
func (w *responseWriter) captureDictionary(p []byte) {
	s := w.m.dicts
	if w.dz.captured == nil {
		w.dz.captured = s.captures.Get().(*[]byte)
	}
	if len(*w.dz.captured)+len(p) > s.maxAssetBytes || !s.reserveCapture(len(p)) {
		w.dropCapture() // too large to keep, or the budget is in flight already
		return
	}
	*w.dz.captured = append(*w.dz.captured, p...)
}

// dropCapture stops capturing this response's body and gives its buffer,
// and the bytes it counted, back.
func (w *responseWriter) dropCapture() {
	w.dz.capturing = false
	if w.dz.captured != nil {
		w.m.dicts.putCapture(w.dz.captured)
		w.dz.captured = nil
	}
}

// keepDictionary hands the body of a marked response to the store once the
// handler returned normally: the client stores the whole body, and so must
// the server, byte for byte. The body is copied only when it is a
// dictionary the store does not hold yet: serving the same version again
// costs a hash, not an allocation.
func (w *responseWriter) keepDictionary() {
	if w.dz.captured != nil {
		s := w.m.dicts
		if w.dz.capturing && s.lookup(sha256.Sum256(*w.dz.captured)) == nil {
			s.keepAsset(append([]byte(nil), *w.dz.captured...))
		}
		s.putCapture(w.dz.captured)
	}
	w.dz = dictionaryResponse{}
}
