package bench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkLoopback serves the pass-through workloads (a PNG and a body
// below min size) over a real loopback connection with keep-alive, one
// request at a time, with and without each middleware. It is the
// pass-through target measured where it matters: a few hundred nanoseconds
// of wrapper against the whole cost of an HTTP request, not against a
// ResponseWriter that does nothing (BenchmarkResponse).
//
// "none-vary" is no middleware with the handler setting the Vary:
// Accept-Encoding header a compressing middleware adds to every response
// it could have encoded: the client's cost of parsing that header is then
// on both sides of the comparison, so the difference to streamzip is what
// the wrapper costs, not what the header costs.
func BenchmarkLoopback(b *testing.B) {
	for _, wl := range workloads() {
		if !wl.passthrough() {
			continue
		}
		for _, c := range loopbackContenders() {
			b.Run(wl.name+"/"+c.name, func(b *testing.B) {
				srv := httptest.NewServer(c.wrap(wl.handler()))
				defer srv.Close()
				tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1}
				defer tr.CloseIdleConnections()
				client := &http.Client{Transport: tr}
				req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Accept-Encoding", c.accept)
				buf := make([]byte, 64<<10)
				var wire int64
				encoded := false
				b.ReportAllocs()
				for b.Loop() {
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					wire, _ = io.CopyBuffer(io.Discard, resp.Body, buf)
					resp.Body.Close()
					encoded = resp.Header.Get("Content-Encoding") != ""
				}
				// Whether the response was a pass-through at all: a
				// middleware that encodes it is doing other work.
				b.ReportMetric(float64(wire), "wire-B/op")
				b.ReportMetric(boolMetric(encoded), "encoded")
			})
		}
	}
}

// loopbackContenders are the pass-through contenders BenchmarkLoopback
// compares: no middleware (with and without a Vary header) and the
// middlewares whose pass-through cost is in question.
func loopbackContenders() []contender {
	out := []contender{{"none-vary", "gzip", setVary}}
	for _, c := range plainContenders() {
		switch c.name {
		case "none", "streamzip-gzip", "gzhttp-gzip", "chi-gzip":
			out = append(out, c)
		}
	}
	// none first, then none-vary: the tables read top down from the floor.
	out[0], out[1] = out[1], out[0]
	return out
}

// setVary is no middleware, but the header every compressing middleware
// adds to a response it could have encoded. The value is shared, so that
// setting it allocates nothing on the server: what none-vary adds to none
// is the header on the wire and in the client.
func setVary(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Vary"] = varyAcceptEncoding
		h.ServeHTTP(w, r)
	})
}

var varyAcceptEncoding = []string{"Accept-Encoding"}

func boolMetric(v bool) float64 {
	if v {
		return 1
	}
	return 0
}
