package main

import (
	"fmt"
	"io"

	"github.com/streamzip/streamzip/internal/decoding"
)

// decoder returns a reader of the decoded body for a Content-Encoding. The
// decoders are created lazily by the reading goroutine, since gzip and
// zlib read their header at once and a buffered stream may not have sent
// it yet.
func decoder(encoding string) (func(io.Reader) (io.Reader, error), error) {
	if !decoding.Supported(encoding) {
		return nil, fmt.Errorf("cannot decode Content-Encoding %q (sseprobe knows gzip, deflate, br, zstd)", encoding)
	}
	return func(r io.Reader) (io.Reader, error) { return decoding.NewReader(encoding, r) }, nil
}
