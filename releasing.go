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
// idle one holds its packed history and this struct, not a ~1 MiB deflate
// state.
//
// A stream that will give its compressor back right after the event (a
// zero delay, or more hot streams than WithMaxHotStreams) compresses the
// event into a small staging buffer, releases, and only then writes to the
// connection. So it never holds a compressor across network I/O (except for
// an event too long to stage, see maxStaged), and a
// broadcast to thousands of streams needs about as many compressors as
// there are CPUs, not one per stream.
//
// The handler's goroutine writes and flushes; a timer goroutine releases.
// stream_protocol.go describes how, and enforces it.
type releasingStream struct {
	mu        sync.Mutex
	phase     streamPhase // changed only by setPhase
	transient bool        // in phaseEvent: release at the event's end
	gz        *gzipStream
	rw        http.ResponseWriter
	m         *middleware
	after     time.Duration
	timer     *time.Timer
	armed     bool         // the timer is pending, or fired and its callback has not run
	last      time.Time    // when the stream last entered phaseHot
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
	if s.phase == phaseClosed {
		return 0, errGzipStreamClosed
	}
	if len(p) > 0 {
		s.setPhase(phaseEvent)
	}
	n, err := s.gz.Write(p)
	if err != nil || !endsEvent {
		return n, err
	}
	return n, s.flushLocked(false)
}

// flush is the handler's Flush.
func (s *releasingStream) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phase == phaseClosed {
		return errGzipStreamClosed
	}
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
	if s.phase.holdsCompressor() {
		// Released before any network I/O when staged.
		if s.transient || s.m.hotStreams.Load() > s.m.maxHot {
			s.setPhase(phaseReleased)
		} else {
			s.setPhase(phaseHot)
			s.armTimer(time.Now())
		}
	}
	if err := s.sendStaged(); err != nil {
		return err
	}
	if err := flushUnderlying(s.rw); explicit {
		return err
	}
	return nil
}

// armTimer notes that the stream went idle at now and makes sure the timer
// will look at it.
func (s *releasingStream) armTimer(now time.Time) {
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
	switch s.phase {
	case phaseHot:
		if idle := time.Since(s.last); idle < s.after {
			// An event came since the timer was armed: wait the rest.
			s.timer.Reset(max(s.after-idle, time.Millisecond))
			return
		}
		s.armed = false
		s.setPhase(phaseReleased)
	case phaseEvent:
		s.timer.Reset(s.after) // mid-event: never release, look again later
	default:
		// Released by the budget since, or closed: nothing to do. A closed
		// stream whose callback ran here was not pooled (see close).
		s.armed = false
	}
}

// close ends the gzip member and, when no timer callback can still run
// against it, returns the stream to the pool.
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
	if s.phase == phaseClosed {
		return false, nil
	}
	stopped := s.stopTimer()
	// The writer below may panic in the trailer write: the deferred unlock
	// lets abandon, which the middleware then calls, take the lock.
	err = s.gz.Close()
	s.setPhase(phaseClosed)
	if serr := s.sendStaged(); err == nil {
		err = serr
	}
	// A timer that fired but whose callback has not run yet would run
	// against the stream's next use.
	if s.armed && !stopped {
		return false, err
	}
	s.setPhase(phaseReleased) // for the next use
	s.rw, s.out = nil, stagedWriter{}
	s.armed, s.last = false, time.Time{}
	return true, err
}

// abandon drops the stream after a handler panic: no trailer, and the
// compressor is not pooled. The stream is not pooled either.
func (s *releasingStream) abandon() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopTimer()
	s.gz.Abandon()
	s.setPhase(phaseClosed)
	if s.out.staged != nil {
		s.out.drop(s.out.staged)
		s.out.staged = nil
	}
}

// stopTimer stops a pending timer and reports whether it did.
func (s *releasingStream) stopTimer() bool {
	return s.timer != nil && s.timer.Stop()
}
