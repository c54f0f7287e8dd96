package streamzip

import (
	"net/http"
	"sync"
	"time"
)

// releasingStream is a gzip-compressed event stream that gives its
// compressor back to the pool once it has been idle for releaseAfter, and
// resumes the same gzip member on the next event (see gzipStream). It is
// what makes thousands of mostly idle compressed SSE connections cheap: an
// idle one holds its plaintext history and this struct, not a ~1 MiB
// deflate state.
//
// A stream that will give its compressor back right after the event (a
// zero delay, or more hot streams than WithMaxHotStreams) compresses the
// event into a small staging buffer, releases, and only then writes to the
// connection. So it never holds a compressor across network I/O, and a
// broadcast to thousands of streams needs about as many compressors as
// there are CPUs, not one per stream.
//
// The handler's goroutine writes and flushes; a timer goroutine releases.
// mu serialises them. The timer is armed once per idle period, not reset
// per event: each event only records the time, and a timer that fires early
// re-arms itself for the rest of the period.
type releasingStream struct {
	mu        sync.Mutex
	gz        *gzipStream
	rw        http.ResponseWriter
	m         *middleware
	holding   bool // counted in m.hotStreams: gz holds (or is taking) a compressor
	transient bool // holding only for this event: release right after it
	after     time.Duration
	timer     *time.Timer
	last      time.Time // when the stream was last flushed
	armed     bool      // the timer is pending
	pending   bool      // bytes written since the last flush: never release mid-event
	closed    bool
	stopped   bool         // stopLocked stopped a pending timer
	out       stagedWriter // gz's destination
}

// stagedWriter is where a releasingStream's gzip bytes go: into staged
// while an event is compressed by a stream that releases right after it,
// else straight to the connection.
type stagedWriter struct {
	rw     http.ResponseWriter
	staged *[]byte // from stagingBuffers, nil when writing through
	limits *streamLimits
}

// Write stages p, or writes it to the connection when nothing is staged.
// Staging stops at maxStaged: what is staged goes out, and the rest of
// the event is written through.
func (o *stagedWriter) Write(p []byte) (int, error) {
	if o.staged != nil {
		if len(*o.staged)+len(p) <= maxStaged {
			*o.staged = append(*o.staged, p...)
			return len(p), nil
		}
		if err := o.send(); err != nil {
			return 0, err
		}
	}
	return o.rw.Write(p)
}

// send writes the staged bytes to the connection and returns the buffer.
func (o *stagedWriter) send() error {
	b := o.staged
	if b == nil {
		return nil
	}
	o.staged = nil
	_, err := o.rw.Write(*b)
	o.drop(b)
	return err
}

// drop returns a staging buffer to the pool, unless a huge p grew it.
func (o *stagedWriter) drop(b *[]byte) {
	if o.limits.stagedHook != nil {
		o.limits.stagedHook(len(*b))
	}
	if cap(*b) <= maxStagingBuffer {
		*b = (*b)[:0]
		stagingBuffers.Put(b)
	}
}

// stagingBuffers hold one compressed event each; a compressed ~250 B event
// is a few dozen bytes, so they stay small.
var stagingBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// maxStagingBuffer keeps a buffer that append grew past maxStaged out of
// the pool.
const maxStagingBuffer = 2 * maxStaged

func (m *middleware) newReleasingStream(rw http.ResponseWriter) *releasingStream {
	s := m.releasingStreams.Get().(*releasingStream)
	s.rw, s.out = rw, stagedWriter{rw: rw, limits: &m.streams}
	s.gz.Reset(&s.out)
	return s
}

// newPooledReleasingStream builds the pool's streams: each keeps its gzip
// state (and so its history buffer) and its timer from one use to the next.
func (m *middleware) newPooledReleasingStream() any {
	return &releasingStream{m: m, after: m.cfg.releaseAfter, gz: newGzipStream(m.flates, defaultGzipHistorySize)}
}

// sendStaged writes the staged bytes to the connection.
func (s *releasingStream) sendStaged() error { return s.out.send() }

