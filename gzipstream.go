package streamzip

import (
	"errors"
	"hash/crc32"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/flate"
)

// defaultGzipHistorySize is the plaintext history a released gzipStream keeps
// to prime the compressor when it resumes.
//
// BenchmarkGzipStreamRatio gives the share of a stateful level-5 writer's
// ratio each size keeps on the token corpus, BenchmarkGzipStreamIdleHeap
// what an idle stream holds with it, BenchmarkGzipStreamResume what a
// resume costs (README, "Streams at scale"). The history is kept packed
// while idle (history_pack.go), many times smaller on event streams, so
// the idle cost grows slowly with the size, while a resume unpacks and
// indexes it, and a release packs it: both grow with it. 24 KiB is the
// smallest size that keeps the ratio README states.
const defaultGzipHistorySize = 24 << 10

// maxGzipHistorySize is the deflate window: a back-reference cannot reach
// further, so more history than this would never be used.
const maxGzipHistorySize = 32 << 10

var (
	// errGzipStreamClosed is returned by Write and Flush after Close.
	errGzipStreamClosed = errors.New("streamzip: write to closed gzip stream")
	// errGzipStreamAbandoned is returned by every call after Abandon.
	errGzipStreamAbandoned = errors.New("streamzip: gzip stream abandoned")
)

// gzipFinalEmptyBlock is a final fixed-Huffman deflate block holding only the
// end-of-block code (BFINAL=1, BTYPE=01, EOB=0000000). It is valid wherever
// the bit stream is byte aligned, which it is after every sync flush, so a
// stream can be ended without taking a flate writer from the pool.
var gzipFinalEmptyBlock = [2]byte{0x03, 0x00}

// flateWriterPool hands out *flate.Writer at one compression level.
//
// A flate writer at level 5 owns roughly 1 MiB of tables and buffers, so
// streams that are idle most of the time should hold one only while they
// compress. The pool is safe for concurrent use.
type flateWriterPool struct {
	level int
	// usesDict is false for the levels whose compressor ignores a preset
	// dictionary (0 stores, -2 is Huffman only); streams then keep no history.
	usesDict bool
	// events: streams compress short events with an eventDeflater, which
	// compresses them about as well as a flate.Writer at the default
	// level and better than at lower ones. At higher levels, chosen for
	// their ratio, streams keep to flate.Writer and pay for its resumes.
	events bool
	// free keeps a few writers across garbage collections, which empty
	// pool: without it a broadcast to many streams that release right away
	// allocates fresh 1 MiB writers whenever a GC lands mid-broadcast. It
	// is drained once it has gone unused for a whole freeIdle period (see
	// onFreeTimer), so a burst does not pin its writers forever.
	free chan *flate.Writer
	pool sync.Pool
	// freeIdle is the drain period; freeTimer fires every period while
	// the free list holds writers (freeArmed).
	freeIdle  time.Duration
	freeTimer *time.Timer
	freeArmed atomic.Bool
	freeUsed  atomic.Bool // the free list was used since the last tick
	// putHook, if set, sees every compressor given back: a *flate.Writer
	// to this pool, or an *eventDeflater to eventDeflaters by a stream of
	// this pool. Tests use it to prove that abandoned compressors never
	// come back; it must be set before the pool is shared.
	putHook func(compressor any)
}

// flateFreeIdle is how long the free list must go unused before its
// writers are dropped: it is drained between one and two periods after the
// last broadcast, and kept while broadcasts come more often than that.
const flateFreeIdle = 15 * time.Second

// newFlateWriterPool returns a pool of flate writers at level, which must be
// one of the levels flate.NewWriter accepts: flate.HuffmanOnly (-2) through
// flate.BestCompression (9), where -1 means the default level (5).
func newFlateWriterPool(level int) (*flateWriterPool, error) {
	if level < flate.HuffmanOnly || level > flate.BestCompression {
		return nil, errors.New("streamzip: invalid flate compression level")
	}
	p := &flateWriterPool{
		level:    level,
		usesDict: level != flate.NoCompression && level != flate.HuffmanOnly,
		events:   level == flate.DefaultCompression || flate.BestSpeed <= level && level <= 5,
		free:     make(chan *flate.Writer, flateFreeListSize()),
		freeIdle: flateFreeIdle,
	}
	p.freeTimer = time.AfterFunc(time.Hour, p.onFreeTimer)
	p.freeTimer.Stop() // armed by the first put into the free list
	return p, nil
}

