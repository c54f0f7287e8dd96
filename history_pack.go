package streamzip

import "encoding/binary"

// A released gzipStream keeps its history packed: LZ77 in a byte format of
// this file's own, which never leaves the process. An event stream's
// history is mostly the same few lines again, so it packs many times
// smaller, and an idle stream holds only that.
//
// A format of our own rather than S2 or Snappy, for three reasons: the
// eventDeflater's matches are already its tokens, so a release appends
// what the event added instead of packing the whole history anew
// (gzipStream.packEvents); a resume reads the tokens to index only the new
// text (primeFromPacked); and it packs these histories smaller
// (BenchmarkGzipStreamIdleHeap). Its encoder borrows the eventDeflater's
// table, which lives on the heap.
//
// The format is a sequence of tokens, each starting with a uvarint v:
//   - v even: a literal run of v/2 bytes, which follow;
//   - v odd: a copy of v/2 + edMinMatch bytes from a uvarint offset back
//     in the output (it may overlap what it writes).

// appendPackedHistory appends h, packed, to dst. table is scratch: any
// contents are fine, and it is left with positions of h.
func appendPackedHistory(dst, h []byte, table *[edTableSize]uint16) []byte {
	s, emitted := 0, 0
	for s+8 <= len(h) {
		cv := binary.LittleEndian.Uint64(h[s:])
		hh := edHash(cv)
		cand := int(table[hh])
		table[hh] = uint16(s)
		if cand >= s || !edSameKey(binary.LittleEndian.Uint64(h[cand:]), cv) {
			// Skip faster through bytes that do not repeat.
			s += 1 + (s-emitted)>>5
			continue
		}
		for cand > 0 && s > emitted && h[cand-1] == h[s-1] {
			cand--
			s--
		}
		n := edMatchLen(h[cand:], h[s:])
		dst = appendLiteralRun(dst, h[emitted:s])
		dst = appendCopy(dst, n, s-cand)
		s += n
		emitted = s
	}
	return appendLiteralRun(dst, h[emitted:])
}

// appendLiteralRun appends a literal token for p, if p is not empty.
func appendLiteralRun(dst, p []byte) []byte {
	if len(p) == 0 {
		return dst
	}
	dst = binary.AppendUvarint(dst, uint64(len(p))<<1)
	return append(dst, p...)
}

// appendCopy appends a copy token of n ≥ edMinMatch bytes from dist back.
func appendCopy(dst []byte, n, dist int) []byte {
	dst = binary.AppendUvarint(dst, uint64(n-edMinMatch)<<1|1)
	return binary.AppendUvarint(dst, uint64(dist))
}

// unpackHistory decodes packed into dst and returns the length decoded.
// ok is false if packed is not well formed or does not fit in dst; it
// cannot be, as appendPackedHistory wrote it, but a history is not worth
// a panic: the caller resumes without it.
func unpackHistory(dst, packed []byte) (n int, ok bool) {
	for len(packed) > 0 {
		v, k := binary.Uvarint(packed)
		if k <= 0 {
			return 0, false
		}
		packed = packed[k:]
		if v&1 == 0 {
			l := v >> 1
			if l > uint64(len(packed)) || l > uint64(len(dst)-n) {
				return 0, false
			}
			n += copy(dst[n:], packed[:l])
			packed = packed[l:]
			continue
		}
		l := v>>1 + edMinMatch
		off, k := binary.Uvarint(packed)
		if k <= 0 || off == 0 || off > uint64(n) || l > uint64(len(dst)-n) {
			return 0, false
		}
		packed = packed[k:]
		from, end := n-int(off), n+int(l)
		for n < end {
			// An overlapping copy repeats the last off bytes: copy them
			// in rounds, each at most as long as what is already there.
			n += copy(dst[n:end], dst[from:n])
		}
	}
	return n, true
}

// primeRecent is the tail of a history that a resume indexes densely,
// whatever the packing says: the last few events, whose lines the next
// event most likely repeats, at the nearest distance.
const primeRecent = 1 << 10

// primeFromPacked indexes into table the history win, which was just
// unpacked from packed, and costs far less than hashing every position.
// A copy in packed repeats earlier text, which is indexed already where
// it first appeared, so only its first position is; a literal run is new
// text, so all of its positions are; and the last primeRecent bytes are
// indexed at primeStride, so the lines the next event repeats are found
// at their nearest copy. Later positions overwrite earlier ones, as they
// would in a pass over win.
func primeFromPacked(table *[edTableSize]uint16, win, packed []byte) {
	index := func(i int) {
		if i+8 <= len(win) {
			table[edHash(binary.LittleEndian.Uint64(win[i:]))] = uint16(i)
		}
	}
	recent := max(0, len(win)-primeRecent)
	pos := 0
	for len(packed) > 0 && pos < recent {
		v, k := binary.Uvarint(packed)
		packed = packed[k:]
		if v&1 == 0 {
			l := int(v >> 1)
			for i := pos; i < pos+l && i < recent; i++ {
				index(i)
			}
			pos += l
			packed = packed[l:]
			continue
		}
		_, k = binary.Uvarint(packed)
		packed = packed[k:]
		index(pos)
		pos += int(v>>1) + edMinMatch
	}
	for i := recent; i+8 <= len(win); i += primeStride {
		table[edHash(binary.LittleEndian.Uint64(win[i:]))] = uint16(i)
	}
}
