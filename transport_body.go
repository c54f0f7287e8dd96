package streamzip

import (
	"errors"
	"io"
	"sync"
)

// errReadOnClosedBody is what Read returns after Close, worded as
// http.Transport's own.
var errReadOnClosedBody = errors.New("http: read on closed response body")

// decodingBody is a response body decoded while it is read. The decoder is
// taken from its pool at the first Read, not in RoundTrip: gzip and zstd
// read a header first, and a stream may send its first bytes long after
// its response headers. It goes back to the pool at the end of the stream,
// at the first error, or at Close.
type decodingBody struct {
	body   io.ReadCloser
	coding clientCoding

	// mu serializes Read and Close. Close closes body before taking it,
	// so a Read blocked on the network returns and lets it go.
	mu  sync.Mutex
	dec streamDecoder // nil before the first Read and after release
	err error         // sticky: io.EOF, a decoding error, or closed
}

func newDecodingBody(body io.ReadCloser, c clientCoding) *decodingBody {
	return &decodingBody{body: body, coding: c}
}

// Read implements io.Reader: it returns what the decoder can produce from
// the bytes that have arrived, blocking only when it has nothing yet.
func (b *decodingBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil // never block (brotli would read the body) for nothing
	}
	if b.dec == nil {
		dec := getStreamDecoder(b.coding)
		if err := dec.reset(b.body); err != nil {
			putStreamDecoder(b.coding, dec)
			b.err = err
			return 0, err
		}
		b.dec = dec
	}
	n, err := b.dec.Read(p)
	if err != nil {
		b.err = err
		b.release()
	}
	return n, err
}

// Close implements io.Closer: it closes the underlying body and gives the
// decoder back.
func (b *decodingBody) Close() error {
	err := b.body.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.release()
	b.err = errReadOnClosedBody
	return err
}

// release gives the decoder back to its pool, once. b.mu must be held.
func (b *decodingBody) release() {
	if b.dec != nil {
		putStreamDecoder(b.coding, b.dec)
		b.dec = nil
	}
}
