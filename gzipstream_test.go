package streamzip

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/flate"
)

// gzsWords is the vocabulary of the synthetic chat completions.
var gzsWords = strings.Fields(`the a an of to and in is it that for on with as was
at by be this are or from but not have has had they you we he she his her its
their our your model token stream response answer question code function value
return error request server client data event message user assistant system
context window memory latency compression gzip deflate header chunk buffer
flush idle connection socket browser network protocol however therefore
because although while when where which what how why example result output
input first second next last then also only just very more most less simple
complex quickly slowly carefully clearly Here's Sure! Let's consider following
step approach solution problem issue note important use using used make`)

// gzsAlnum is the alphabet of completion ids.
const gzsAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// gzsSSECorpus returns n Server-Sent Events shaped like an OpenAI-style chat
// completion stream, about 250 bytes each. As in real streams, the id and
// creation time change only when a new completion starts, every 50-300
// events, and the content is a few words.
func gzsSSECorpus(n int, seed int64) [][]byte {
	r := rand.New(rand.NewSource(seed))
	events := make([][]byte, 0, n)
	var id string
	var created, left int
	for range n {
		if left == 0 {
			b := make([]byte, 29)
			for i := range b {
				b[i] = gzsAlnum[r.Intn(len(gzsAlnum))]
			}
			id = string(b)
			created = 1_700_000_000 + r.Intn(50_000_000)
			left = 50 + r.Intn(250)
		}
		left--
		var content strings.Builder
		for i := range 1 + r.Intn(4) {
			if i > 0 || r.Intn(2) == 0 {
				content.WriteByte(' ')
			}
			content.WriteString(gzsWords[r.Intn(len(gzsWords))])
		}
		events = append(events, fmt.Appendf(nil,
			`data: {"id":"chatcmpl-%s","object":"chat.completion.chunk","created":%d,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":%q},"logprobs":null,"finish_reason":null}]}`+"\n\n",
			id, created, content.String()))
	}
	return events
}

// gzsGunzip decodes src with the standard library, which checks the CRC-32
// and ISIZE in the trailer when it reaches EOF.
func gzsGunzip(t testing.TB, src []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("gzip.NewReader: %v", err)
	}
	zr.Multistream(false) // exactly one member, nothing after it
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return got
}

