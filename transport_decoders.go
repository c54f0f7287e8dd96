package streamzip

import (
	"bufio"
	"io"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// clientCoding is a content coding the Transport decodes.
type clientCoding uint8

const (
	clientGzip clientCoding = iota
	clientBrotli
	clientZstd
	numClientCodings
)

// maxClientZstdWindow is the largest zstd window the Transport accepts:
// RFC 9659 §3 caps what an encoder may use for the zstd content coding at
// 8 MiB, browsers refuse more, and it bounds a stream's memory.
const maxClientZstdWindow = 8 << 20

// streamDecoder decodes one response body. None reads ahead of what it
// can decode: each returns the bytes it has decoded without waiting for
// more input, so a flushed event is readable on arrival.
type streamDecoder interface {
	io.Reader
	// reset binds the decoder to a body; gzip reads its header here.
	reset(body io.Reader) error
	// unbind drops the reference to the body before the decoder is pooled.
	unbind()
}

// decoderPools hold idle decoders per coding. A decoder keeps its window
// (32 KiB for gzip, up to the stream's window for br and zstd) between
// uses, so a pooled one costs a Reset instead of those allocations. None
// owns a goroutine, so the pool may drop them freely.
var decoderPools = [numClientCodings]sync.Pool{
	clientGzip:   {New: func() any { return new(gzipDecoder) }},
	clientBrotli: {New: func() any { return &brotliDecoder{r: brotli.NewReader(nil)} }},
	clientZstd:   {New: func() any { return newZstdDecoder() }},
}

func getStreamDecoder(c clientCoding) streamDecoder {
	return decoderPools[c].Get().(streamDecoder)
}

func putStreamDecoder(c clientCoding, d streamDecoder) {
	d.unbind()
	decoderPools[c].Put(d)
}

// gzipDecoder reads gzip members (several in a row are one body, as RFC
// 1952 allows). The inflater reads through in, a bufio.Reader: as an
// io.ByteReader it lets the inflater take exactly the bits it decodes and
// no more, and filling it never blocks once a byte is there (one Read of
// the body per fill). The inflater returns what it has decoded at every
// sync flush marker, which is what a flushing gzip writer emits.
//
// gzip.Reader's own multistream mode reads the next member's header
// before it returns the end of the previous member, which would hold an
// event back until the next one arrives on a stream that sends a member
// per event; members are chained here instead, the next header read only
// when the caller asks for more.
type gzipDecoder struct {
	in         bufio.Reader
	zr         gzip.Reader
	memberDone bool // the last member ended; another may follow
}

func (d *gzipDecoder) reset(body io.Reader) error {
	d.in.Reset(body)
	d.memberDone = false
	return d.nextMember()
}

// nextMember reads a member's header: io.EOF when the body ended cleanly
// instead.
func (d *gzipDecoder) nextMember() error {
	if err := d.zr.Reset(&d.in); err != nil {
		return err
	}
	d.zr.Multistream(false)
	return nil
}

func (d *gzipDecoder) Read(p []byte) (int, error) {
	for {
		if d.memberDone {
			if err := d.nextMember(); err != nil {
				return 0, err
			}
			d.memberDone = false
		}
		n, err := d.zr.Read(p)
		if err != io.EOF {
			return n, err
		}
		// The member ended and its CRC and length matched.
		d.memberDone = true
		if n > 0 {
			return n, nil
		}
	}
}

func (d *gzipDecoder) unbind() { d.in.Reset(nil) }

// brotliDecoder reads a brotli stream. brotli.Reader has its own input
// buffer, reads the body only when it has nothing to return, and returns
// what it has decoded before reading again.
type brotliDecoder struct {
	r *brotli.Reader
}

func (d *brotliDecoder) reset(body io.Reader) error { return d.r.Reset(body) }

func (d *brotliDecoder) Read(p []byte) (int, error) { return d.r.Read(p) }

func (d *brotliDecoder) unbind() { _ = d.r.Reset(nil) }

// zstdDecoder reads zstd frames. With concurrency 1 klauspost's decoder
// runs synchronously in Read — no goroutine, nothing decoded ahead — and
// Read returns a block as soon as it is decoded: it reads the body again
// only when it has returned nothing yet. Blocks are read whole, exactly
// their size, through in.
type zstdDecoder struct {
	in bufio.Reader
	zr *zstd.Decoder
}

func newZstdDecoder() *zstdDecoder {
	zr, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxWindow(maxClientZstdWindow))
	if err != nil {
		// Only invalid options fail, and these are constants.
		panic("streamzip: zstd decoder options: " + err.Error())
	}
	return &zstdDecoder{zr: zr}
}

func (d *zstdDecoder) reset(body io.Reader) error {
	d.in.Reset(body)
	return d.zr.Reset(&d.in)
}

func (d *zstdDecoder) Read(p []byte) (int, error) { return d.zr.Read(p) }

func (d *zstdDecoder) unbind() {
	_ = d.zr.Reset(nil)
	d.in.Reset(nil)
}