// flateFreeListSize is how many writers survive a GC: a few per CPU, as
// many as can compress at once with some slack (about 4 MiB per CPU).
func flateFreeListSize() int { return 4 * runtime.GOMAXPROCS(0) }

// noteFreeUse records that the free list served or took a writer, and makes
// sure a drain tick is coming. The loads first keep broadcasting CPUs from
// writing the same cache line on every call.
func (p *flateWriterPool) noteFreeUse() {
	if !p.freeUsed.Load() {
		p.freeUsed.Store(true)
	}
	if !p.freeArmed.Load() && p.freeArmed.CompareAndSwap(false, true) {
		p.freeTimer.Reset(p.freeIdle)
	}
}

// onFreeTimer runs every freeIdle while the free list is armed. A list used
// during the last period is kept; one left unused for a whole period is
// emptied, and its writers are left to the garbage collector.
func (p *flateWriterPool) onFreeTimer() {
	if p.freeUsed.Swap(false) {
		p.freeTimer.Reset(p.freeIdle)
		return
	}
	p.drainFree()
	p.freeArmed.Store(false)
	// A put that saw the timer armed just before the Store above did not
	// arm it: its writer is in the list, so look once more.
	if len(p.free) > 0 && p.freeArmed.CompareAndSwap(false, true) {
		p.freeTimer.Reset(p.freeIdle)
	}
}

// drainFree drops every writer in the free list.
func (p *flateWriterPool) drainFree() {
	for {
		select {
		case <-p.free:
		default:
			return
		}
	}
}

// get returns a writer that compresses to dst as if dict had already been
// written to it: back-references may point into dict, but nothing is emitted
// for it, and no stream header is written (flate writers are raw deflate).
func (p *flateWriterPool) get(dst io.Writer, dict []byte) *flate.Writer {
	select {
	case w := <-p.free:
		p.noteFreeUse()
		w.ResetDict(dst, dict)
		return w
	default:
	}
	if v := p.pool.Get(); v != nil {
		w := v.(*flate.Writer)
		w.ResetDict(dst, dict)
		return w
	}
	// The level was validated by newFlateWriterPool, so this cannot fail.
	w, _ := flate.NewWriter(dst, p.level)
	if len(dict) > 0 {
		// Not NewWriterDict: it keeps a private copy of dict, an allocation
		// that the next ResetDict would throw away.
		w.ResetDict(dst, dict)
	}
	return w
}

// put gives w back for reuse. The caller must not use w afterwards.
func (p *flateWriterPool) put(w *flate.Writer) {
	// A writer remembers both its destination and the dictionary slice it was
	// reset with. Forget them so that an idle pooled writer pins neither a
	// response writer nor a stream's history, and cannot leak that history into
	// another stream through Reset.
	w.ResetDict(nil, nil)
	if p.putHook != nil {
		p.putHook(w)
	}
	select {
	case p.free <- w:
		p.noteFreeUse()
	default:
		p.pool.Put(w)
	}
}

