package streamzip

import (
	"encoding/binary"
	"io"
	"math/bits"
	"sync"
)

// eventDeflater compresses the short events of a resumed gzipStream: an
// LZ77 matcher (greedy, with one step of lazy matching) over the stream's
// history and the event, written as fixed-Huffman deflate blocks (RFC 1951
// §3.2.6).
//
// It exists because resuming a pooled flate.Writer costs its whole
// compressor run over the history (ResetDict encodes the dictionary and
// throws the output away), many times the cost of the event itself; a
// broadcast to every idle stream pays that once per stream. Here a resume
// only decodes the packed history into the window and indexes what the
// packing says is new text (primeFromPacked). An event of a few hundred
// bytes fits in one small block whose dynamic Huffman header would cost
// more than it saves, so flate.Writer also writes fixed codes for it: the
// bytes on the wire are about the same. A longer event goes back to a flate.Writer
// (maxEventDeflate), whose dynamic codes pay off there.
//
// Its output is byte-aligned deflate with every block closed after each
// flush, like a flate.Writer's after Flush, so the two take turns in one
// deflate stream: each refers back only into plaintext the reader has.
//
// An eventDeflater is not safe for concurrent use; gzipStream owns one
// while it compresses and gives it back to eventDeflaters.
type eventDeflater struct {
	// table maps the hash of edMinMatch bytes to the last position in win
	// indexed with them. Every candidate is checked against the window, so
	// an entry left from an earlier window, or a collision, only costs a
	// missed match: nothing needs clearing.
	table [edTableSize]uint16
	// win is the history followed by what was written since the resume;
	// it slides once full, keeping the last deflate window.
	win []byte
	// out holds the encoded bytes of the event being flushed; bits and
	// nbits the bits not yet a whole byte (LSB first, as deflate packs
	// them).
	out   []byte
	bits  uint64
	nbits uint
	// inBlock: a fixed-Huffman block is open (its header written, its
	// end-of-block code not yet).
	inBlock bool
	// sinceFlush counts the plaintext bytes written since the last flush,
	// the end of win, which flush encodes: past maxEventDeflate, the
	// stream hands over to a flate.Writer.
	sinceFlush int
	// tokens is what was encoded since the resume, in the packed history's
	// format (history_pack.go), while tokensOK: when win is exactly the
	// unpacked history followed by what was encoded, and tokens is short.
	// A release then appends tokens to the packed history instead of
	// packing the window anew.
	tokens   []byte
	tokensOK bool
}

const (
	edTableBits = 13
	edTableSize = 1 << edTableBits
	// edWindow is how far back a deflate match may reach.
	edWindow = 32 << 10
	// edWinCap is the window buffer: a deflate window plus room to append
	// before sliding.
	edWinCap = edWindow + 32<<10
	// edMaxMatch bounds a deflate match; edMinMatch is the shortest match
	// looked for, the bytes the hash covers.
	edMaxMatch = 258
	edMinMatch = 5
	// primeStride: where text is indexed sparsely (a history's recent
	// tail, the inside of a match), one position in primeStride is. A
	// repeat of at least edMinMatch+primeStride-1 bytes is still found
	// there (its start is then extended backwards), which is what events
	// repeat: field names, ids, the line structure.
	primeStride = 2
	// maxEventDeflate is the most plaintext between two flushes that an
	// eventDeflater encodes; the rest of a longer event is handed to a
	// flate.Writer. Fixed codes cost little on a short event, but on
	// longer ones a flate.Writer's dynamic codes save more and more
	// (BenchmarkEventDeflaterVersusFlate: a few percent at 256 bytes of
	// text, over a tenth at 512, a fifth at 1 KiB), which then pays for
	// priming it.
	maxEventDeflate = 512
	// maxTokens bounds tokens; past it a release packs the window anew.
	maxTokens = 4 << 10
)

// eventDeflaters are shared by all streams: a stream holds one only while
// it compresses.
var eventDeflaters = sync.Pool{New: func() any {
	return &eventDeflater{win: make([]byte, 0, edWinCap), out: make([]byte, 0, 2*maxEventDeflate), tokens: make([]byte, 0, maxTokens)}
}}

// reset forgets the window and any output not written. The table keeps its
// entries: every candidate is checked against the window, so a stale one
// only costs a missed match.
func (d *eventDeflater) reset() {
	d.win = d.win[:0]
	d.out = d.out[:0]
	d.bits, d.nbits, d.inBlock, d.sinceFlush = 0, 0, false, 0
	d.tokens, d.tokensOK = d.tokens[:0], true // win is empty: so is the history
}

// historySpace returns the window's free capacity for the history to be
// decoded into.
func (d *eventDeflater) historySpace() []byte { return d.win[:cap(d.win)] }

