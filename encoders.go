package streamzip

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// coding is a content coding the middleware can produce.
type coding uint8

const (
	codingIdentity coding = iota
	codingGzip
	codingBrotli
	codingZstd
	numCodings
)

// codingNames are the Content-Encoding tokens, indexed by coding.
var codingNames = [numCodings]string{"identity", "gzip", "br", "zstd"}

// encodingByName maps a name WithEncodings accepts ("zstd", "br", "gzip",
// in any case) to its coding: the codings streamzip produces, and no alias.
func encodingByName(name string) (coding, bool) {
	cd, ok := codingByName(name)
	return cd, ok && cd != codingIdentity && !strings.EqualFold(name, "x-gzip")
}

// codingByName maps a content-coding token, in any case, to its coding.
func codingByName(name string) (coding, bool) {
	if strings.EqualFold(name, "x-gzip") {
		return codingGzip, true // the legacy alias RFC 9110 keeps
	}
	for cd, n := range codingNames {
		if strings.EqualFold(name, n) {
			return coding(cd), true
		}
	}
	return 0, false
}

// encoder is what gzip.Writer, brotli.Writer and zstd.Encoder have in common.
type encoder interface {
	io.Writer
	Flush() error
	Close() error
	Reset(dst io.Writer)
}

// Encoder windows. Measured with klauspost/compress v1.20.4 and
// andybalholm/brotli v1.3.0 (heap held by one encoder after a few flushed
// events; ratio on 2,000 LLM-token events flushed one by one, and on 256 KiB
// and 2 MiB JSON bodies):
//
//   - brotli quality 4: window 2^22 holds 8.8 MiB, 2^18 1.1 MiB, 2^16 735 KiB.
//     JSON bodies compress the same at 2^18 and 2^22 (5.22 and 5.25 at
//     quality 4); event streams keep 99% of the ratio at 2^16.
//   - zstd: Chromium refuses windows above 8 MiB. Responses use 1 MiB at
//     every level (WithZstdLevel): on bodies over 128 KiB it sends fewer
//     bytes than gzhttp's 128 KiB (bench/RESULTS.md, codec frontier).
//     Streams use 32 KiB at the fastest level with the low memory option:
//     498 KiB instead of 3.8 MiB, for 93% of the 1 MiB default-level ratio
//     on events.
const (
	brotliResponseWindowBits = 18 // 256 KiB; 22 from quality 10, where it pays
	brotliStreamWindowBits   = 16 // 64 KiB
	zstdResponseWindow       = 1 << 20
	zstdStreamWindow         = 32 << 10
)

// pooledEncoder is an encoder together with the indirection it writes
// through. Pointing the sink at nil when the encoder goes back to the pool
// drops the finished response (and its connection) without a second,
// costly Reset.
type pooledEncoder struct {
	encoder
	out sink
}

// sink forwards writes to the current response.
type sink struct{ w io.Writer }

// Write forwards to the response the encoder currently serves.
func (s *sink) Write(p []byte) (int, error) { return s.w.Write(p) }

// WriteString lets a gzip header comment (the BREACH padding) reach the
// response without a []byte copy.
func (s *sink) WriteString(str string) (int, error) { return io.WriteString(s.w, str) }

// encoderPools holds, per coding, one pool of *pooledEncoder for ordinary
// responses and one for event streams, which hold their encoder for the
// stream's life and so get smaller windows. Built once by New for its levels.
type encoderPools struct {
	pools       [numCodings]sync.Pool
	streamPools [numCodings]sync.Pool
}

func newEncoderPools(c *config) (*encoderPools, error) {
	p := &encoderPools{}
	gzipLevel, brotliLevel := c.gzipLevel, c.brotliLevel
	// Build one encoder of each kind now, so that a bad level is an error
	// from New instead of a failure at request time.
	if _, err := gzip.NewWriterLevel(nil, gzipLevel); err != nil {
		return nil, fmt.Errorf("streamzip: gzip level %d: %w", gzipLevel, err)
	}
	newGzip := func() any {
		w, _ := gzip.NewWriterLevel(nil, gzipLevel) // level checked above
		return &pooledEncoder{encoder: w}
	}
	p.pools[codingGzip].New = newGzip
	p.streamPools[codingGzip].New = newGzip

	responseBits := brotliResponseWindowBits
	if brotliLevel >= 10 {
		responseBits = 22
	}
	p.pools[codingBrotli].New = func() any {
		return &pooledEncoder{encoder: brotli.NewWriterOptions(nil, brotli.WriterOptions{Quality: brotliLevel, LGWin: responseBits})}
	}
	p.streamPools[codingBrotli].New = func() any {
		return &pooledEncoder{encoder: brotli.NewWriterOptions(nil, brotli.WriterOptions{Quality: brotliLevel, LGWin: brotliStreamWindowBits})}
	}

	newZstd := func(opts ...zstd.EOption) (func() any, error) {
		opts = append([]zstd.EOption{zstd.WithEncoderConcurrency(1), zstd.WithZeroFrames(true)}, opts...)
		if _, err := zstd.NewWriter(nil, opts...); err != nil {
			return nil, fmt.Errorf("streamzip: zstd: %w", err)
		}
		return func() any {
			w, _ := zstd.NewWriter(nil, opts...) // options checked above
			return &pooledEncoder{encoder: w}
		}, nil
	}
	var err error
	// Responses keep zstd's optional content checksum (RFC 8878 §3.1.1),
	// as gzip keeps its CRC-32: 4 bytes and an xxhash pass buy a decoder
	// that reports a corrupted body instead of returning wrong bytes.
	if p.pools[codingZstd].New, err = newZstd(zstd.WithWindowSize(zstdResponseWindow),
		zstd.WithEncoderLevel(zstd.EncoderLevel(c.zstdLevel))); err != nil {
		return nil, err
	}
	if p.streamPools[codingZstd].New, err = newZstd(zstd.WithWindowSize(zstdStreamWindow), zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithLowerEncoderMem(true)); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *encoderPools) pool(cd coding, stream bool) *sync.Pool {
	if stream {
		return &p.streamPools[cd]
	}
	return &p.pools[cd]
}

// get returns a reset encoder of coding cd writing to dst, from the stream
// pool if stream.
func (p *encoderPools) get(cd coding, stream bool, dst io.Writer) *pooledEncoder {
	e := p.pool(cd, stream).Get().(*pooledEncoder)
	e.out.w = dst
	e.Reset(&e.out)
	return e
}

// put gives back an encoder whose stream was closed. Callers never put one
// whose last operation did not complete: after a handler panic it is dropped.
func (p *encoderPools) put(cd coding, stream bool, e *pooledEncoder) {
	e.out.w = nil
	p.pool(cd, stream).Put(e)
}