// gzipStream writes one gzip member (RFC 1952) whose deflate compressor can be
// released while the stream is idle and resumed later.
//
// While hot the stream holds a compressor: an eventDeflater (from the
// resume on, for events of up to maxEventDeflate bytes), or a pooled
// *flate.Writer (once an event was longer), primed with the history.
// Release flushes and gives it back, keeping only the last historySize
// bytes of plaintext, packed (history_pack.go); the next Write takes an
// eventDeflater and resumes with that history as its window. Because a
// sync flush leaves the deflate bit stream byte aligned with every block
// closed, the new compressor continues the same deflate stream: its
// back-references into the history point at output the decoder already
// has. The gzip header, CRC-32 and ISIZE are kept here rather than by a
// gzip.Writer so that they survive the change of compressor. The reader
// sees a single ordinary gzip member.
//
// A gzipStream is not safe for concurrent use. In particular Release, which an
// idle timer typically calls, must not run concurrently with Write, Flush or
// Close; the caller serializes them, e.g. with a mutex.
type gzipStream struct {
	pool *flateWriterPool
	dst  io.Writer
	// fw is the compressor while hot, nil while released (and before the first
	// Write and after Close). ed replaces it for short events: a resume
	// takes an eventDeflater, which hands over to fw when an event is too
	// long for it (maxEventDeflate). At most one of the two is set.
	fw *flate.Writer
	ed *eventDeflater

	// While fw is hot, hist is a ring buffer of the most recent plaintext,
	// taken from historyRings when an eventDeflater hands over to fw. A
	// ring costs one copy of the written bytes per Write; it is made
	// contiguous only when the stream releases, which is rare next to
	// Writes. While ed is hot, the history is the start of its window.
	// While released, the history is kept in packed: an event stream's
	// history packs many times smaller, and an idle stream holds only that.
	ring     *[]byte // from historyRings while fw is hot, else nil
	hist     []byte  // (*ring)[:histSize] while fw is hot, else nil
	packed   []byte  // the history while released (history_pack.go)
	histSize int     // the history kept, at least
	histLen  int     // valid bytes of history: at most histSize in the ring, histSize+histSlack(histSize) packed
	histPos  int     // index in hist where the next byte goes

	crc  uint32 // CRC-32 (IEEE) of the plaintext so far
	size uint32 // plaintext length mod 2^32 (ISIZE)

	wroteHeader bool
	pending     bool // bytes were written to fw since its last sync flush
	closed      bool
	err         error // sticky: once set, the stream is broken until Reset

	// buf assembles the header and the end of the stream so that each goes to
	// dst in one Write without allocating.
	buf [10 + len(gzipFinalEmptyBlock) + 8]byte
}

// newGzipStream returns a stream that takes compressors from pool and keeps
// the last historySize bytes of plaintext while released (up to a third
// more, see histSlack). historySize is clamped to
// [0, 32 KiB], the deflate window; 0 resumes without a dictionary, which is
// valid but compresses worse. The stream needs Reset before use.
func newGzipStream(pool *flateWriterPool, historySize int) *gzipStream {
	historySize = max(0, min(historySize, maxGzipHistorySize))
	if !pool.usesDict {
		historySize = 0
	}
	// Until Reset the stream behaves as closed: it has no destination.
	return &gzipStream{pool: pool, histSize: historySize, closed: true, err: errGzipStreamClosed}
}

// Reset starts a new gzip member written to dst. The header is written lazily,
// by the first Write, Flush or Close, so a stream that ends up with no body can
// still be discarded. The history buffer is kept for reuse. A compressor left
// from the previous member is returned to the pool.
func (s *gzipStream) Reset(dst io.Writer) {
	if s.fw != nil {
		// Whatever the old member left in it, ResetDict in put discards.
		s.pool.put(s.fw)
		s.fw = nil
	}
	s.putEventDeflater()
	s.dst = dst
	s.histLen, s.histPos = 0, 0
	s.packed = s.packed[:0]
	s.crc, s.size = 0, 0
	s.wroteHeader, s.pending, s.closed = false, false, false
	s.err = nil
}

// Write compresses p. If the stream is released, it first takes a compressor
// from the pool and resumes the deflate stream with the history as preset
// dictionary. A zero-length Write does nothing, so it neither writes the
// header nor takes a compressor. Nothing is guaranteed to reach dst before
// Flush.
func (s *gzipStream) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if err := s.writeHeader(); err != nil {
		return 0, err
	}
	if s.fw == nil && s.ed == nil && s.histSize > 0 {
		// The first event has no history to match: all new text, which
		// the dynamic codes of a flate.Writer send smaller, and priming
		// nothing costs it nothing. A long event goes there too.
		if s.pool.events && s.histLen > 0 && len(p) <= maxEventDeflate {
			s.resumeEvents()
		} else if s.hist == nil {
			s.unpackRing()
		}
	}
	written := 0
	if s.ed != nil && s.ed.sinceFlush == 0 && len(p) > maxEventDeflate {
		// A long event in one Write: all of it to a flate.Writer.
		if err := s.handOver(); err != nil {
			return 0, err
		}
	}
	if s.ed != nil {
		n := s.ed.write(p)
		s.accept(p[:n])
		if n == len(p) {
			return n, nil
		}
		// Too long or too new for fixed codes: a flate.Writer goes on.
		if err := s.handOver(); err != nil {
			return n, err
		}
		written, p = n, p[n:]
	}
	if s.fw == nil {
		s.resume()
	}
	n, err := s.fw.Write(p)
	// Account for what the compressor consumed even on error: the stream is
	// broken then anyway, and the counters must describe what it accepted.
	s.accept(p[:n])
	s.remember(p[:n])
	if err != nil {
		s.fail(err)
		return written + n, err
	}
	return written + n, nil
}

