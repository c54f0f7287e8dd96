package streamzip

import (
	"fmt"
	"io"
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

// contentEncodingValues are shared header values so that setting
// Content-Encoding allocates nothing. len == cap, so a handler that Adds to
// the header copies instead of writing into the shared array.
var contentEncodingValues = [numCodings][]string{
	{"identity"}, {"gzip"}, {"br"}, {"zstd"},
}

func codingByName(name string) (coding, bool) {
	switch name {
	case "gzip", "x-gzip", "GZIP", "Gzip":
		return codingGzip, true
	case "br", "BR", "Br":
		return codingBrotli, true
	case "zstd", "ZSTD", "Zstd":
		return codingZstd, true
	case "identity", "IDENTITY", "Identity":
		return codingIdentity, true
	}
	// Rare spellings: fold case the slow way.
	for cd, n := range codingNames {
		if equalFoldASCII(name, n) {
			return coding(cd), true
		}
	}
	if equalFoldASCII(name, "x-gzip") {
		return codingGzip, true
	}
	return 0, false
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// encoder is what gzip.Writer, brotli.Writer and zstd.Encoder have in common.
type encoder interface {
	io.Writer
	Flush() error
	Close() error
	Reset(dst io.Writer)
}

// zstdWindow keeps zstd streams decodable by browsers: Chromium refuses
// windows above 8 MiB. 1 MiB keeps the pooled encoder small while losing
// nothing on bodies below that size.
const zstdWindow = 1 << 20

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

func (s *sink) Write(p []byte) (int, error) { return s.w.Write(p) }

// WriteString lets a gzip header comment (the BREACH padding) reach the
// response without a []byte copy.
func (s *sink) WriteString(str string) (int, error) { return io.WriteString(s.w, str) }

// encoderPools holds one pool of *pooledEncoder per coding, built once by New
// for its levels.
type encoderPools struct {
	pools [numCodings]sync.Pool
}

func newEncoderPools(c *config) (*encoderPools, error) {
	p := &encoderPools{}
	gzipLevel, brotliLevel := c.gzipLevel, c.brotliLevel
	// Build one encoder of each kind now, so that a bad level is an error
	// from New instead of a failure at request time.
	if _, err := gzip.NewWriterLevel(nil, gzipLevel); err != nil {
		return nil, fmt.Errorf("streamzip: gzip level %d: %w", gzipLevel, err)
	}
	p.pools[codingGzip].New = func() any {
		w, _ := gzip.NewWriterLevel(nil, gzipLevel) // level checked above
		return &pooledEncoder{encoder: w}
	}
	p.pools[codingBrotli].New = func() any {
		return &pooledEncoder{encoder: brotli.NewWriterLevel(nil, brotliLevel)}
	}
	zstdOpts := []zstd.EOption{
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(zstdWindow),
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithZeroFrames(true),
	}
	if _, err := zstd.NewWriter(nil, zstdOpts...); err != nil {
		return nil, fmt.Errorf("streamzip: zstd: %w", err)
	}
	p.pools[codingZstd].New = func() any {
		w, _ := zstd.NewWriter(nil, zstdOpts...) // options checked above
		return &pooledEncoder{encoder: w}
	}
	return p, nil
}

// get returns a reset encoder of coding cd writing to dst.
func (p *encoderPools) get(cd coding, dst io.Writer) *pooledEncoder {
	e := p.pools[cd].Get().(*pooledEncoder)
	e.out.w = dst
	e.Reset(&e.out)
	return e
}

// put gives back an encoder whose stream was closed. Callers never put one
// whose last operation did not complete: after a handler panic it is dropped.
func (p *encoderPools) put(cd coding, e *pooledEncoder) {
	e.out.w = nil
	p.pools[cd].Put(e)
}
