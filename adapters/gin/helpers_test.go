package ginzip_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/streamzip/streamzip"
	ginzip "github.com/streamzip/streamzip/adapters/gin"
	"github.com/streamzip/streamzip/internal/decoding"
	"github.com/streamzip/streamzip/internal/lockstep"
)

func init() { gin.SetMode(gin.TestMode) }

// allCodings turns zstd on next to the default br and gzip.
var allCodings = streamzip.WithEncodings("zstd", "br", "gzip")

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

// decodedBody reads the body decoded by its Content-Encoding.
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

// ginApp is the README setup: Recovery outside, then ginzip, then routes.
func ginApp(t *testing.T, zip gin.HandlerFunc, routes func(*gin.Engine)) *gin.Engine {
	t.Helper()
	r := gin.New()
	r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(http.StatusInternalServerError) }))
	r.Use(zip)
	routes(r)
	return r
}

func newZip(t *testing.T, opts ...streamzip.Option) gin.HandlerFunc {
	t.Helper()
	h, err := ginzip.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
