// Package decoding opens a reader of a response body by its
// Content-Encoding, with the standard decoders a client would use:
// compress/gzip, compress/zlib, andybalholm/brotli and klauspost's zstd.
// The tests, the e2e and bench modules and sseprobe share it.
package decoding

import (
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// maxZstdWindow is what a client accepts; Chromium stops at 8 MiB, the
// decoder's own limit is 64 MiB.
const maxZstdWindow = 64 << 20

// Supported reports whether NewReader can decode contentEncoding.
func Supported(contentEncoding string) bool {
	switch normalize(contentEncoding) {
	case "", "identity", "gzip", "x-gzip", "deflate", "br", "zstd":
		return true
	}
	return false
}

// NewReader returns a reader of the decoded body. gzip and deflate read
// their header at once, so call it from the goroutine that reads the body
// when a stream may not have sent its first bytes yet.
func NewReader(contentEncoding string, body io.Reader) (io.Reader, error) {
	switch normalize(contentEncoding) {
	case "", "identity":
		return body, nil
	case "gzip", "x-gzip":
		return gzip.NewReader(body)
	case "deflate":
		return zlib.NewReader(body)
	case "br":
		return brotli.NewReader(body), nil
	case "zstd":
		// Concurrency 1 decodes synchronously: no goroutine is left behind
		// by a dropped reader, and the decoder does not read ahead past an
		// event that is already decodable.
		d, err := zstd.NewReader(body, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZstdWindow))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}
	return nil, fmt.Errorf("unexpected Content-Encoding %q", contentEncoding)
}

func normalize(contentEncoding string) string {
	return strings.ToLower(strings.TrimSpace(contentEncoding))
}
