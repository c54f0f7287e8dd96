package e2e

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// transport is how a client reaches the test server.
type transport string

const (
	plainHTTP transport = "http"  // HTTP/1.1 on 127.0.0.1
	tlsHTTP2  transport = "https" // HTTP/2 over TLS, self-signed
)

// startServer serves h on a loopback port over tr and returns its base URL.
func startServer(t *testing.T, tr transport, h http.Handler) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	if tr == tlsHTTP2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv.URL
}

// streamCase is one lockstep exchange to run against a client: the setup
// under test, wrapped by the recorder (and any extra layer) on /events.
type streamCase struct {
	setup setup
	step  *lockstep
	rec   *exchange
}

// newStreamCase prepares an exchange through s with the given liveness
// bound per event. Through the buffering control the handler flushes after
// every event, as a careful SSE handler does, and still stalls.
func newStreamCase(s setup, step time.Duration) *streamCase {
	c := &streamCase{setup: s, step: newLockstep(step), rec: &exchange{}}
	c.step.idle = s.idle
	if s.name == naiveSetup.name {
		c.step.flush = true // the handler does its part; the middleware still buffers
	}
	return c
}

// handler is the /events handler of c: net/http → recorder → outer →
// setup → lockstep. outer (nil for none) sits between the recorder and the
// middleware, where a control can edit what the middleware sends.
func (c *streamCase) handler(outer func(http.Handler) http.Handler) http.Handler {
	h := c.setup.wrap(c.step)
	if outer != nil {
		h = outer(h)
	}
	return c.rec.wrap(h)
}
