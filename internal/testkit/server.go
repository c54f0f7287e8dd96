// Package testkit holds what the tests of streamzip and of its nested test
// modules share: a real loopback server with a client that decodes nothing
// by itself, and the lockstep exchange that proves events are not held
// back. It is test support; the library never imports it.
package testkit

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/streamzip/streamzip/internal/decoding"
)

// NewServer starts h on a real loopback TCP server and returns it with a
// client that does no transparent decompression, so tests see the raw
// Content-Encoding and decode the bytes themselves.
func NewServer(t testing.TB, h http.Handler) (*httptest.Server, *http.Client) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, RawClient(srv)
}

// NewTLSServer is NewServer over TLS with HTTP/2.
func NewTLSServer(t testing.TB, h http.Handler) (*httptest.Server, *http.Client) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, RawClient(srv)
}

// RawClient is srv's client without transparent decompression.
func RawClient(srv *httptest.Server) *http.Client {
	c := srv.Client()
	tr := c.Transport.(*http.Transport).Clone()
	tr.DisableCompression = true
	if srv.TLS != nil {
		tr.ForceAttemptHTTP2 = true
		tr.TLSClientConfig = &tls.Config{RootCAs: c.Transport.(*http.Transport).TLSClientConfig.RootCAs}
	}
	return &http.Client{Transport: tr}
}

// Get sends a request with the given Accept-Encoding ("" for none) and
// extra header name/value pairs; the body is closed when the test ends.
func Get(t testing.TB, c *http.Client, method, url, acceptEncoding string, hdr ...string) *http.Response {
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

// Decoder returns a reader of the decoded body, by Content-Encoding.
func Decoder(t testing.TB, resp *http.Response) io.Reader {
	t.Helper()
	r, err := decoding.NewReader(resp.Header.Get("Content-Encoding"), resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// ReadAll reads the decoded body, checking the encoding's own integrity
// (gzip CRC-32 and length) at the end.
func ReadAll(t testing.TB, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(Decoder(t, resp))
	if err != nil {
		t.Fatalf("decode %s body: %v", resp.Header.Get("Content-Encoding"), err)
	}
	return b
}

// WantEncoding fails unless resp has the given Content-Encoding ("" for
// none) and, when encoded, Vary: Accept-Encoding.
func WantEncoding(t testing.TB, resp *http.Response, want string) {
	t.Helper()
	if got := resp.Header.Get("Content-Encoding"); got != want {
		t.Fatalf("Content-Encoding %q, want %q", got, want)
	}
	if want != "" && !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Encoding") {
		t.Errorf("encoded response without Vary: Accept-Encoding: %v", resp.Header)
	}
}
