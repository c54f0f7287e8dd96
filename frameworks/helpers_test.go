package frameworks_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/streamzip/streamzip"
	"github.com/streamzip/streamzip/internal/decoding"
	"github.com/streamzip/streamzip/internal/lockstep"
)

// serve starts h on a real loopback TCP server and returns a client that
// does no transparent decompression.
func serve(t *testing.T, h http.Handler) (*httptest.Server, *http.Client) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, lockstep.RawClient(srv)
}

// get sends a GET with the given Accept-Encoding ("" for none).
func get(t *testing.T, c *http.Client, url, acceptEncoding string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// decodedBody reads the body decoded by its Content-Encoding, checking the
// coding's own integrity at the end.
func decodedBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	r, err := decoding.NewReader(resp.Header.Get("Content-Encoding"), resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %q body: %v", resp.Header.Get("Content-Encoding"), err)
	}
	return string(b)
}

// wantEncoding fails unless resp has the given Content-Encoding ("" for
// none) and, when encoded, Vary: Accept-Encoding.
func wantEncoding(t *testing.T, resp *http.Response, want string) {
	t.Helper()
	if got := resp.Header.Get("Content-Encoding"); got != want {
		t.Fatalf("Content-Encoding %q, want %q", got, want)
	}
	if want != "" && !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Encoding") {
		t.Errorf("encoded response without Vary: Accept-Encoding: %v", resp.Header)
	}
}

// allCodings turns zstd on next to the default br and gzip.
var allCodings = streamzip.WithEncodings("zstd", "br", "gzip")

// document is a JSON body big enough for every coding to apply.
type document struct {
	Items []lockstep.Message `json:"items"`
}

func bigDocument() document {
	var d document
	for k := range 50 {
		d.Items = append(d.Items, lockstep.Payload(k))
	}
	return d
}
