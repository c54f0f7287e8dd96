package streamzip

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
)

// MaxDictionarySize bounds one compression dictionary. RFC 9842 caps the
// window a dcz client must accept at 128 MB and sizes it at 1.25 × the
// dictionary, so larger dictionaries could not be referenced from the whole
// of a response of the same size anyway.
const MaxDictionarySize = 100 << 20

// maxDictionaryIDLen is RFC 9842's limit on the id member.
const maxDictionaryIDLen = 1024

// Dictionary is a compression dictionary (RFC 9842): bytes a client stored
// from an earlier response, named by their SHA-256. A client that holds it
// sends that hash in Available-Dictionary, and the middleware then answers
// with the dcz content coding: Zstandard compressed against these bytes.
//
// A Dictionary is immutable and safe for concurrent use; it may be shared
// by several middlewares. Its ServeHTTP serves it to clients.
type Dictionary struct {
	raw      []byte
	hash     [32]byte
	dczMagic [dczHeaderLen]byte // the dcz header: skippable-frame magic and hash
	useAs    []string           // the Use-As-Dictionary value ServeHTTP sends
	etag     []string

	// Encoders primed with this dictionary, for responses and for event
	// streams (whose frames carry no checksum, so that a stream can release
	// while idle: dcz_stream.go), as in encoderPools: priming costs in
	// proportion to the dictionary, so an encoder keeps it while pooled.
	responses, releasable sync.Pool
}

// NewDictionary returns the dictionary raw, to be served by its ServeHTTP at
// a URL the application mounts and used for the requests whose path matches
// match. match is a URL pattern (the URLPattern syntax, e.g.
// "/events/*"), resolved by the client against the dictionary's own URL: it
// must be a path ("/…"), since RFC 9842 only lets a dictionary apply to
// its own origin. id, when not empty, is sent by clients as Dictionary-ID.
func NewDictionary(raw []byte, match, id string) (*Dictionary, error) {
	if len(raw) == 0 || len(raw) > MaxDictionarySize {
		return nil, fmt.Errorf("streamzip: dictionary of %d bytes (want 1 to %d)", len(raw), MaxDictionarySize)
	}
	useAs, err := useAsDictionaryValue(match, id)
	if err != nil {
		return nil, err
	}
	d := newDictionary(bytes.Clone(raw))
	d.useAs = []string{useAs}
	return d, nil
}

// newDictionary wraps raw, which the dictionary owns from now on.
func newDictionary(raw []byte) *Dictionary {
	d := &Dictionary{raw: raw, hash: sha256.Sum256(raw)}
	d.dczMagic = dczHeader(d.hash)
	d.etag = []string{`"sha256-` + hex.EncodeToString(d.hash[:16]) + `"`}
	responseWindow := dczWindow(len(raw), zstdResponseWindow)
	streamWindow := dczWindow(len(raw), zstdStreamWindow)
	d.responses.New = func() any {
		return d.newEncoder(zstd.WithWindowSize(responseWindow), zstd.WithEncoderLevel(zstd.SpeedDefault))
	}
	d.releasable.New = func() any {
		return d.newEncoder(zstd.WithWindowSize(streamWindow), zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithLowerEncoderMem(true), zstd.WithEncoderCRC(false))
	}
	return d
}

// newEncoder builds an encoder primed with the dictionary. The dictionary
// is raw content with ID 0: RFC 9842 dictionaries are raw bytes, and a
// frame naming a dictionary ID would be refused by decoders holding raw
// content.
func (d *Dictionary) newEncoder(opts ...zstd.EOption) *pooledEncoder {
	opts = append([]zstd.EOption{zstd.WithEncoderConcurrency(1), zstd.WithZeroFrames(true), zstd.WithEncoderDictRaw(0, d.raw)}, opts...)
	w, err := zstd.NewWriter(nil, opts...)
	if err != nil {
		// The options are fixed and the window is a power of two in zstd's
		// range for every size NewDictionary accepts: a bug, not input.
		panic("streamzip: dictionary encoder: " + err.Error())
	}
	return &pooledEncoder{encoder: w}
}

// Hash returns the SHA-256 of the dictionary, the value clients send in
// Available-Dictionary.
func (d *Dictionary) Hash() [32]byte { return d.hash }

// Len returns the dictionary's size in bytes.
func (d *Dictionary) Len() int { return len(d.raw) }

// Link returns the value of a Link header field that advertises the
// dictionary served at url, so that a client fetches it while idle:
//
//	w.Header().Add("Link", dict.Link("/dictionaries/events.dict"))
//
// The same is said in HTML with <link rel="compression-dictionary" href=…>.
// url must be on the same origin as the pages that use it.
func (d *Dictionary) Link(url string) string {
	return "<" + url + `>; rel="compression-dictionary"`
}

