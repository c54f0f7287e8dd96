package demo

import (
	"net/http"
	"sync"
)

// wireCounter sits below the middleware under test, between it and
// net/http's ResponseWriter, and counts the body bytes the middleware hands
// to the connection. Headers and chunked framing are not counted: they are
// the same for every column.
type wireCounter struct {
	rw http.ResponseWriter

	mu       sync.Mutex
	n        int64
	encoding string // Content-Encoding as it left, once known
	sent     bool   // headers went out
}

func newWireCounter(rw http.ResponseWriter) *wireCounter { return &wireCounter{rw: rw} }

func (c *wireCounter) Header() http.Header { return c.rw.Header() }

func (c *wireCounter) WriteHeader(code int) {
	c.noteHeaders()
	c.rw.WriteHeader(code)
}

func (c *wireCounter) Write(p []byte) (int, error) {
	c.noteHeaders()
	n, err := c.rw.Write(p)
	c.mu.Lock()
	c.n += int64(n)
	c.mu.Unlock()
	return n, err
}

// Flush passes the flush down, so the middleware above sees a flushable
// connection, as it would without the counter.
func (c *wireCounter) Flush() {
	c.noteHeaders()
	if f, ok := c.rw.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (c *wireCounter) Unwrap() http.ResponseWriter { return c.rw }

// noteHeaders records the Content-Encoding the first time anything leaves:
// by then the middleware has made its choice.
func (c *wireCounter) noteHeaders() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sent {
		return
	}
	c.sent = true
	c.encoding = c.rw.Header().Get("Content-Encoding")
	if c.encoding == "" {
		c.encoding = "identity"
	}
}

// total returns the body bytes written so far and the Content-Encoding
// ("" until the headers went out).
func (c *wireCounter) total() (int64, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, c.encoding
}
