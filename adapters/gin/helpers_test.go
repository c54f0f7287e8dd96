package ginzip_test

import (
	"github.com/streamzip/streamzip/internal/testkit"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/streamzip/streamzip"
	ginzip "github.com/streamzip/streamzip/adapters/gin"
)

func init() { gin.SetMode(gin.TestMode) }

// allCodings turns zstd on next to the default br and gzip.
var allCodings = streamzip.WithEncodings("zstd", "br", "gzip")

// serve starts h on a real loopback TCP server and returns a client that
// does no transparent decompression.
func serve(t *testing.T, h http.Handler) (*httptest.Server, *http.Client) {
	return testkit.NewServer(t, h)
}

// get sends a GET with the given Accept-Encoding ("" for none).
func get(t *testing.T, c *http.Client, url, acceptEncoding string) *http.Response {
	return testkit.Get(t, c, http.MethodGet, url, acceptEncoding)
}

// decodedBody reads the body decoded by its Content-Encoding, checking the
// coding's own integrity at the end.
func decodedBody(t *testing.T, resp *http.Response) string { return string(testkit.ReadAll(t, resp)) }

// wantEncoding: see testkit.WantEncoding.
var wantEncoding = testkit.WantEncoding

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
