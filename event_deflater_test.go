package streamzip

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"math/rand"
	"runtime"
	"sync"
	"testing"
)

// TestEventDeflaterFixedCodes checks every match length and the edges of
// every distance code against the standard library's inflater: a window of
// random bytes, one match, the end of the block and a sync flush.
func TestEventDeflaterFixedCodes(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	hist := make([]byte, edWindow)
	r.Read(hist)
	// RFC 1951 §3.2.5: each distance code's first distance and extra bits.
	base := []int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
		1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	extra := []int{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	var dists []int
	for code := range base { // each code's first and last distance
		dists = append(dists, base[code], base[code]+1<<extra[code]-1)
	}
	for n := 3; n <= edMaxMatch; n++ {
		for _, dist := range dists {
			d := &eventDeflater{win: make([]byte, 0, edWinCap)}
			d.reset()
			d.win = append(d.win, hist...)
			d.putBits(2, 3)
			d.inBlock = true
			d.putMatch(n, dist)
			var out bytes.Buffer
			if err := d.flush(&out); err != nil {
				t.Fatal(err)
			}
			want := make([]byte, 0, len(hist)+n)
			want = append(want, hist...)
			for range n { // byte by byte: a match may overlap what it writes
				want = append(want, want[len(want)-dist])
			}
			got, err := io.ReadAll(flate.NewReaderDict(&out, hist))
			if err != io.ErrUnexpectedEOF && err != nil { // a sync flush has no final block
				t.Fatalf("length %d distance %d: %v", n, dist, err)
			}
			if !bytes.Equal(got, want[len(hist):]) {
				t.Fatalf("length %d distance %d: decoded %x, want %x", n, dist, got, want[len(hist):])
			}
		}
	}
	for b := range 256 {
		d := &eventDeflater{win: make([]byte, 0, edWinCap)}
		d.reset()
		d.putBits(2, 3)
		d.inBlock = true
		d.putLiterals([]byte{byte(b)})
		var out bytes.Buffer
		d.flush(&out)
		got, _ := io.ReadAll(flate.NewReader(&out))
		if !bytes.Equal(got, []byte{byte(b)}) {
			t.Fatalf("literal %d decoded as %x", b, got)
		}
	}
}

// gzsHeld names what the stream compresses with now.
func gzsHeld(s *gzipStream) string {
	switch {
	case s.ed != nil:
		return "eventDeflater"
	case s.fw != nil:
		return "flate.Writer"
	}
	return "nothing"
}

// TestGzipStreamHandsLongEventsToFlate: a stream's first event, with no
// history, goes to a flate.Writer; a resumed stream encodes a short
// event itself, and hands a long one to a flate.Writer, whether it comes
// in one Write or in pieces; the next resume encodes short events itself
// again, and the whole member decodes.
func TestGzipStreamHandsLongEventsToFlate(t *testing.T) {
	events := gzsSSECorpus(300, 9)
	long := bytes.Repeat([]byte("data: a longer event with some text in it, repeated\n"), 40)
	var out, want bytes.Buffer
	s := newGzipStream(gzsNewPool(t, 5), defaultGzipHistorySize)
	s.Reset(&out)
	step := func(what string, p []byte, pieces int, after string) {
		t.Helper()
		for len(p) > 0 {
			n := max(1, len(p)/pieces)
			if _, err := s.Write(p[:min(n, len(p))]); err != nil {
				t.Fatal(err)
			}
			want.Write(p[:min(n, len(p))])
			p = p[min(n, len(p)):]
		}
		if got := gzsHeld(s); got != after {
			t.Fatalf("%s: stream holds %s, want %s", what, got, after)
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	step("first event: no history to match", events[0], 1, "flate.Writer")
	s.Release()
	for _, ev := range events[1:150] {
		step("short event", ev, 1, "eventDeflater")
	}
	step("long event in one Write", long, 1, "flate.Writer")
	step("short event after it, still hot", events[150], 1, "flate.Writer")
	s.Release()
	step("short event after a release", events[151], 1, "eventDeflater")
	s.Release()
	step("long event in 20 pieces", long, 20, "flate.Writer")
	s.Release()
	for _, ev := range events[152:] {
		step("short event", ev, 3, "eventDeflater")
		s.Release()
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := gzsGunzip(t, out.Bytes()); !bytes.Equal(got, want.Bytes()) {
		t.Fatal("stream decoded wrongly")
	}
}

// TestGzipStreamPackedHistoryStaysBounded: releases append to the packed
// history, which is packed anew once past histSlack, so an idle stream
// never holds more than that; a stream hot long enough for the window to
// slide packs its last history; and all of it decodes.
func TestGzipStreamPackedHistoryStaysBounded(t *testing.T) {
	events := gzsSSECorpus(3000, 10)
	for _, every := range []int{1, 7, 400} { // 400 events slide the window
		t.Run(fmt.Sprint("release-every=", every), func(t *testing.T) {
			var out bytes.Buffer
			s := newGzipStream(gzsNewPool(t, 5), defaultGzipHistorySize)
			s.Reset(&out)
			appended, repacked := 0, 0
			for i, ev := range events {
				s.Write(ev)
				s.Flush()
				if i%every != every-1 {
					continue
				}
				before := s.histLen
				s.Release()
				if s.histLen > before {
					appended++
				} else {
					repacked++
				}
				if s.histLen > defaultGzipHistorySize+histSlack(defaultGzipHistorySize) {
					t.Fatalf("after event %d: %d bytes of history held", i, s.histLen)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if got := gzsGunzip(t, out.Bytes()); !bytes.Equal(got, bytes.Join(events, nil)) {
				t.Fatal("stream decoded wrongly")
			}
			if every == 1 && appended < 10*repacked {
				t.Errorf("%d releases appended to the packed history, %d packed it anew: want mostly appends", appended, repacked)
			}
		})
	}
}

// TestStreamReleaseKeepsStacksSmall: resuming, compressing and releasing
// needs no big stack frame. A broadcast wakes every idle stream, whose
// stack the GC has shrunk meanwhile; a frame of tens of KiB would make
// every one of them grow its stack again, and hold it until the next GC.
// (One did: ranging over the table array by value copied it onto the
// stack, and doubled the CPU of the first broadcast in the scale harness.)
func TestStreamReleaseKeepsStacksSmall(t *testing.T) {
	const streams = 200
	events := gzsSSECorpus(150, 11)
	pool := gzsNewPool(t, 5)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.StackInuse
	var ready sync.WaitGroup
	hold := make(chan struct{})
	ready.Add(streams)
	for range streams {
		go func() {
			s := newGzipStream(pool, defaultGzipHistorySize)
			s.Reset(io.Discard)
			for _, ev := range events {
				s.Write(ev)
				s.Flush()
				s.Release()
			}
			ready.Done()
			<-hold
		}()
	}
	ready.Wait()
	runtime.ReadMemStats(&ms)
	close(hold)
	per := int64(ms.StackInuse-before) / streams
	if per > 16<<10 {
		t.Fatalf("each stream's goroutine holds %d KiB of stack after releasing, want at most 16", per>>10)
	}
	t.Logf("%d KiB of stack per stream's goroutine", per>>10)
}

// TestLongEventAfterReleaseResumesWithHistory: a packed history may be
// longer than the stream's history size (histSlack); a long event after
// a release, which goes to a flate.Writer through the ring, still resumes
// with the last history, not without any.
func TestLongEventAfterReleaseResumesWithHistory(t *testing.T) {
	events := gzsSSECorpus(200, 12)
	var out, want bytes.Buffer
	s := newGzipStream(gzsNewPool(t, 5), defaultGzipHistorySize)
	s.Reset(&out)
	for _, ev := range events {
		s.Write(ev)
		s.Flush()
		s.Release()
		want.Write(ev)
	}
	if s.histLen <= defaultGzipHistorySize {
		t.Fatalf("packed history of %d bytes: the test needs one longer than the history size", s.histLen)
	}
	long := bytes.Repeat(events[0], 4)
	s.Write(long)
	want.Write(long)
	if gzsHeld(s) != "flate.Writer" || s.histLen != defaultGzipHistorySize {
		t.Fatalf("long event resumed %s with %d bytes of history, want flate.Writer with %d", gzsHeld(s), s.histLen, defaultGzipHistorySize)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := gzsGunzip(t, out.Bytes()); !bytes.Equal(got, want.Bytes()) {
		t.Fatal("stream decoded wrongly")
	}
}
