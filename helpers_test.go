package streamzip_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/streamzip/streamzip/internal/decoding"
)

// stepTimeout bounds how long the client may take to see one event. It is
// a liveness bound, never a timing assertion: a buffered event never
// arrives, so waiting longer would not make a buffering middleware pass.
const stepTimeout = 5 * time.Second

// newServer starts h on a real loopback TCP server and returns it with a
// client that does no transparent decompression, so tests see the raw
// Content-Encoding and decode the bytes themselves.
func newServer(t testing.TB, h http.Handler) (*httptest.Server, *http.Client) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, rawClient(srv)
}

// newTLSServer is newServer over TLS with HTTP/2.
func newTLSServer(t testing.TB, h http.Handler) (*httptest.Server, *http.Client) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, rawClient(srv)
}

func rawClient(srv *httptest.Server) *http.Client {
	c := srv.Client()
	tr := c.Transport.(*http.Transport).Clone()
	tr.DisableCompression = true
	if srv.TLS != nil {
		tr.ForceAttemptHTTP2 = true
		tr.TLSClientConfig = &tls.Config{RootCAs: c.Transport.(*http.Transport).TLSClientConfig.RootCAs}
	}
	return &http.Client{Transport: tr}
}

// get sends a request with the given Accept-Encoding ("" for none).
func get(t testing.TB, c *http.Client, method, url, acceptEncoding string, hdr ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// decoder returns a reader of the decoded body, by Content-Encoding.
func decoder(t testing.TB, resp *http.Response) io.Reader {
	t.Helper()
	r, err := decode(resp.Header.Get("Content-Encoding"), resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func decode(encoding string, body io.Reader) (io.Reader, error) {
	return decoding.NewReader(encoding, body)
}

// readAll reads the decoded body, checking the encoding's own integrity
// (gzip CRC-32 and length) at the end.
func readAll(t testing.TB, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(decoder(t, resp))
	if err != nil {
		t.Fatalf("decode %s body: %v", resp.Header.Get("Content-Encoding"), err)
	}
	return b
}

// lockstep is an event-stream exchange where the handler writes event k
// and then waits until the client has decoded event k before writing k+1.
// A middleware that holds events back makes the handler wait forever, so
// the exchange fails with a timeout instead of passing on the final body.
type lockstep struct {
	events  int
	acks    chan int      // the client decoded event k
	timeout time.Duration // liveness bound per event
}

func newLockstep(events int) *lockstep {
	return &lockstep{events: events, acks: make(chan int), timeout: stepTimeout}
}

// waitAck is called by the handler after writing event k.
func (l *lockstep) waitAck(k int) error {
	select {
	case got := <-l.acks:
		if got != k {
			return fmt.Errorf("client acked event %d, want %d", got, k)
		}
		return nil
	case <-time.After(l.timeout):
		return fmt.Errorf("client had not decoded event %d after %v: held back", k, l.timeout)
	}
}

// event formats event k, padded so compressed blocks are real.
func event(k int, eol string) string {
	pad := strings.Repeat("token ", 40)
	return "id: " + fmt.Sprint(k) + eol + "data: {\"k\":" + fmt.Sprint(k) + ",\"pad\":\"" + pad + "\"}" + eol + eol
}

// run reads the stream, acking each event as soon as it is decoded; it
// returns the first failure (a timeout if an event never arrives).
func (l *lockstep) run(resp *http.Response) error {
	body, err := decode(resp.Header.Get("Content-Encoding"), resp.Body)
	if err != nil {
		return err
	}
	got := make(chan int)
	fail := make(chan error, 1)
	readerDone := make(chan struct{})
	defer func() {
		select {
		case <-readerDone:
		case <-time.After(l.timeout):
			resp.Body.Close() // unblock a reader stuck on a held-back event
		}
	}()
	go func() {
		defer close(readerDone)
		sc := newEventReader(body)
		for range l.events {
			ev, err := sc.next()
			if err != nil {
				fail <- err
				return
			}
			var k int
			if _, err := fmt.Sscanf(ev, "id: %d", &k); err != nil {
				fail <- fmt.Errorf("bad event %q: %v", ev, err)
				return
			}
			got <- k
		}
	}()
	for k := 0; k < l.events; k++ {
		select {
		case n := <-got:
			if n != k {
				return fmt.Errorf("event %d arrived, want %d", n, k)
			}
			select {
			case l.acks <- k:
			case <-time.After(stepTimeout):
				return fmt.Errorf("handler stopped before event %d", k+1)
			}
		case err := <-fail:
			return fmt.Errorf("before event %d: %w", k, err)
		case <-time.After(l.timeout):
			resp.Body.Close()
			return fmt.Errorf("event %d not decoded within %v: the stream is buffered", k, l.timeout)
		}
	}
	return nil
}

// eventReader splits a decoded event stream at blank lines (CRLF, LF or
// CR), never reading past the byte that completes an event.
type eventReader struct {
	r       *bufio.Reader
	afterCR bool // the last byte was CR: a following LF belongs to it
}

func newEventReader(r io.Reader) *eventReader { return &eventReader{r: bufio.NewReader(r)} }

func (e *eventReader) next() (string, error) {
	var ev bytes.Buffer
	midLine := false
	for {
		c, err := e.r.ReadByte()
		if err != nil {
			if err == io.EOF && ev.Len() > 0 {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		if c == '\n' && e.afterCR {
			e.afterCR = false
			continue
		}
		e.afterCR = c == '\r'
		if c != '\r' && c != '\n' {
			midLine = true
			ev.WriteByte(c)
			continue
		}
		if midLine {
			midLine = false
			ev.WriteByte('\n')
			continue
		}
		if ev.Len() > 0 {
			return ev.String(), nil
		}
	}
}
