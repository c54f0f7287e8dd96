package frameworks_test

import (
	"github.com/streamzip/streamzip/internal/testkit"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/streamzip/streamzip"
	"github.com/streamzip/streamzip/internal/lockstep"
)

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