// write compresses p, and flushes compressor and connection when p ended
// an event.
func (s *releasingStream) write(p []byte, endsEvent bool) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.holding && len(p) > 0 {
		// This write resumes the stream with a compressor. Count it first,
		// so that concurrent resumes see each other, and stage the event if
		// the stream is over the budget and will release right after it.
		s.holding = true
		hot := s.m.hotStreams.Add(1)
		s.transient = s.after == 0 || hot > s.m.maxHot
		if s.transient && s.out.staged == nil {
			s.out.staged = stagingBuffers.Get().(*[]byte)
		}
	}
	n, err := s.gz.Write(p)
	if err != nil {
		return n, err
	}
	if !endsEvent {
		s.pending = s.pending || n > 0
		return n, nil
	}
	return n, s.flushLocked(false)
}

// flush is the handler's Flush.
func (s *releasingStream) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked(true)
}

// flushLocked sends the event. Only the handler's own Flush (explicit)
// reports the transport's flush error: the flush streamzip adds at an
// event's end must not turn a write that succeeded into an error when the
// writer below cannot flush (http.TimeoutHandler, a logger embedding
// http.ResponseWriter), since the same write without streamzip succeeds.
func (s *releasingStream) flushLocked(explicit bool) error {
	if err := s.gz.Flush(); err != nil {
		return err
	}
	s.pending = false
	s.idleFrom(time.Now()) // may release: before any network I/O when staged
	if err := s.sendStaged(); err != nil {
		return err
	}
	if err := flushUnderlying(s.rw); explicit {
		return err
	}
	return nil
}

// idleFrom notes that the stream went idle at now and makes sure a release
// will follow. With a zero delay, or when too many streams already hold a
// compressor, it releases at once.
func (s *releasingStream) idleFrom(now time.Time) {
	if s.transient || s.m.hotStreams.Load() > s.m.maxHot {
		s.releaseLocked()
		return
	}
	s.last = now
	if s.armed {
		return
	}
	s.armed = true
	if s.timer == nil {
		s.timer = time.AfterFunc(s.after, s.onTimer)
	} else {
		s.timer.Reset(s.after)
	}
}

// onTimer runs on the timer's goroutine.
func (s *releasingStream) onTimer() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if idle := time.Since(s.last); idle < s.after || s.pending {
		// Written since the timer was armed, or mid-event: wait the rest.
		s.timer.Reset(max(s.after-idle, time.Millisecond))
		return
	}
	s.armed = false
	// Release does not write: nothing is pending, and the compressor was
	// flushed. So the timer never touches the ResponseWriter.
	s.releaseLocked()
}

// releaseLocked gives the compressor back, if the stream holds one.
func (s *releasingStream) releaseLocked() {
	s.gz.Release()
	s.uncount()
}

// uncount takes the stream out of m.hotStreams once it holds no compressor.
func (s *releasingStream) uncount() {
	if s.holding {
		s.holding = false
		s.m.hotStreams.Add(-1)
	}
}

// close ends the gzip member and, when no timer callback can still run
// against it, returns the stream to the pool. The lock is released by
// defer: the writer below may panic in the trailer write, and abandon,
// which the middleware then calls, locks again.
func (s *releasingStream) close() error {
	reusable, err := s.closeLocked()
	if reusable {
		s.m.releasingStreams.Put(s)
	}
	return err
}

func (s *releasingStream) closeLocked() (reusable bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
	err = s.gz.Close()
	s.uncount()
	if serr := s.sendStaged(); err == nil {
		err = serr
	}
	reusable = s.reusable()
	if reusable {
		s.rw, s.out = nil, stagedWriter{}
		s.holding, s.transient, s.armed, s.pending, s.closed, s.stopped = false, false, false, false, false, false
		s.last = time.Time{}
	}
	return reusable, err
}

// reusable reports whether the stream can go back to the pool: not if its
// timer fired and its callback may still be waiting for mu, since it would
// then run against the stream's next use.
func (s *releasingStream) reusable() bool {
	return !s.armed || s.stopped
}

// abandon drops the stream after a handler panic: no trailer, and the
// compressor is not pooled.
func (s *releasingStream) abandon() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
	s.gz.Abandon()
	s.uncount()
	if s.out.staged != nil {
		s.out.drop(s.out.staged)
		s.out.staged = nil
	}
}

func (s *releasingStream) stopLocked() {
	s.closed = true
	if s.timer != nil {
		s.stopped = s.timer.Stop() // false: fired, or not armed
	}
}
