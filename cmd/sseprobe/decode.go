package main

import (
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// decoder returns a reader of the decoded body for a Content-Encoding. The
// decoders are created lazily by the reading goroutine, since gzip and
// zlib read their header at once and a buffered stream may not have sent
// it yet.
func decoder(encoding string) (func(io.Reader) (io.Reader, error), error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
		return func(r io.Reader) (io.Reader, error) { return r, nil }, nil
	case "gzip", "x-gzip":
		return func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }, nil
	case "deflate":
		return func(r io.Reader) (io.Reader, error) { return zlib.NewReader(r) }, nil
	case "br":
		return func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil }, nil
	case "zstd":
		return func(r io.Reader) (io.Reader, error) {
			// One goroutine: with more, the decoder reads ahead and a
			// block can wait for bytes that belong to the next event.
			d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(64<<20))
			if err != nil {
				return nil, err
			}
			return d.IOReadCloser(), nil
		}, nil
	}
	return nil, fmt.Errorf("cannot decode Content-Encoding %q (sseprobe knows gzip, deflate, br, zstd)", encoding)
}
