package bench

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkFrontier serves every corpus through every codec setting (via
// streamzip and via the bare encoder) and through each middleware's
// defaults per client class, into the discarding writer. Besides ns/op and
// MB/s (of the body before encoding) it reports wire-B/op, the body as
// sent, body-B/op, the body before encoding, and coding, the
// Content-Encoding it was sent with (codingIDs).
// cpu-ns/op is the process's CPU time per op (processCPU), which a
// shared machine inflates less than ns/op. Event streams also report
// ns/event and wire-B/event.
func BenchmarkFrontier(b *testing.B) {
	for _, c := range corpora() {
		for _, row := range frontierRows(c) {
			b.Run(c.name+"/"+row.name, func(b *testing.B) {
				h := row.wrap(c.handler())
				w := newWire()
				var ce string
				w.onHeader = func(h http.Header) { ce = h.Get("Content-Encoding") }
				req := httptest.NewRequest(http.MethodGet, "/"+c.name, nil)
				req.Header.Set("Accept-Encoding", row.accept)
				b.SetBytes(int64(len(c.body)))
				b.ReportAllocs()
				// One response before measuring, as a running server has
				// served: the pools hold an encoder. Without it the few
				// iterations of brotli 11 would weigh its one-time setup.
				w.reset()
				h.ServeHTTP(w, req)
				cpu0, cpuOK := processCPU()
				for b.Loop() {
					w.reset()
					h.ServeHTTP(w, req)
				}
				if cpu1, ok := processCPU(); ok && cpuOK {
					b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
				}
				b.ReportMetric(float64(w.bytes), "wire-B/op")
				b.ReportMetric(codingIDs[ce], "coding")
				b.ReportMetric(float64(len(c.body)), "body-B/op")
				if n := len(c.events); n > 0 {
					b.ReportMetric(float64(n), "events/op")
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
					b.ReportMetric(float64(w.bytes)/float64(n), "wire-B/event")
				}
			})
		}
	}
}
