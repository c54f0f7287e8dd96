package streamzip

import (
	"bytes"
	"testing"
)

// review3Compressed returns the gzip member for events, each written in
// pieces of at most piece bytes, flushed, and released after every event
// (what a broadcast to idle streams does), and checks that it decodes.
func review3Compressed(t *testing.T, events [][]byte, piece int) int {
	t.Helper()
	var out bytes.Buffer
	s := newGzipStream(gzsNewPool(t, 5), defaultGzipHistorySize)
	s.Reset(&out)
	for _, ev := range events {
		for p := ev; len(p) > 0; {
			n := min(piece, len(p))
			if _, err := s.Write(p[:n]); err != nil {
				t.Fatal(err)
			}
			p = p[n:]
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		s.Release()
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := gzsGunzip(t, out.Bytes()); !bytes.Equal(got, bytes.Join(events, nil)) {
		t.Fatal("decoded wrongly")
	}
	return out.Len()
}

// TestReview3SmallWritesLoseCompression: an event written in small pieces
// (a handler writing "data: ", the payload and "\n\n" separately, or a
// json.Encoder/bufio chain that writes a few bytes at a time) must compress
// about as well as the same event in one Write, as it did with a
// flate.Writer, which buffers. The eventDeflater encodes each Write on its
// own, and finds no match in a piece shorter than 8 bytes nor across pieces.
func TestReview3SmallWritesLoseCompression(t *testing.T) {
	events := gzsSSECorpus(300, 31)
	whole := review3Compressed(t, events, 1<<20)
	for _, piece := range []int{1, 4, 16} {
		got := review3Compressed(t, events, piece)
		plain := len(bytes.Join(events, nil))
		if got > whole*3/2 {
			t.Errorf("events written %d bytes at a time: %d compressed bytes, %d in one Write each (%d plaintext)", piece, got, whole, plain)
		}
	}
}