// accept counts p, which a compressor took, into the gzip trailer.
func (s *gzipStream) accept(p []byte) {
	if len(p) == 0 {
		return
	}
	s.crc = crc32.Update(s.crc, crc32.IEEETable, p)
	s.size += uint32(len(p))
	s.pending = true
}

// Flush performs a sync flush: every byte written so far reaches dst in a form
// the reader can decode without waiting for more input. It writes the header
// if nothing has been written yet. A Flush with nothing written since the last
// one writes nothing (no empty sync marker).
func (s *gzipStream) Flush() error {
	if s.err != nil {
		return s.err
	}
	if err := s.writeHeader(); err != nil {
		return err
	}
	if !s.pending {
		return nil
	}
	if s.ed != nil {
		if err := s.ed.flush(s.dst); err != nil {
			s.fail(err)
			return err
		}
		s.pending = false
		return nil
	}
	if err := s.fw.Flush(); err != nil {
		s.fail(err)
		return err
	}
	s.pending = false
	return nil
}

// Release gives the compressor back to the pool, keeping only the history.
// It is meant to be called when the stream has just been flushed; if bytes
// are pending it flushes them first, so it is always safe, at the cost of
// sending them. A flush error breaks the stream, as it would from Flush, and
// is reported by the next call. Release is idempotent and a no-op on a broken
// or closed stream. It must not run concurrently with other methods.
func (s *gzipStream) Release() {
	if s.Released() || s.err != nil {
		return
	}
	if s.pending {
		if err := s.Flush(); err != nil {
			return // fail already dropped the writer
		}
	}
	if s.ed != nil {
		s.packEvents()
		s.putEventDeflater()
		return
	}
	s.pool.put(s.fw)
	s.fw = nil
	s.packHistory()
}

// Released reports whether the stream holds no compressor: after Release,
// but also before the first Write and after Close.
func (s *gzipStream) Released() bool {
	return s.fw == nil && s.ed == nil
}

// Close writes the final deflate block and the gzip trailer (CRC-32, ISIZE)
// and gives the compressor back to the pool. A stream that is released or has
// just been flushed ends without taking a compressor. Closing a closed stream
// returns nil; any other use after Close needs Reset.
func (s *gzipStream) Close() error {
	if s.closed {
		return nil
	}
	if s.err != nil {
		return s.err
	}
	b := s.buf[:0]
	if !s.wroteHeader {
		b = s.appendHeader(b)
		s.wroteHeader = true
	}
	if s.pending && s.ed != nil {
		// Its blocks cannot be final: end them as if released.
		if err := s.ed.flush(s.dst); err != nil {
			s.fail(err)
			return err
		}
		s.pending = false
	}
	s.putEventDeflater()
	if s.pending {
		// Let the compressor end its own last block rather than sync flushing
		// and appending an empty final block: the output is a little smaller.
		if err := s.fw.Close(); err != nil {
			s.fail(err)
			return err
		}
	} else {
		b = append(b, gzipFinalEmptyBlock[:]...)
	}
	if s.fw != nil {
		s.pool.put(s.fw)
		s.fw = nil
	}
	s.dropRing()
	s.histLen, s.histPos, s.packed = 0, 0, s.packed[:0]
	b = append(b,
		byte(s.crc), byte(s.crc>>8), byte(s.crc>>16), byte(s.crc>>24),
		byte(s.size), byte(s.size>>8), byte(s.size>>16), byte(s.size>>24))
	if err := s.writeDst(b); err != nil {
		return err
	}
	s.pending = false
	s.closed = true
	s.err = errGzipStreamClosed
	s.dst = nil
	return nil
}

// Abandon drops the stream without writing anything more and WITHOUT giving
// the compressor back to the pool: after a handler panic it may have been left
// mid-call in an inconsistent state, and must not be handed to another stream.
// The history buffer is kept for reuse by Reset; every other call fails until
// then.
func (s *gzipStream) Abandon() {
	s.fw, s.ed = nil, nil
	s.dst = nil
	s.ring, s.hist = nil, nil // the compressor may still point into it: not pooled
	s.histLen, s.histPos, s.packed = 0, 0, s.packed[:0]
	s.pending = false
	s.err = errGzipStreamAbandoned
}

