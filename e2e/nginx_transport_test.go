//go:build unix

package e2e

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/streamzip/streamzip"
)

// TestNginxTransport reads compressed event streams through nginx
// (proxy_buffering on, HTTP/1.1 and HTTP/1.0 to the upstream) with a Go
// client whose Transport is streamzip.Transport: it sends its own
// Accept-Encoding, nginx passes the coding through, and the Transport
// decodes each event in lockstep — gzip (streamzip's choice for streams
// among zstd, br, gzip), gzip released after every event and while idle,
// br and zstd. The control strips X-Accel-Buffering before nginx sees it:
// under HTTP/1.0 nginx then holds the events, and the same client stalls.
func TestNginxTransport(t *testing.T) {
	bin := requireTool(t, "apt-get install nginx", "nginx")
	compress := streamzipSetups(t)[1]
	setups := append([]setup{compress}, releasingSetups(t)...)
	setups = append(setups, onlyCodingSetup(t, "br"), zstdOnlySetup(t))

	for _, version := range []string{"1.1", "1.0"} {
		for _, s := range setups {
			t.Run("http"+version+"/"+s.name, func(t *testing.T) {
				c := newStreamCase(s, stepOK)
				res := runNginxTransport(t, bin, version, c, nil)
				got := c.rec.get()
				checkExchange(t, s, got)
				if got.AcceptEncoding != streamzip.TransportAcceptEncoding {
					t.Errorf("Accept-Encoding %q reached the server, want the Transport's %q", got.AcceptEncoding, streamzip.TransportAcceptEncoding)
				}
				if got.ContentEncoding == "" {
					t.Fatal("the stream went out uncompressed: nothing for the Transport to decode")
				}
				res.checkDecoded(t)
				if res.err != nil {
					t.Fatalf("lockstep through nginx and the Transport: %v (reader: %v)", res.err, res.readErr)
				}
			})
		}
	}

	t.Run("http1.0/control-header-stripped", func(t *testing.T) {
		stripped := compress
		stripped.accelNo = false // the control removes it on purpose
		c := newStreamCase(stripped, stepControl)
		res := runNginxTransport(t, bin, "1.0", c, stripAccelBuffering)
		got := c.rec.get()
		checkExchange(t, stripped, got)
		if !errors.Is(res.err, errHeldBack) {
			t.Fatalf("lockstep without X-Accel-Buffering: %v; want nginx to hold the events back", res.err)
		}
		t.Logf("nginx held the events back as expected: %v; the Transport decoded %d event(s) once the response ended", res.err, res.read)
	})
}

// onlyCodingSetup compresses streams with one coding alone, so a client
// offering zstd, br and gzip gets that one.
func onlyCodingSetup(t *testing.T, coding string) setup {
	return setup{
		name: "compress-" + coding + "-only",
		wrap: mustNew(t,
			streamzip.WithEncodings(coding),
			streamzip.WithEventStreams(streamzip.CompressEventStreams)),
		streamCodings: []string{coding},
		accelNo:       true,
	}
}

// transportResult is one exchange read through streamzip.Transport.
type transportResult struct {
	err          error // the handler's outcome
	uncompressed bool
	clientCE     string // Content-Encoding left for the caller
	read         int    // events decoded, before or after err
	readErr      error
}

// checkDecoded asserts the Transport decoded the response.
func (r *transportResult) checkDecoded(t *testing.T) {
	t.Helper()
	if !r.uncompressed || r.clientCE != "" {
		t.Errorf("the Transport left Uncompressed %v, Content-Encoding %q; want true and none", r.uncompressed, r.clientCE)
	}
}

// runNginxTransport serves c's stream behind a fresh nginx and reads it
// through nginx with streamzip.Transport, acking each event as soon as
// the Transport yields it.
func runNginxTransport(t *testing.T, bin, version string, c *streamCase, outer func(http.Handler) http.Handler) *transportResult {
	t.Helper()
	upstream := startServer(t, plainHTTP, c.handler(outer))
	proxy := startNginx(t, bin, version, upstream)

	req, err := http.NewRequest("GET", proxy+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	client := &http.Client{Transport: streamzip.Transport(&http.Transport{})}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET through nginx: %v", err)
	}
	defer resp.Body.Close()
	res := &transportResult{uncompressed: resp.Uncompressed, clientCE: resp.Header.Get("Content-Encoding")}

	done := make(chan struct{})
	go func() {
		defer close(done)
		res.read, res.readErr = ackEvents(resp.Body, c.step)
	}()
	res.err = c.step.result()
	select {
	case <-done: // the handler ended the response, so nginx ends it too
	case <-time.After(10 * time.Second):
		resp.Body.Close()
		<-done
	}
	return res
}
