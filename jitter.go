package streamzip

import (
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
)

// MaxJitter bounds WithRandomJitter. The padding is a gzip header comment,
// and Go's gzip readers (compress/gzip, so net/http's transparent
// decompression, and klauspost/compress) reject a comment of 512 bytes or
// more with "invalid header": 511 is the most every client decodes.
const MaxJitter = 511

// DefaultJitterWindow is how many body bytes the BREACH padding hashes by
// default, gzhttp's default jitter buffer: a whole server-rendered page in
// most applications.
const DefaultJitterWindow = 64 << 10

// WithJitterWindow sets how many of a response's first body bytes the
// WithRandomJitter padding is a function of (default DefaultJitterWindow),
// like the buffer size of gzhttp's RandomJitter. The middleware buffers that
// much before it commits a padded response. Make it cover the part of your
// pages that holds the secret and the reflected input. Valid range: 1 to
// MaxMinSize; it matters only with WithRandomJitter.
func WithJitterWindow(bytes int) Option {
	return optionFunc(func(c *config) error {
		if bytes < 1 || bytes > MaxMinSize {
			return fmt.Errorf("streamzip: jitter window %d out of range [1, %d]", bytes, MaxMinSize)
		}
		c.jitterWindow = bytes
		return nil
	})
}

// WithRandomJitter pads every gzip response with 1 to maxBytes bytes, as
// a mitigation of BREACH-style attacks (like gzhttp's RandomJitter). Use
// it on routes whose compressed body holds both a secret (a CSRF token, a
// session-bound value) and input an attacker can reflect into it: the
// attacker then learns the secret from compressed lengths, and the padding
// hides the one-byte differences that leak it. Off by default.
//
// The padding travels in the gzip header's comment field, which every
// decoder skips. Its length is a keyed hash of the body's first bytes, up to
// the hash window (WithJitterWindow, default DefaultJitterWindow): the same
// content always gets the same padding, whatever Content-Length the handler
// set and however it split its writes, so repeating a request and averaging
// its length does not remove it. The middleware buffers up to the window
// before it sends the header, so a page written in small pieces is hashed
// whole when it fits in the window; a stream flushed earlier is hashed on
// what it had written by then. Brotli and zstd have no such field here, so
// with jitter on only gzip is negotiated; New fails if gzip is not among
// the encodings. Cost: maxBytes/2 bytes per response on average, a hash of
// at most the window, and a decision buffer of the window's size.
func WithRandomJitter(maxBytes int) Option {
	return optionFunc(func(c *config) error {
		if maxBytes < 0 || maxBytes > MaxJitter {
			return fmt.Errorf("streamzip: jitter %d out of range [0, %d]", maxBytes, MaxJitter)
		}
		c.jitter = maxBytes
		return nil
	})
}

// jitterPadding is sliced for the gzip comment, so padding allocates nothing.
var jitterPadding = strings.Repeat(" ", MaxJitter)

// applyJitterPolicy keeps only gzip when jitter is on.
func applyJitterPolicy(c *config) error {
	if c.jitter == 0 {
		return nil
	}
	for _, cd := range c.codings {
		if cd == codingGzip {
			c.codings = []coding{codingGzip}
			return nil
		}
	}
	return errors.New("streamzip: WithRandomJitter pads gzip only, and gzip is not among the encodings")
}

// jitterWindow is how many body bytes the padding hashes, 0 when off.
func (m *middleware) jitterWindow() int {
	if m.cfg.jitter == 0 {
		return 0
	}
	return m.cfg.jitterWindow
}

// jitterFor returns the padding for a response whose first bytes are body:
// a function of the first jitterWindow bytes only, so the way the handler
// split its writes does not change it.
func (m *middleware) jitterFor(body []byte) string {
	if m.cfg.jitter == 0 {
		return ""
	}
	h := maphash.Bytes(m.jitterSeed, body[:min(len(body), m.cfg.jitterWindow)])
	return jitterPadding[:1+int(h%uint64(m.cfg.jitter))]
}