// resume takes a compressor from the pool, primed with the history.
func (s *gzipStream) resume() {
	var dict []byte
	if s.histLen > 0 {
		s.straighten()
		dict = s.hist[:s.histLen]
	}
	s.fw = s.pool.get(s.dst, dict)
}

// straighten makes the ring contiguous: once it has wrapped, the oldest byte
// is at histPos; rotate it to the front so the history is one slice in
// stream order.
func (s *gzipStream) straighten() {
	if s.histLen == len(s.hist) && s.histPos != 0 {
		gzsRotateLeft(s.hist, s.histPos)
		s.histPos = 0
	}
}

// historyRings hold the plaintext history of hot streams, at the deflate
// window's size whatever the stream's history size, so that all share them.
var historyRings = sync.Pool{New: func() any { b := make([]byte, maxGzipHistorySize); return &b }}

// packScratch is where histories are packed before being copied, at
// their packed size, into the stream.
var packScratch = sync.Pool{New: func() any { b := make([]byte, 0, maxGzipHistorySize+64); return &b }}

// packHistory packs the ring's history into packed and gives the ring
// back. The compressor has been given back already: it no longer points
// into the ring.
func (s *gzipStream) packHistory() {
	if s.ring == nil {
		return
	}
	s.straighten()
	d := eventDeflaters.Get().(*eventDeflater) // for its table
	s.pack(s.hist[:s.histLen], &d.table)
	eventDeflaters.Put(d)
	s.dropRing()
}

// pack keeps h, the history in stream order, packed (history_pack.go),
// using table as the packer's scratch.
func (s *gzipStream) pack(h []byte, table *[edTableSize]uint16) {
	s.histLen, s.histPos = len(h), 0
	if len(h) == 0 {
		s.packed = s.packed[:0]
		return
	}
	scratch := packScratch.Get().(*[]byte)
	enc := appendPackedHistory((*scratch)[:0], h, table)
	n := len(enc)
	if cap(s.packed) < n || cap(s.packed) > 2*n+256 {
		// Some slack, so that a history that grows a little does not
		// reallocate at every release.
		s.packed = make([]byte, 0, n+n/8+64)
	}
	s.packed = append(s.packed[:0], enc...)
	*scratch = enc
	packScratch.Put(scratch)
}

// histSlack is how far past histSize a packed history may grow: a third
// more (as long as it fits a history ring, see unpackRing), so that most releases append what the eventDeflater encoded to the
// packed history (its tokens) rather than pack the whole window anew; once
// past it, or past packed's capacity, the last histSize bytes are packed.
func histSlack(histSize int) int { return min(histSize/3, maxGzipHistorySize-histSize) }

// packEvents keeps the eventDeflater's window as the packed history.
func (s *gzipStream) packEvents() {
	d := s.ed
	if d.tokensOK && len(d.win) <= s.histSize+histSlack(s.histSize) && len(s.packed)+len(d.tokens) <= cap(s.packed) {
		s.packed = append(s.packed, d.tokens...)
		s.histLen, s.histPos = len(d.win), 0
		return
	}
	s.pack(d.history(s.histSize), &d.table)
}

// unpackRing takes a ring and restores the history into it, for a
// flate.Writer to resume with. A packed history may hold up to
// histSlack(histSize) bytes more than the ring keeps: it is unpacked whole
// into the ring's buffer, which histSlack keeps big enough, and its last
// histSize bytes are kept.
func (s *gzipStream) unpackRing() {
	s.ring = historyRings.Get().(*[]byte)
	buf := *s.ring
	n, ok := unpackHistory(buf, s.packed)
	if !ok || n != s.histLen {
		// Cannot happen (pack wrote it); resuming without history only
		// compresses worse.
		n = 0
	}
	keep := min(n, s.histSize)
	copy(buf, buf[n-keep:n])
	s.hist = buf[:s.histSize]
	s.histLen, s.histPos = keep, keep%s.histSize
}

// resumeEvents takes an eventDeflater and primes it with the history.
func (s *gzipStream) resumeEvents() {
	d := eventDeflaters.Get().(*eventDeflater)
	d.reset()
	s.ed = d
	s.dropRing() // Write resumes here only with a packed history: nothing in it
	if s.histLen == 0 {
		return
	}
	if n, ok := unpackHistory(d.historySpace(), s.packed); ok && n == s.histLen {
		d.win = d.win[:n]
		primeFromPacked(&d.table, d.win, s.packed)
		return
	}
	// Cannot happen (pack wrote it); resuming without history only
	// compresses worse, and the next release must not append to it.
	s.histLen, s.packed = 0, s.packed[:0]
}

