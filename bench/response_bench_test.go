package bench

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkResponse serves each workload through each contender into a
// discarding writer. wire-B/op is the body as sent (encoded or not).
func BenchmarkResponse(b *testing.B) {
	for _, wl := range workloads() {
		for _, c := range plainContenders() {
			if wl.passthrough() && strings.HasPrefix(c.name, "bare-") {
				continue
			}
			b.Run(wl.name+"/"+c.name, func(b *testing.B) {
				h := c.wrap(wl.handler())
				w := newWire()
				req := httptest.NewRequest(http.MethodGet, "/api", nil)
				req.Header.Set("Accept-Encoding", c.accept)
				b.ReportAllocs()
				for b.Loop() {
					w.reset()
					h.ServeHTTP(w, req)
				}
				b.ReportMetric(float64(w.bytes), "wire-B/op")
			})
		}
	}
}