// gzsNewPool returns a flate writer pool at level or fails the test.
func gzsNewPool(t testing.TB, level int) *flateWriterPool {
	t.Helper()
	p, err := newFlateWriterPool(level)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestNewFlateWriterPoolLevels checks which levels the pool accepts.
func TestNewFlateWriterPoolLevels(t *testing.T) {
	for level := -2; level <= 9; level++ {
		if _, err := newFlateWriterPool(level); err != nil {
			t.Errorf("level %d: %v", level, err)
		}
	}
	for _, level := range []int{-3, 10, -100} {
		if _, err := newFlateWriterPool(level); err == nil {
			t.Errorf("level %d: want error", level)
		}
	}
}

// TestGzipStreamRoundTripSSE is the production shape: one Flush per event and
// a Release every 20 events, at every level and several history sizes.
func TestGzipStreamRoundTripSSE(t *testing.T) {
	events := gzsSSECorpus(2000, 1)
	want := bytes.Join(events, nil)
	levels := []int{-2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	hists := []int{0, 1, 1000, defaultGzipHistorySize, maxGzipHistorySize, 1 << 20}
	if testing.Short() || raceEnabled {
		levels, hists = []int{-2, 0, 1, 5, 7, 9}, []int{0, defaultGzipHistorySize, 1 << 20}
	}
	for _, level := range levels {
		for _, hist := range hists {
			t.Run(fmt.Sprintf("level=%d/hist=%d", level, hist), func(t *testing.T) {
				var out bytes.Buffer
				s := newGzipStream(gzsNewPool(t, level), hist)
				s.Reset(&out)
				for i, ev := range events {
					if _, err := s.Write(ev); err != nil {
						t.Fatal(err)
					}
					if err := s.Flush(); err != nil {
						t.Fatal(err)
					}
					if i%20 == 19 {
						s.Release()
						if !s.Released() {
							t.Fatal("not released after Release")
						}
					}
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				if got := gzsGunzip(t, out.Bytes()); !bytes.Equal(got, want) {
					t.Fatalf("decoded %d bytes, want %d (equal=false)", len(got), len(want))
				}
			})
		}
	}
}

// TestGzipStreamDictionaryUsed checks that resuming with history really lets
// the compressor reference it, at the levels where klauspost/flate honours a
// preset dictionary (1-9), and that 0 and -2 are exactly as good without.
func TestGzipStreamDictionaryUsed(t *testing.T) {
	n := 600
	if testing.Short() || raceEnabled {
		n = 200
	}
	events := gzsSSECorpus(n, 2)
	compress := func(level, hist int) int {
		var out bytes.Buffer
		s := newGzipStream(gzsNewPool(t, level), hist)
		s.Reset(&out)
		for _, ev := range events {
			s.Write(ev)
			s.Flush()
			s.Release() // resume on every event: all matches must come from the dictionary
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		gzsGunzip(t, out.Bytes())
		return out.Len()
	}
	for level := -2; level <= 9; level++ {
		without, with := compress(level, 0), compress(level, defaultGzipHistorySize)
		t.Logf("level %d: %d bytes without history, %d with", level, without, with)
		switch {
		case level == flate.NoCompression || level == flate.HuffmanOnly:
			if with != without {
				t.Errorf("level %d ignores dictionaries, but sizes differ: %d vs %d", level, with, without)
			}
		case with*2 > without:
			t.Errorf("level %d: history saved too little: %d bytes with vs %d without", level, with, without)
		}
	}
}

// TestGzipStreamIncrementalDecode checks that each flushed event can be
// decoded by a reader before anything more is written, across releases.
func TestGzipStreamIncrementalDecode(t *testing.T) {
	events := gzsSSECorpus(300, 3)
	pr, pw := io.Pipe()
	got := make(chan []byte, 1)
	readErr := make(chan error, 1)
	go func() {
		zr, err := gzip.NewReader(pr)
		if err != nil {
			readErr <- err
			pr.CloseWithError(err)
			return
		}
		zr.Multistream(false) // else it would wait for another member at EOF
		for _, ev := range events {
			buf := make([]byte, len(ev))
			if _, err := io.ReadFull(zr, buf); err != nil {
				readErr <- err
				pr.CloseWithError(err)
				return
			}
			got <- buf
		}
		// The trailer is checked when the reader reaches EOF.
		rest, err := io.ReadAll(zr)
		if err == nil && len(rest) > 0 {
			err = fmt.Errorf("%d bytes after the last event", len(rest))
		}
		readErr <- err
		pr.CloseWithError(err)
	}()

	// Writes to the pipe block until the reader takes the bytes, so they run
	// in their own goroutine and the handshake is checked with a timeout.
	readerDone := false
	do := func(name string, f func() error) {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- f() }()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				return
			case err := <-readErr:
				// A clean finish is expected while Close is still writing.
				if err != nil || name != "close" {
					t.Fatalf("%s: reader stopped: %v", name, err)
				}
				readerDone = true
			case <-timeout:
				t.Fatalf("%s: timed out", name)
			}
		}
	}
	s := newGzipStream(gzsNewPool(t, 5), defaultGzipHistorySize)
	s.Reset(pw)
	for i, ev := range events {
		do("write", func() error { _, err := s.Write(ev); return err })
		do("flush", s.Flush)
		if i%7 == 3 {
			s.Release()
		}
		select {
		case b := <-got:
			if !bytes.Equal(b, ev) {
				t.Fatalf("event %d: decoded %q, want %q", i, b, ev)
			}
		case err := <-readErr:
			t.Fatalf("event %d: reader failed: %v", i, err)
		case <-time.After(10 * time.Second):
			t.Fatalf("event %d: not decodable after Flush", i)
		}
	}
	do("close", s.Close)
	if readerDone {
		pw.Close()
		return
	}
	select {
	case err := <-readErr:
		if err != nil {
			t.Fatalf("at EOF: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reader did not reach EOF")
	}
	pw.Close()
}

// gzsScript drives a stream with writes of random sizes taken from src,
// random flushes and releases, and returns what was written.
type gzsScript struct {
	s   *gzipStream
	out bytes.Buffer
	in  []byte
}

// write writes p to the stream, failing the test on error, and records it.
func (g *gzsScript) write(t testing.TB, p []byte) {
	t.Helper()
	n, err := g.s.Write(p)
	if err != nil || n != len(p) {
		t.Fatalf("Write(%d bytes) = %d, %v", len(p), n, err)
	}
	g.in = append(g.in, p...)
}

// check closes the stream and compares its decoding with what was written.
func (g *gzsScript) check(t testing.TB) {
	t.Helper()
	if err := g.s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := gzsGunzip(t, g.out.Bytes()); !bytes.Equal(got, g.in) {
		t.Fatalf("decoded %d bytes, want %d (equal=false)", len(got), len(g.in))
	}
}

// gzsPiece returns n bytes that are sometimes random and more often copies
// of recent plaintext, so the compressor finds matches that reach back into
// the dictionary across a resume (and beyond it, which must not happen).
func gzsPiece(r *rand.Rand, in []byte, n int) []byte {
	p := make([]byte, n)
	for i := 0; i < n; {
		k := min(n-i, 1+r.Intn(300))
		if len(in) > 0 && r.Intn(4) != 0 {
			start := max(0, len(in)-1-r.Intn(40_000))
			i += copy(p[i:i+k], in[start:])
		} else {
			for j := range k {
				p[i+j] = byte('a' + r.Intn(8))
			}
			i += k
		}
	}
	return p
}

// TestGzipStreamRandomResume releases and resumes at random points between
// writes of random sizes: empty, single bytes, more than the history, more
// than the compressor's window.
func TestGzipStreamRandomResume(t *testing.T) {
	levels := []int{1, 2, 4, 5, 6, 7, 9, 0, -2}
	hists := []int{0, 7, 4 << 10, defaultGzipHistorySize, maxGzipHistorySize}
	seeds, ops := int64(3), 150
	if testing.Short() || raceEnabled {
		levels, hists, seeds, ops = []int{1, 5, 9, 0}, []int{7, defaultGzipHistorySize}, 1, 60
	}
	for _, level := range levels {
		for _, hist := range hists {
			for seed := range seeds {
				t.Run(fmt.Sprintf("level=%d/hist=%d/seed=%d", level, hist, seed), func(t *testing.T) {
					r := rand.New(rand.NewSource(seed))
					g := &gzsScript{s: newGzipStream(gzsNewPool(t, level), hist)}
					g.s.Reset(&g.out)
					for range ops {
						var n int
						switch r.Intn(6) {
						case 0:
							n = 0
						case 1:
							n = 1
						case 2:
							n = r.Intn(64)
						case 3:
							n = r.Intn(2000)
						case 4:
							n = hist + r.Intn(hist+10) // at least the whole history
						case 5:
							n = r.Intn(100_000) // more than the compressor's 64 KiB window
						}
						g.write(t, gzsPiece(r, g.in, n))
						switch r.Intn(4) {
						case 0:
							if err := g.s.Flush(); err != nil {
								t.Fatal(err)
							}
						case 1:
							g.s.Release() // flushes first if needed
						case 2:
							g.s.Flush()
							g.s.Release()
						}
					}
					g.check(t)
				})
			}
		}
	}
}

// FuzzGzipStreamResume interprets prog as a sequence of operations on a
// stream and checks that what was written decodes back.
func FuzzGzipStreamResume(f *testing.F) {
	f.Add([]byte{}, uint8(5), uint16(defaultGzipHistorySize))
	f.Add([]byte{0, 10, 1, 2, 0, 200, 2, 0, 0, 3}, uint8(5), uint16(8192))
	f.Add([]byte{0, 255, 2, 0, 255, 2, 0, 255, 1, 0, 1, 2, 0, 0, 2}, uint8(1), uint16(300))
	f.Add([]byte{3, 0, 40, 2, 3, 0, 40, 2, 0, 1, 1}, uint8(9), uint16(32768))
	f.Add([]byte{0, 77, 2, 0, 77, 2, 0, 77, 2}, uint8(7), uint16(0))
	f.Add([]byte{0, 5, 1, 1, 2, 2, 0, 200, 3, 0, 90}, uint8(11), uint16(65535))
	f.Add([]byte("70000000"), uint8(1), uint16(12329))
	corpus := bytes.Join(gzsSSECorpus(400, 4), nil)
	f.Fuzz(func(t *testing.T, prog []byte, level uint8, hist uint16) {
		lvl := int(level%12) - 2 // -2 .. 9
		g := &gzsScript{s: newGzipStream(gzsNewPool(t, lvl), int(hist))}
		g.s.Reset(&g.out)
		arg := func() int {
			if len(prog) == 0 {
				return 0
			}
			v := int(prog[0])
			prog = prog[1:]
			return v
		}
		off := 0
		for ops := 0; len(prog) > 0 && ops < 200; ops++ {
			switch arg() % 4 {
			case 0: // write a piece of the corpus: plenty of repeats
				n := arg() * (1 + arg()%64)
				off = (off + arg()*997) % len(corpus)
				p := make([]byte, 0, n)
				for len(p) < n {
					k := min(n-len(p), len(corpus)-off)
					p = append(p, corpus[off:off+k]...)
					off = (off + k) % len(corpus)
				}
				g.write(t, p)
			case 1:
				if err := g.s.Flush(); err != nil {
					t.Fatal(err)
				}
			case 2:
				g.s.Release()
			case 3: // write raw program bytes, which are less compressible
				v := arg() // before len(prog): arg consumes it
				p := prog[:min(len(prog), v)]
				g.write(t, bytes.Repeat(p, 1+arg()%4))
			}
		}
		g.check(t)
	})
}

// compressor returns what the stream compresses with, nil while released.
func (s *gzipStream) compressor() any {
	switch {
	case s.fw != nil:
		return s.fw
	case s.ed != nil:
		return s.ed
	}
	return nil
}

// TestGzipStreamAbandonNeverPools checks that Abandon drops the compressor
// instead of handing a possibly inconsistent writer to another stream.
func TestGzipStreamAbandonNeverPools(t *testing.T) {
	pool := gzsNewPool(t, 5)
	put := map[any]int{}
	total := 0
	pool.putHook = func(w any) { put[w]++; total++ }
	ev := gzsSSECorpus(1, 5)[0]

	s := newGzipStream(pool, defaultGzipHistorySize)
	s.Reset(io.Discard)
	s.Write(ev)
	s.Flush()
	s.Release() // the hook works: Release pools the writer
	if total != 1 {
		t.Fatalf("Release: %d writers pooled, want 1", total)
	}

	for _, flush := range []bool{true, false} {
		s.Write(ev)
		if flush {
			s.Flush()
		}
		abandoned := s.compressor()
		if abandoned == nil {
			t.Fatal("stream holds no compressor after Write")
		}
		before, beforeTotal := put[abandoned], total
		s.Abandon()
		if put[abandoned] != before || total != beforeTotal {
			t.Fatal("Abandon pooled the writer")
		}
		if !s.Released() {
			t.Fatal("stream still holds a writer after Abandon")
		}
		if _, err := s.Write(ev); !errors.Is(err, errGzipStreamAbandoned) {
			t.Fatalf("Write after Abandon: %v", err)
		}
		if err := s.Flush(); !errors.Is(err, errGzipStreamAbandoned) {
			t.Fatalf("Flush after Abandon: %v", err)
		}
		if err := s.Close(); !errors.Is(err, errGzipStreamAbandoned) {
			t.Fatalf("Close after Abandon: %v", err)
		}
		s.Release()
		if put[abandoned] != before || total != beforeTotal {
			t.Fatal("Release after Abandon pooled the writer")
		}

		// The stream is reusable after Reset and never sees that writer again.
		var out bytes.Buffer
		s.Reset(&out)
		s.Write(ev)
		if s.compressor() == abandoned {
			t.Fatal("abandoned compressor came back from the pool")
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if got := gzsGunzip(t, out.Bytes()); !bytes.Equal(got, ev) {
			t.Fatal("stream after Abandon+Reset decoded wrongly")
		}
		s.Reset(io.Discard)
	}
}

// TestGzipStreamHotZeroAllocs proves the steady-state event path, and a
// resume from a warm pool, allocate nothing.
func TestGzipStreamHotZeroAllocs(t *testing.T) {
	events := gzsSSECorpus(64, 6)
	s := newGzipStream(gzsNewPool(t, 5), defaultGzipHistorySize)
	s.Reset(io.Discard)
	for _, ev := range events { // warm up: history, compressor buffers
		s.Write(ev)
		s.Flush()
	}
	i := 0
	hot := testing.AllocsPerRun(1000, func() {
		s.Write(events[i%len(events)])
		s.Flush()
		i++
	})
	if hot != 0 {
		t.Errorf("hot Write+Flush: %v allocs, want 0", hot)
	}
	// A resume is allocation free only while the pool keeps what it is given,
	// which the race detector's sync.Pool deliberately does not.
	var probe sync.Pool
	probe.Put(new([64]byte))
	lost := 0
	for range 100 {
		v, _ := probe.Get().(*[64]byte)
		if v == nil {
			lost++
			v = new([64]byte)
		}
		probe.Put(v)
	}
	if lost != 0 {
		t.Skip("sync.Pool drops items in this build (race detector?); resume allocations not checked")
	}
	resume := testing.AllocsPerRun(200, func() {
		s.Release()
		s.Write(events[i%len(events)])
		s.Flush()
		i++
	})
	if resume != 0 {
		t.Errorf("Release+Write+Flush: %v allocs, want 0", resume)
	}
}

// TestGzipStreamEmptyAndLazyHeader covers the edges: empty writes and
// streams, the lazy header, Flush with nothing pending, Release with pending
// bytes and Close while released.
func TestGzipStreamEmptyAndLazyHeader(t *testing.T) {
	pool := gzsNewPool(t, 5)
	s := newGzipStream(pool, defaultGzipHistorySize)
	var out bytes.Buffer
	s.Reset(&out)
	if _, err := s.Write(nil); err != nil {
		t.Fatal(err)
	}
	s.Release()
	if out.Len() != 0 || !s.Released() {
		t.Fatalf("empty Write wrote %d bytes or took a writer", out.Len())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := gzsGunzip(t, out.Bytes()); len(got) != 0 {
		t.Fatalf("empty stream decoded to %q", got)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.Write([]byte("x")); !errors.Is(err, errGzipStreamClosed) {
		t.Fatalf("Write after Close: %v", err)
	}

	// Flush alone writes the header, then nothing more until data comes.
	out.Reset()
	s.Reset(&out)
	s.Flush()
	if out.Len() != 10 {
		t.Fatalf("Flush on a new stream wrote %d bytes, want the 10-byte header", out.Len())
	}
	s.Write([]byte("hello"))
	s.Flush()
	n := out.Len()
	s.Flush()
	if out.Len() != n {
		t.Fatal("Flush with nothing pending wrote bytes")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := gzsGunzip(t, out.Bytes()); string(got) != "hello" {
		t.Fatalf("decoded %q", got)
	}

	// Release with pending bytes flushes them; Close while released does not
	// need a compressor.
	out.Reset()
	s.Reset(&out)
	s.Write([]byte("pending"))
	s.Release()
	if !s.Released() {
		t.Fatal("Release with pending bytes did not release")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := gzsGunzip(t, out.Bytes()); string(got) != "pending" {
		t.Fatalf("decoded %q", got)
	}
}

// gzsFailWriter fails every write after the first ok bytes.
type gzsFailWriter struct {
	ok  int
	err error
}

// Write accepts bytes until ok is used up, then fails with err.
func (w *gzsFailWriter) Write(p []byte) (int, error) {
	if len(p) <= w.ok {
		w.ok -= len(p)
		return len(p), nil
	}
	n := w.ok
	w.ok = 0
	return n, w.err
}

// TestGzipStreamWriteErrorsAreSticky checks that a dst error is returned,
// wherever it happens, and by every later call.
func TestGzipStreamWriteErrorsAreSticky(t *testing.T) {
	boom := errors.New("boom")
	ev := bytes.Repeat([]byte("data: hello\n\n"), 100)
	for _, ok := range []int{0, 5, 10, 15, 40} {
		pool := gzsNewPool(t, 5)
		pooled := 0
		pool.putHook = func(any) { pooled++ }
		s := newGzipStream(pool, defaultGzipHistorySize)
		s.Reset(&gzsFailWriter{ok: ok, err: boom})
		var first error
		for range 5 {
			if _, err := s.Write(ev); err != nil && first == nil {
				first = err
			}
			if err := s.Flush(); err != nil && first == nil {
				first = err
			}
			s.Release()
		}
		if first == nil {
			first = s.Close()
		}
		if !errors.Is(first, boom) {
			t.Fatalf("ok=%d: first error %v, want boom", ok, first)
		}
		if _, err := s.Write(ev); !errors.Is(err, boom) {
			t.Fatalf("ok=%d: Write after error: %v", ok, err)
		}
		if err := s.Flush(); !errors.Is(err, boom) {
			t.Fatalf("ok=%d: Flush after error: %v", ok, err)
		}
		if err := s.Close(); !errors.Is(err, boom) {
			t.Fatalf("ok=%d: Close after error: %v", ok, err)
		}
	}

	// A short write without an error is an error too.
	s := newGzipStream(gzsNewPool(t, 5), 0)
	s.Reset(&gzsFailWriter{ok: 3})
	if _, err := s.Write(ev); !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("short header write: %v", err)
	}
}

// TestGzipStreamCorruptTrailerDetected makes sure the round-trip tests would
// notice a wrong CRC-32 or ISIZE: the standard reader must reject them.
func TestGzipStreamCorruptTrailerDetected(t *testing.T) {
	var out bytes.Buffer
	s := newGzipStream(gzsNewPool(t, 5), defaultGzipHistorySize)
	s.Reset(&out)
	s.Write([]byte("some text, some text"))
	s.Close()
	for _, i := range []int{8, 4} { // from the end: CRC-32, then ISIZE
		b := bytes.Clone(out.Bytes())
		b[len(b)-i] ^= 1
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(zr); !errors.Is(err, gzip.ErrChecksum) {
			t.Errorf("corrupt trailer byte -%d: err = %v, want ErrChecksum", i, err)
		}
	}
}

// TestGzipStreamHeader checks the header bytes, including XFL per level.
func TestGzipStreamHeader(t *testing.T) {
	for level, xfl := range map[int]byte{1: 4, 5: 0, 9: 2} {
		var out bytes.Buffer
		s := newGzipStream(gzsNewPool(t, level), 0)
		s.Reset(&out)
		s.Close()
		want := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255}
		if !bytes.Equal(out.Bytes()[:10], want) {
			t.Errorf("level %d: header %x, want %x", level, out.Bytes()[:10], want)
		}
	}
}

// TestGzipStreamResetReusesHistory checks that members written one after
// another by one stream are each correct, that a released stream keeps its
// history packed and no ring, and that the packed buffer is reused.
func TestGzipStreamResetReusesHistory(t *testing.T) {
	s := newGzipStream(gzsNewPool(t, 5), defaultGzipHistorySize)
	var packed *byte
	for i := range 3 {
		var out bytes.Buffer
		s.Reset(&out)
		in := bytes.Repeat([]byte(fmt.Sprintf("member %d ", i)), 2000)
		s.Write(in[:7000])
		s.Release()
		if s.hist != nil || s.ring != nil || len(s.packed) == 0 || len(s.packed) > 7000/10 {
			t.Fatalf("released: ring %v, %d bytes packed from 7000", s.ring != nil, len(s.packed))
		}
		if packed == nil {
			packed = &s.packed[0]
		} else if &s.packed[0] != packed {
			t.Fatal("packed history reallocated")
		}
		s.Write(in[7000:])
		s.Close()
		if got := gzsGunzip(t, out.Bytes()); !bytes.Equal(got, in) {
			t.Fatalf("member %d decoded wrongly", i)
		}
	}
}

// TestGzsRotateLeft compares the in-place rotation with a copying one.
func TestGzsRotateLeft(t *testing.T) {
	for n := range 40 {
		for k := 0; k <= n; k++ {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(i)
			}
			want := append(bytes.Clone(b[k:]), b[:k]...)
			gzsRotateLeft(b, k)
			if !bytes.Equal(b, want) {
				t.Fatalf("n=%d k=%d: %v, want %v", n, k, b, want)
			}
		}
	}
	b := make([]byte, 5000) // larger than the swap buffer
	for i := range b {
		b[i] = byte(i * 7)
	}
	want := append(bytes.Clone(b[1234:]), b[:1234]...)
	gzsRotateLeft(b, 1234)
	if !bytes.Equal(b, want) {
		t.Fatal("n=5000 k=1234 rotated wrongly")
	}
}