// handOver ends the eventDeflater's output (a sync flush, so the deflate
// stream is byte-aligned with every block closed) and moves its history to
// the ring, for a flate.Writer to continue the stream.
func (s *gzipStream) handOver() error {
	if s.pending {
		if err := s.ed.flush(s.dst); err != nil {
			s.fail(err)
			return err
		}
	}
	s.ring = historyRings.Get().(*[]byte)
	s.hist = (*s.ring)[:s.histSize]
	s.histLen = copy(s.hist, s.ed.history(s.histSize))
	s.histPos = s.histLen % s.histSize
	s.putEventDeflater()
	s.pending = false
	return nil
}

// putEventDeflater gives the eventDeflater back, if the stream holds one.
func (s *gzipStream) putEventDeflater() {
	if s.ed == nil {
		return
	}
	if s.pool.putHook != nil {
		s.pool.putHook(s.ed)
	}
	eventDeflaters.Put(s.ed)
	s.ed = nil
}

// dropRing gives the ring back.
func (s *gzipStream) dropRing() {
	if s.ring != nil {
		historyRings.Put(s.ring)
		s.ring, s.hist = nil, nil
	}
}

// remember appends p to the history ring, keeping the last len(s.hist) bytes.
func (s *gzipStream) remember(p []byte) {
	if s.histSize == 0 {
		return
	}
	n := len(s.hist) // allocated by Write
	if len(p) >= n {
		copy(s.hist, p[len(p)-n:])
		s.histLen, s.histPos = n, 0
		return
	}
	c := copy(s.hist[s.histPos:], p)
	if c < len(p) {
		// Only possible once the ring is full, since histPos == histLen
		// until then: wrap around over the oldest bytes.
		s.histPos = copy(s.hist, p[c:])
	} else if s.histPos += c; s.histPos == n {
		s.histPos = 0
	}
	s.histLen = min(s.histLen+len(p), n)
}

// writeHeader writes the gzip header if it has not been written yet.
func (s *gzipStream) writeHeader() error {
	if s.wroteHeader {
		return nil
	}
	if err := s.writeDst(s.appendHeader(s.buf[:0])); err != nil {
		return err
	}
	s.wroteHeader = true
	return nil
}

// appendHeader appends the fixed 10-byte gzip header: deflate, no flags, no
// mtime, the extra flags Go's gzip.Writer uses for the level, OS unknown.
func (s *gzipStream) appendHeader(b []byte) []byte {
	var xfl byte
	switch s.pool.level {
	case flate.BestCompression:
		xfl = 2
	case flate.BestSpeed:
		xfl = 4
	}
	return append(b, 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255)
}

// writeDst writes b to dst, breaking the stream on error.
func (s *gzipStream) writeDst(b []byte) error {
	n, err := s.dst.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		s.fail(err)
	}
	return err
}

// fail records err and drops the compressor without pooling it: after a
// failed write its output is out of step with what dst received, so the
// stream cannot continue, and the writer is simply left to the GC.
func (s *gzipStream) fail(err error) {
	s.err = err
	s.fw, s.ed = nil, nil
	s.pending = false
}

// gzsRotateLeft rotates b left by k in place (b[k] becomes b[0]) using block
// swaps through a small stack buffer, so the history needs no second buffer.
// It moves about 3*len(b) bytes with memmove, far cheaper than the compressor
// priming that follows.
func gzsRotateLeft(b []byte, k int) {
	for k != 0 && k != len(b) {
		if 2*k <= len(b) {
			gzsSwapBlocks(b[:k], b[len(b)-k:])
			b = b[:len(b)-k]
		} else {
			gzsSwapBlocks(b[:len(b)-k], b[k:])
			b, k = b[len(b)-k:], 2*k-len(b)
		}
	}
}

// gzsSwapBlocks swaps the contents of the equal-length, non-overlapping a and
// b.
func gzsSwapBlocks(a, b []byte) {
	var tmp [512]byte
	for len(a) > 0 {
		n := copy(tmp[:], a)
		copy(a, b[:n])
		copy(b, tmp[:n])
		a, b = a[n:], b[n:]
	}
}
