package streamzip_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/streamzip/streamzip"
)

// countingWriter is a ResponseWriter that counts the bytes reaching the
// "wire" and can flush.
type countingWriter struct {
	h     http.Header
	bytes int64
}

func (c *countingWriter) Header() http.Header         { return c.h }
func (c *countingWriter) Write(p []byte) (int, error) { c.bytes += int64(len(p)); return len(p), nil }
func (c *countingWriter) WriteHeader(int)             {}
func (c *countingWriter) Flush()                      {}

// BenchmarkCompressedEvent is the per-event cost of a compressed event
// stream through the middleware: one op is one ~250 B LLM-token event,
// written, compressor-flushed and transport-flushed. "gzip-hot" never
// releases; "gzip-resume-every-event" releases after every event (the worst
// case of WithReleaseAfter); "stateful-gzip-writer" is a bare klauspost
// gzip.Writer at the same level, Write+Flush per event, the baseline.
//
//	go test -run '^$' -bench CompressedEvent -benchmem .
func BenchmarkCompressedEvent(b *testing.B) {
	events := make([][]byte, 2000)
	for i := range events {
		events[i] = []byte(llmEvent(i))
	}
	b.Run("stateful-gzip-writer", func(b *testing.B) {
		var wire countingWriter
		zw, _ := gzip.NewWriterLevel(&wire, streamzip.DefaultGzipLevel)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			zw.Write(events[i%len(events)])
			zw.Flush()
			i++
		}
		b.ReportMetric(float64(wire.bytes)/float64(i), "wire-B/event")
	})
	for _, c := range []struct {
		name, enc    string
		releaseAfter time.Duration
		mode         streamzip.EventStreamMode
	}{
		{"gzip-hot", "gzip", time.Hour, streamzip.CompressEventStreams},
		{"gzip-resume-every-event", "gzip", 0, streamzip.CompressEventStreams},
		{"br", "br", time.Hour, streamzip.CompressEventStreams},
		{"zstd", "zstd", time.Hour, streamzip.CompressEventStreams},
		{"identity-bypass", "gzip", time.Hour, streamzip.BypassEventStreams},
	} {
		b.Run(c.name, func(b *testing.B) {
			mw, err := streamzip.New(streamzip.WithEncodings(c.enc), streamzip.WithEventStreams(c.mode), streamzip.WithReleaseAfter(c.releaseAfter))
			if err != nil {
				b.Fatal(err)
			}
			wire := &countingWriter{h: http.Header{}}
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Accept-Encoding", c.enc)
			var n int
			h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, ": warm up\n\n")
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					w.Write(events[n%len(events)])
					n++
				}
				b.StopTimer()
			}))
			h.ServeHTTP(wire, req)
			b.ReportMetric(float64(wire.bytes)/float64(max(n, 1)), "wire-B/event")
		})
	}
}