// history returns the last n bytes written to the window (at most what it
// holds).
func (d *eventDeflater) history(n int) []byte {
	return d.win[len(d.win)-min(n, len(d.win)):]
}

// write takes what it can of p into the window and returns how much that
// is: all of it, unless the plaintext since the last flush would go past
// maxEventDeflate, where the stream hands over to a flate.Writer. It
// encodes nothing: flush encodes the whole event at once, so that a match
// may run across the pieces a handler writes an event in ("data: ", the
// payload, "\n\n"), as it does in a flate.Writer, which also waits.
func (d *eventDeflater) write(p []byte) int {
	p = p[:min(len(p), maxEventDeflate-d.sinceFlush)]
	if len(d.win)+len(p) > cap(d.win) {
		d.slide() // keeps the last edWindow bytes: all not yet encoded among them
	}
	d.win = append(d.win, p...)
	d.sinceFlush += len(p)
	return len(p)
}

// slide keeps the last deflate window of win at its front.
func (d *eventDeflater) slide() {
	drop := len(d.win) - edWindow
	copy(d.win, d.win[drop:])
	d.win = d.win[:edWindow]
	d.tokensOK = false // the window no longer starts where the history did
	t := &d.table      // not range d.table: that copies the array onto the stack
	for i, p := range t {
		t[i] = uint16(max(int(p)-drop, 0))
	}
}

// flush encodes what was written since the last flush, ends the block and
// appends an empty stored block, so the output is byte-aligned and
// decodable to the last byte written (the sync flush of zlib and
// flate.Writer), and writes it to dst.
func (d *eventDeflater) flush(dst io.Writer) error {
	if d.sinceFlush > 0 {
		d.encode(len(d.win) - d.sinceFlush)
	}
	if d.inBlock {
		d.putBits(0, 7) // end of block: code 256 is seven zero bits
		d.inBlock = false
	}
	d.putBits(0, 3) // stored block, not final
	d.nbits = (d.nbits + 7) &^ 7
	d.drainBits()
	d.out = append(d.out, 0, 0, 0xff, 0xff) // LEN 0, NLEN
	d.sinceFlush = 0
	return d.writeOut(dst)
}

// writeOut writes the whole bytes encoded so far.
func (d *eventDeflater) writeOut(dst io.Writer) error {
	if len(d.out) == 0 {
		return nil
	}
	n, err := dst.Write(d.out)
	if err == nil && n < len(d.out) {
		err = io.ErrShortWrite
	}
	d.out = d.out[:0]
	return err
}

// encode writes win[start:] as literals and matches into the open block.
func (d *eventDeflater) encode(start int) {
	if !d.inBlock {
		d.putBits(2, 3) // BFINAL 0, BTYPE 01: fixed Huffman codes
		d.inBlock = true
	}
	win, table := d.win, &d.table
	s, emitted := start, start
	for s+8 <= len(win) {
		cv := binary.LittleEndian.Uint64(win[s:])
		h := edHash(cv)
		cand := int(table[h])
		table[h] = uint16(s)
		if cand >= s || s-cand > edWindow || !edSameKey(binary.LittleEndian.Uint64(win[cand:]), cv) {
			s++
			continue
		}
		// Extend backwards over bytes not yet emitted, then forwards.
		for cand > 0 && s > emitted && win[cand-1] == win[s-1] {
			cand--
			s--
		}
		n := edMatchLen(win[cand:], win[s:min(len(win), s+edMaxMatch)])
		// Lazy: a longer match one byte on is worth a literal.
		if t := s + 1; t+8 <= len(win) && n < edMaxMatch {
			cv2 := binary.LittleEndian.Uint64(win[t:])
			h2 := edHash(cv2)
			c2 := int(table[h2])
			table[h2] = uint16(t)
			if c2 < t && t-c2 <= edWindow && edSameKey(binary.LittleEndian.Uint64(win[c2:]), cv2) {
				if n2 := edMatchLen(win[c2:], win[t:min(len(win), t+edMaxMatch)]); n2 > n+1 {
					s, cand, n = t, c2, n2
				}
			}
		}
		d.putLiterals(win[emitted:s])
		d.putMatch(n, s-cand)
		// Index the match's positions too, sparsely: the next event
		// finds the same text here, nearer than its older copy.
		for i := s + 1; i+8 <= len(win) && i < s+n; i += primeStride {
			table[edHash(binary.LittleEndian.Uint64(win[i:]))] = uint16(i)
		}
		s += n
		emitted = s
	}
	d.putLiterals(win[emitted:])
}

// edMatchLen returns how many leading bytes a and b share; len(b) bounds it.
func edMatchLen(a, b []byte) int {
	n := 0
	for len(b)-n >= 8 {
		x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:])
		if x != 0 {
			return n + bits.TrailingZeros64(x)>>3
		}
		n += 8
	}
	for n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// edHash hashes the low edMinMatch bytes of u into the table.
