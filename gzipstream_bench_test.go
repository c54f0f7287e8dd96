package streamzip

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"
)

// gzsBenchLevel is the level of the stateful baseline and of gzipStream in the
// benchmarks; 5 is klauspost's default.
const gzsBenchLevel = 5

// gzsBenchHistories are the history sizes compared.
var gzsBenchHistories = []int{4 << 10, 8 << 10, 12 << 10, 16 << 10, 32 << 10}

// gzsBaselineSize compresses events with a stateful klauspost gzip.Writer,
// flushed after every event, and returns the compressed size.
func gzsBaselineSize(b *testing.B, events [][]byte) int {
	var out bytes.Buffer
	zw, err := kgzip.NewWriterLevel(&out, gzsBenchLevel)
	if err != nil {
		b.Fatal(err)
	}
	for _, ev := range events {
		zw.Write(ev)
		zw.Flush()
	}
	zw.Close()
	return out.Len()
}

// gzsStreamSize compresses events with a gzipStream released every
// releaseEvery events and returns the compressed size.
func gzsStreamSize(b *testing.B, s *gzipStream, out *bytes.Buffer, events [][]byte, releaseEvery int) int {
	out.Reset()
	s.Reset(out)
	for i, ev := range events {
		s.Write(ev)
		s.Flush()
		if i%releaseEvery == releaseEvery-1 {
			s.Release()
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	return out.Len()
}

// BenchmarkGzipStreamRatio compares the compression ratio over the 2,000-event
// SSE corpus of a stateful gzip.Writer (baseline) with gzipStream released
// every 20 events, per history size. pct-of-baseline is the stream's ratio as
// a percentage of the baseline's.
func BenchmarkGzipStreamRatio(b *testing.B) {
	events := gzsSSECorpus(2000, 1)
	in := len(bytes.Join(events, nil))
	base := gzsBaselineSize(b, events)
	b.Run("baseline", func(b *testing.B) {
		b.SetBytes(int64(in))
		for b.Loop() {
			gzsBaselineSize(b, events)
		}
		b.ReportMetric(float64(in)/float64(base), "ratio")
		b.ReportMetric(100, "pct-of-baseline")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(events)), "ns/event")
	})
	for _, hist := range gzsBenchHistories {
		b.Run(fmt.Sprintf("hist=%dKiB", hist>>10), func(b *testing.B) {
			s := newGzipStream(gzsNewPool(b, gzsBenchLevel), hist)
			var out bytes.Buffer
			size := 0
			b.SetBytes(int64(in))
			for b.Loop() {
				size = gzsStreamSize(b, s, &out, events, 20)
			}
			b.ReportMetric(float64(in)/float64(size), "ratio")
			b.ReportMetric(100*float64(base)/float64(size), "pct-of-baseline")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(events)), "ns/event")
		})
	}
}

// BenchmarkGzipStreamHot measures one event's Write+Flush while the stream
// stays hot, against a klauspost gzip.Writer doing the same. One op is one
// event.
func BenchmarkGzipStreamHot(b *testing.B) {
	events := gzsSSECorpus(2000, 1)
	b.Run("baseline", func(b *testing.B) {
		zw, _ := kgzip.NewWriterLevel(io.Discard, gzsBenchLevel)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			zw.Write(events[i%len(events)])
			zw.Flush()
			i++
		}
	})
	for _, hist := range gzsBenchHistories {
		b.Run(fmt.Sprintf("hist=%dKiB", hist>>10), func(b *testing.B) {
			s := newGzipStream(gzsNewPool(b, gzsBenchLevel), hist)
			s.Reset(io.Discard)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s.Write(events[i%len(events)])
				s.Flush()
				i++
			}
		})
	}
}

// BenchmarkGzipStreamResume measures the worst case: every event resumes a
// released stream (Release+Write+Flush), which primes a pooled compressor
// with the history. One op is one event.
func BenchmarkGzipStreamResume(b *testing.B) {
	events := gzsSSECorpus(2000, 1)
	for _, hist := range append([]int{0}, gzsBenchHistories...) {
		b.Run(fmt.Sprintf("hist=%dKiB", hist>>10), func(b *testing.B) {
			s := newGzipStream(gzsNewPool(b, gzsBenchLevel), hist)
			s.Reset(io.Discard)
			for _, ev := range events[:200] { // fill the history
				s.Write(ev)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s.Release()
				s.Write(events[i%len(events)])
				s.Flush()
				i++
			}
		})
	}
}

// gzsHeapAlloc returns the live heap after collecting garbage. Two cycles,
// because sync.Pool keeps its contents for one cycle in a victim cache: the
// figure then leaves out compressors parked in the pool, which all idle
// streams share (about one per P that recently resumed a stream).
func gzsHeapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkGzipStreamIdleHeap measures the heap an idle stream holds: 1,000
// streams each write and flush 200 events of the corpus (so the history is
// full) and are released; the live heap grown by them, over 1,000, is
// KiB/stream. The baseline is 1,000 klauspost
// gzip.Writers at the same level left open after a flushed event, which is
// what a stateful middleware holds per idle connection. Run with
// -benchtime=1x: the baseline alone takes about 1 GiB.
func BenchmarkGzipStreamIdleHeap(b *testing.B) {
	const streams = 1000
	events := gzsSSECorpus(200, 1)
	b.Run("baseline", func(b *testing.B) {
		for b.Loop() {
			before := gzsHeapAlloc()
			ws := make([]*kgzip.Writer, streams)
			for i := range ws {
				ws[i], _ = kgzip.NewWriterLevel(io.Discard, gzsBenchLevel)
				for _, ev := range events {
					ws[i].Write(ev)
					ws[i].Flush()
				}
			}
			after := gzsHeapAlloc()
			runtime.KeepAlive(ws)
			b.ReportMetric(float64(int64(after-before))/streams/1024, "KiB/stream")
		}
	})
	for _, hist := range gzsBenchHistories {
		b.Run(fmt.Sprintf("hist=%dKiB", hist>>10), func(b *testing.B) {
			pool := gzsNewPool(b, gzsBenchLevel)
			for b.Loop() {
				before := gzsHeapAlloc()
				ss := make([]*gzipStream, streams)
				for i := range ss {
					ss[i] = newGzipStream(pool, hist)
					ss[i].Reset(io.Discard)
					for _, ev := range events {
						ss[i].Write(ev)
						ss[i].Flush()
					}
					ss[i].Release()
				}
				after := gzsHeapAlloc()
				runtime.KeepAlive(ss)
				b.ReportMetric(float64(int64(after-before))/streams/1024, "KiB/stream")
			}
		})
	}
}
