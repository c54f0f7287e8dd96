package streamzip

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"strings"
)

// MaxJitter bounds WithRandomJitter.
const MaxJitter = 4096

// WithRandomJitter pads every gzip response with 1 to maxBytes bytes, as
// a mitigation of BREACH-style attacks (like gzhttp's RandomJitter). Use
// it on routes whose compressed body holds both a secret (a CSRF token, a
// session-bound value) and input an attacker can reflect into it: the
// attacker then learns the secret from compressed lengths, and the padding
// hides the one-byte differences that leak it. Off by default.
//
// The padding travels in the gzip header's comment field, which every
// decoder skips. Its length comes from a keyed hash of the body known when
// the response is committed (a random value for streams flushed before any
// body): the same content always gets the same padding, so repeating a
// request and averaging its length does not remove it. The header goes out
// before the body, so that is the whole first Write when it reaches min
// size, or else the first max(min size, 512) bytes: a body written in small
// pieces (html/template) whose secret and reflected input sit further in is
// not covered. On such routes raise WithMinSize above the page size (up to
// MaxMinSize) so the whole body is hashed. Brotli and zstd have no such field here, so
// with jitter on only gzip is negotiated; New fails if gzip is not among
// the encodings. Cost: maxBytes/2 bytes per response on average, and a hash
// of at most the decision buffer.
func WithRandomJitter(maxBytes int) Option {
	return func(c *config) error {
		if maxBytes < 0 || maxBytes > MaxJitter {
			return fmt.Errorf("streamzip: jitter %d out of range [0, %d]", maxBytes, MaxJitter)
		}
		c.jitter = maxBytes
		return nil
	}
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

// jitterFor returns the padding for a response whose first bytes are body.
func (m *middleware) jitterFor(body []byte) string {
	if m.cfg.jitter == 0 {
		return ""
	}
	var h uint64
	if len(body) > 0 {
		h = maphash.Bytes(m.jitterSeed, body)
	} else {
		h = rand.Uint64()
	}
	return jitterPadding[:1+int(h%uint64(m.cfg.jitter))]
}
