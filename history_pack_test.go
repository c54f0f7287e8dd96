package streamzip

import (
	"bytes"
	"testing"
)

// FuzzHistoryPack checks that a packed history unpacks to itself, whatever
// the table held before, and that unpacking arbitrary bytes never panics
// nor writes past its buffer.
func FuzzHistoryPack(f *testing.F) {
	f.Add([]byte{}, []byte{})
	f.Add(bytes.Join(gzsSSECorpus(80, 2), nil), []byte{3, 4, 1, 0})
	f.Add(bytes.Repeat([]byte("ab"), 5000), []byte{8, 'x', 'y', 'z', 'w', 1, 1})
	f.Add([]byte("abcdefghabcdefghabcdefgh"), []byte{1, 200, 1})
	f.Fuzz(func(t *testing.T, h, packed []byte) {
		h = h[:min(len(h), maxGzipHistorySize)]
		var table [edTableSize]uint16
		for i := range table {
			table[i] = uint16(i * 7919) // stale entries from some other window
		}
		enc := appendPackedHistory(nil, h, &table)
		got := make([]byte, maxGzipHistorySize)
		n, ok := unpackHistory(got, enc)
		if !ok || !bytes.Equal(got[:n], h) {
			t.Fatalf("history of %d bytes unpacked to %d bytes (ok=%v)", len(h), n, ok)
		}
		small := make([]byte, 100)
		guard := make([]byte, 16)
		buf := append(small, guard...)[:100]
		if n, ok := unpackHistory(buf, packed); ok && n > len(buf) {
			t.Fatalf("unpacked %d bytes into %d", n, len(buf))
		}
		if !bytes.Equal(buf[100:116], guard) {
			t.Fatal("unpack wrote past its buffer")
		}
	})
}

// TestHistoryPackShrinksEventStreams: the token corpus's 16 KiB history
// packs many times smaller (what an idle stream holds).
func TestHistoryPackShrinksEventStreams(t *testing.T) {
	h := bytes.Join(gzsSSECorpus(200, 3), nil)
	h = h[len(h)-defaultGzipHistorySize:]
	var table [edTableSize]uint16
	enc := appendPackedHistory(nil, h, &table)
	if len(enc)*8 > len(h) {
		t.Fatalf("16 KiB of events packed to %d bytes, want under an eighth", len(enc))
	}
	t.Logf("16 KiB of token events packed to %d bytes", len(enc))
}
