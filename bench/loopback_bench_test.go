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
func BenchmarkLoopback(b *testing.B) {
	for _, wl := range workloads() {
		if !wl.passthrough() {
			continue
		}
		for _, c := range plainContenders() {
			if c.name != "none" && c.name != "streamzip-gzip" && c.name != "gzhttp-gzip" && c.name != "chi-gzip" {
				continue
			}
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
				b.ReportAllocs()
				for b.Loop() {
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					io.CopyBuffer(io.Discard, resp.Body, buf)
					resp.Body.Close()
				}
			})
		}
	}
}
