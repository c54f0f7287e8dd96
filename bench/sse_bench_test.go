package bench

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// sseEvents is the size of the benchmarked stream: one LLM answer of 1,000
// tokens, one event each.
const sseEvents = 1000

// BenchmarkSSE streams 1,000 token events (one Write and one Flush each)
// through each contender. Besides the whole stream's ns/op, it reports
// ns/event, wire-B/event, and buffered-events: how many events a client
// could not decode right after their Flush (measured once, untimed).
func BenchmarkSSE(b *testing.B) {
	events := sseTokenEvents(sseEvents)
	for _, c := range sseContenders() {
		b.Run(c.name, func(b *testing.B) {
			d, err := measureDelivery(c, events)
			if err != nil {
				b.Fatal(err)
			}
			h := c.wrap(sseHandler(events, nil))
			w := newWire()
			req := httptest.NewRequest(http.MethodGet, "/v1/chat/completions", nil)
			req.Header.Set("Accept-Encoding", c.accept)
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, req)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*sseEvents), "ns/event")
			b.ReportMetric(float64(w.bytes)/sseEvents, "wire-B/event")
			b.ReportMetric(float64(d.buffered), "buffered-events")
		})
	}
}
