package frameworks_test

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/adaptor"
	"github.com/streamzip/streamzip"
)

// TestFiberAdaptorNeverReachesTheResponse pins down the limitation README
// states: Fiber's adaptor.HTTPMiddleware runs a net/http middleware
// against a stub response and calls c.Next() only after the middleware
// returned, so streamzip never sees what the Fiber handler writes. The
// response leaves uncompressed, without streamzip's Vary — the middleware
// is silently a no-op. If Fiber ever routes the response through the
// middleware, this test fails and README must change.
func TestFiberAdaptorNeverReachesTheResponse(t *testing.T) {
	body := strings.Repeat("compressible text ", 1000)
	app := fiber.New()
	app.Use(adaptor.HTTPMiddleware(streamzip.Middleware))
	app.Get("/", func(c fiber.Ctx) error {
		c.Set("Content-Type", "text/plain")
		return c.SendString(body)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true}) }()
	t.Cleanup(func() {
		_ = app.Shutdown()
		<-served
	})

	c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	t.Cleanup(c.CloseIdleConnections)
	resp := get(t, c, "http://"+ln.Addr().String()+"/", "gzip, br")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	wantEncoding(t, resp, "")
	if v := resp.Header.Values("Vary"); len(v) != 0 {
		t.Errorf("Vary %q: streamzip reached the response after all", v)
	}
	if got := decodedBody(t, resp); got != body {
		t.Error("body differs")
	}
}
