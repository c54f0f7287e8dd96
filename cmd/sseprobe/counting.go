package main

import (
	"io"
	"sync/atomic"
)

// countingReader counts the bytes read from the response body before any
// decoding: the size on the wire (less HTTP framing). It also numbers the
// reads that returned data, so events decoded from the same read can be
// told apart from events that merely arrived close together.
type countingReader struct {
	r     io.Reader
	n     atomic.Int64
	reads atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.n.Add(int64(n))
		c.reads.Add(1)
	}
	return n, err
}