// ServeHTTP serves the dictionary with Use-As-Dictionary, so that a client
// stores it, and an ETag and a long freshness lifetime, since a client only
// keeps a dictionary as long as it is fresh. The bytes never change for a
// given Dictionary; mount a new one at a new URL to replace it.
func (d *Dictionary) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Use-As-Dictionary"] = d.useAs
	h["Etag"] = d.etag
	h.Set("Cache-Control", "public, max-age=31536000")
	h.Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(d.raw))
}

// useAsDictionaryValue builds the Use-As-Dictionary field value for match
// and id (RFC 9842: an sf-dictionary with sf-string members).
func useAsDictionaryValue(match, id string) (string, error) {
	if !strings.HasPrefix(match, "/") {
		return "", fmt.Errorf("streamzip: dictionary match %q must be a path starting with /: a dictionary applies to its own origin only", match)
	}
	m, ok := formatSFString(match)
	if !ok {
		return "", fmt.Errorf("streamzip: dictionary match %q holds a character a structured field cannot carry", match)
	}
	value := "match=" + m
	if id != "" {
		if len(id) > maxDictionaryIDLen {
			return "", fmt.Errorf("streamzip: dictionary id of %d characters (at most %d)", len(id), maxDictionaryIDLen)
		}
		s, ok := formatSFString(id)
		if !ok {
			return "", errors.New("streamzip: dictionary id holds a character a structured field cannot carry")
		}
		value += ", id=" + s
	}
	return value, nil
}

// SetUseAsDictionary marks the response whose header is h as a dictionary
// for later requests matching match (a path pattern, as in NewDictionary):
// it sets Use-As-Dictionary. With WithAssetDictionaries the middleware
// keeps the body it sends (a versioned bundle, say) and compresses the next
// version against it for clients that stored it.
func SetUseAsDictionary(h http.Header, match string) error {
	v, err := useAsDictionaryValue(match, "")
	if err != nil {
		return err
	}
	h.Set("Use-As-Dictionary", v)
	return nil
}

// The dcz framing (RFC 9842, dcz): a Zstandard skippable frame of 32 bytes
// — magic 0x184D2A5E written little-endian, then the length 32 — holding
// the dictionary's SHA-256, then a Zstandard stream compressed with the
// dictionary as raw content. Decoders that know nothing of dictionaries
// skip the first frame.
const dczHeaderLen = 40

var dczMagic = [8]byte{0x5e, 0x2a, 0x4d, 0x18, 0x20, 0x00, 0x00, 0x00}

func dczHeader(hash [32]byte) (h [dczHeaderLen]byte) {
	copy(h[:8], dczMagic[:])
	copy(h[8:], hash[:])
	return h
}

// dczWindow is the Zstandard window for a dcz response against a
// dictionary of n bytes. RFC 9842 lets the client refuse a window
// above max(8 MB, 1.25 × n), and never requires more than 128 MB; the
// window here is the smallest power of two that reaches back over a
// response as large as the dictionary and the dictionary itself (2n), at
// least base (the window the coding uses without dictionary), and never
// above that limit.
func dczWindow(n, base int) int {
	limit := min(max(8<<20, n+n/4), 128<<20)
	limit = 1 << (bits.Len(uint(limit)) - 1) // a power of two, as zstd wants
	want := 1 << bits.Len(uint(2*n-1))       // ceil pow2 of 2n
	return min(max(want, base), limit)
}

// encoder returns a pooled response encoder primed with d writing to dst.
func (d *Dictionary) encoder(dst io.Writer) *pooledEncoder {
	e := d.responses.Get().(*pooledEncoder)
	e.out.w = dst
	e.Reset(&e.out)
	return e
}

// releasableEncoder returns a pooled checksum-free stream encoder writing
// a new frame to dst.
func (d *Dictionary) releasableEncoder(dst io.Writer) *pooledEncoder {
	e := d.releasable.Get().(*pooledEncoder)
	e.out.w = dst
	e.Reset(&e.out)
	return e
}

// putReleasableEncoder gives back an encoder whose last call completed;
// its frame may be unfinished (Reset starts the next one).
func (d *Dictionary) putReleasableEncoder(e *pooledEncoder) {
	e.out.w = nil
	d.releasable.Put(e)
}

// putEncoder gives back a response encoder whose stream was closed.
func (d *Dictionary) putEncoder(e *pooledEncoder) {
	e.out.w = nil
	d.responses.Put(e)
}
