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
// The handler's goroutine writes and flushes; a timer goroutine releases.
// mu serialises them. The timer is armed once per idle period, not reset
// per event: each event only records the time, and a timer that fires early
// re-arms itself for the rest of the period.
type releasingStream struct {
	mu      sync.Mutex
	gz      *gzipStream
	rw      http.ResponseWriter
	after   time.Duration
	timer   *time.Timer
	last    time.Time // when the stream was last flushed
	armed   bool      // the timer is pending
	pending bool      // bytes written since the last flush: never release mid-event
	closed  bool
}

func (m *middleware) newReleasingStream(rw http.ResponseWriter) *releasingStream {
	gz := m.gzipStreams.Get().(*gzipStream)
	gz.Reset(rw)
	return &releasingStream{gz: gz, rw: rw, after: m.cfg.releaseAfter}
}

// write compresses p, and flushes compressor and connection when p ended
// an event.
func (s *releasingStream) write(p []byte, endsEvent bool) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.gz.Write(p)
	if err != nil {
		return n, err
	}
	if !endsEvent {
		s.pending = s.pending || n > 0
		return n, nil
	}
	return n, s.flushLocked()
}

// flush is the handler's Flush.
func (s *releasingStream) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked()
}

func (s *releasingStream) flushLocked() error {
	if err := s.gz.Flush(); err != nil {
		return err
	}
	s.pending = false
	err := flushUnderlying(s.rw)
	s.idleFrom(time.Now())
	return err
}

// idleFrom notes that the stream went idle at now and makes sure a release
// will follow. With a zero delay it releases at once.
func (s *releasingStream) idleFrom(now time.Time) {
	if s.after == 0 {
		s.gz.Release()
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
	if s.gz.Released() {
		return
	}
	// Release does not write: nothing is pending, and the compressor was
	// flushed. So the timer never touches the ResponseWriter.
	s.gz.Release()
}

// close ends the gzip member and returns the stream to the pool.
func (s *releasingStream) close(m *middleware) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
	err := s.gz.Close()
	m.gzipStreams.Put(s.gz)
	s.gz = nil
	return err
}

// abandon drops the stream after a handler panic: no trailer, and the
// compressor is not pooled.
func (s *releasingStream) abandon() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
	s.gz.Abandon()
	s.gz = nil
}

func (s *releasingStream) stopLocked() {
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
}
