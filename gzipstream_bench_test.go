package streamzip

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"
	kgzip "github.com/klauspost/compress/gzip"
)

// gzsBenchLevel is the level of the stateful baseline and of gzipStream in the
// benchmarks; 5 is klauspost's default.
const gzsBenchLevel = 5

// gzsBenchHistories are the history sizes compared.
var gzsBenchHistories = []int{4 << 10, 8 << 10, 12 << 10, 16 << 10, 20 << 10, 24 << 10, 28 << 10, 32 << 10}

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
// every 20 events, and after every event (each one resumed, as in a
// broadcast to idle streams), per history size. pct-of-baseline is the
// stream's ratio as a percentage of the baseline's.
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
	for _, every := range []int{20, 1} {
		for _, hist := range gzsBenchHistories {
			b.Run(fmt.Sprintf("release-every=%d/hist=%dKiB", every, hist>>10), func(b *testing.B) {
				s := newGzipStream(gzsNewPool(b, gzsBenchLevel), hist)
				var out bytes.Buffer
				size := 0
				b.SetBytes(int64(in))
				for b.Loop() {
					size = gzsStreamSize(b, s, &out, events, every)
				}
				b.ReportMetric(float64(in)/float64(size), "ratio")
				b.ReportMetric(100*float64(base)/float64(size), "pct-of-baseline")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(events)), "ns/event")
			})
		}
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

// BenchmarkEventDeflaterVersusFlate compares, per event size, what an
// eventDeflater (fixed codes) and a flate.Writer at level 5 (dynamic
// codes) send for events of text, each resumed with the history before
// it; ed/flate is the ratio of their sizes, and the choice of
// maxEventDeflate rests on it. One op is one event through both.
func BenchmarkEventDeflaterVersusFlate(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	for _, size := range []int{128, 256, 512, 1024, 2048} {
		events := make([][]byte, 200)
		for i := range events {
			var t strings.Builder
			t.WriteString(`data: {"type":"message","text":"`)
			for t.Len() < size-4 {
				t.WriteString(gzsWords[r.Intn(len(gzsWords))])
				t.WriteByte(' ')
			}
			t.WriteString("\"}\n\n")
			events[i] = []byte(t.String())
		}
		b.Run(fmt.Sprintf("event=%dB", size), func(b *testing.B) {
			var edOut, flOut gzsCountingWriter
			fw, _ := flate.NewWriter(&flOut, gzsBenchLevel)
			d := &eventDeflater{win: make([]byte, 0, edWinCap)}
			var hist, packed []byte
			i := 0
			for b.Loop() {
				ev := events[i%len(events)]
				h := hist[max(0, len(hist)-defaultGzipHistorySize):]
				d.reset() // resumed as a released stream is: from its packed history
				packed = appendPackedHistory(packed[:0], h, &d.table)
				n, _ := unpackHistory(d.historySpace(), packed)
				d.win = d.win[:n]
				primeFromPacked(&d.table, d.win, packed)
				start := len(d.win)
				d.win = append(d.win, ev...)
				d.encode(start)
				d.flush(&edOut)
				fw.ResetDict(&flOut, h)
				fw.Write(ev)
				fw.Flush()
				if len(hist) > 4*defaultGzipHistorySize {
					hist = append(hist[:0], h...)
				}
				hist = append(hist, ev...)
				i++
			}
			b.ReportMetric(float64(edOut.n)/float64(flOut.n), "ed/flate")
		})
	}
}

// gzsCountingWriter counts what is written to it.
type gzsCountingWriter struct{ n int }

func (w *gzsCountingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