func edHash(u uint64) uint32 {
	return uint32(((u << (64 - 8*edMinMatch)) * 0xcf1bbcdcb7a56463) >> (64 - edTableBits))
}

// edSameKey reports whether a and b start with the same edMinMatch bytes.
func edSameKey(a, b uint64) bool { return (a^b)<<(64-8*edMinMatch) == 0 }

// putLiterals writes each byte of p as a fixed-Huffman literal.
func (d *eventDeflater) putLiterals(p []byte) {
	if len(p) == 0 {
		return
	}
	if d.tokensOK = d.tokensOK && len(d.tokens)+len(p)+binary.MaxVarintLen32 <= maxTokens; d.tokensOK {
		d.tokens = appendLiteralRun(d.tokens, p)
	}
	for _, b := range p {
		c := fixedLiteralCodes[b]
		d.putBits(uint64(c.bits), uint(c.n))
	}
}

// putMatch writes a match of length n at distance dist: the length's
// code and extra bits, then the distance's.
func (d *eventDeflater) putMatch(n, dist int) {
	if d.tokensOK = d.tokensOK && len(d.tokens)+2*binary.MaxVarintLen32 <= maxTokens; d.tokensOK {
		d.tokens = appendCopy(d.tokens, n, dist)
	}
	l := fixedLengthCodes[n]
	d.putBits(uint64(l.bits), uint(l.n))
	dc := distanceCode(dist)
	d.putBits(uint64(dc.bits), uint(dc.n))
}

// putBits appends the n low bits of b to the bit stream.
func (d *eventDeflater) putBits(b uint64, n uint) {
	d.bits |= b << d.nbits
	d.nbits += n
	if d.nbits >= 32 {
		d.out = binary.LittleEndian.AppendUint32(d.out, uint32(d.bits))
		d.bits >>= 32
		d.nbits -= 32
	}
}

// drainBits moves whole bytes of pending bits to out.
func (d *eventDeflater) drainBits() {
	for d.nbits >= 8 {
		d.out = append(d.out, byte(d.bits))
		d.bits >>= 8
		d.nbits -= 8
	}
}

// deflateCode is a Huffman code with any extra bits after it, ready for
// putBits: bit-reversed code in the low n bits, as deflate sends codes
// from their most significant bit.
type deflateCode struct {
	bits uint32
	n    uint8
}

var (
	// fixedLiteralCodes[b] is literal b's fixed code (§3.2.6).
	fixedLiteralCodes [256]deflateCode
	// fixedLengthCodes[n] is match length n's fixed code and extra bits,
	// for 3 ≤ n ≤ 258.
	fixedLengthCodes [edMaxMatch + 1]deflateCode
)

func init() {
	for b := range 256 {
		fixedLiteralCodes[b] = fixedLitLenCode(b)
	}
	// Length codes 257-284 cover 3-257 in runs of 4 codes per extra-bit
	// count; 285 is 258 alone.
	sym, base := 257, 3
	for extra := uint(0); extra <= 5; extra++ {
		count := 4
		if extra == 0 {
			count = 8
		}
		for range count {
			for v := range 1 << extra {
				if base+v > 257 {
					break
				}
				c := fixedLitLenCode(sym)
				fixedLengthCodes[base+v] = deflateCode{c.bits | uint32(v)<<c.n, c.n + uint8(extra)}
			}
			sym++
			base += 1 << extra
		}
	}
	fixedLengthCodes[258] = fixedLitLenCode(285)
}

// fixedLitLenCode returns literal/length symbol sym's fixed Huffman code.
func fixedLitLenCode(sym int) deflateCode {
	var code, n int
	switch {
	case sym < 144:
		code, n = 0x30+sym, 8
	case sym < 256:
		code, n = 0x190+sym-144, 9
	case sym < 280:
		code, n = sym-256, 7
	default:
		code, n = 0xc0+sym-280, 8
	}
	return deflateCode{uint32(bits.Reverse16(uint16(code)) >> (16 - n)), uint8(n)}
}

// distanceCode returns the fixed code (five bits) and extra bits for a
// distance from 1 to 32768 (§3.2.5).
func distanceCode(dist int) deflateCode {
	d := uint32(dist - 1)
	if d < 4 {
		return deflateCode{uint32(bits.Reverse8(uint8(d)) >> 3), 5}
	}
	nb := uint(bits.Len32(d)) - 1 // ≥ 2
	sym := 2*nb + uint(d>>(nb-1))&1
	extra := d & (1<<(nb-1) - 1)
	return deflateCode{uint32(bits.Reverse8(uint8(sym))>>3) | extra<<5, uint8(5 + nb - 1)}
}
