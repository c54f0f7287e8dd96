package streamzip

import (
	"errors"
	"io"
	"sync"
	"time"
)

// zstdLastEmptyBlock ends a Zstandard frame: a block header with
// Last_Block = 1, Block_Type = Raw and Block_Size = 0 (RFC 8878 §3.1.1.2).
// After a flush the frame is at a block boundary, so these three bytes end
// it whatever the encoder that wrote it is doing now. Frames of released
// streams carry no content checksum, which only the encoder could write.
var zstdLastEmptyBlock = [3]byte{0x01, 0x00, 0x00}

var errDictionaryStreamClosed = errors.New("streamzip: write to closed dictionary stream")

// dictionaryStreamReleased, if set, is called after an idle dcz stream gave
// its encoder back. Tests set it before serving, to wait for a release
// instead of guessing its timing.
var dictionaryStreamReleased func()

// releasingDictionaryStream is a dcz event stream that holds no encoder
// while idle. Each burst of events is a new Zstandard frame against the
// dictionary: after releaseAfter without writes the encoder goes back to
// the dictionary's pool, its frame left open at a block boundary; the next
// write ends that frame with an empty last block and starts a new one. A
// dcz body may hold several frames after its header (Chromium decodes
// them: e2e/dictionary_test.go). Between bursts the stream holds this
// struct and its timer, not the encoder's window and tables; the cost is
// that a burst starts from the dictionary only, without the earlier
// events' history (figures in README, "Compression dictionaries").
type releasingDictionaryStream struct {
	mu        sync.Mutex
	dict      *Dictionary
	dst       io.Writer
	enc       *pooledEncoder // nil while released
	frameOpen bool           // a released frame still needs its last block
	pending   bool           // written since the last flush: mid-event, never release
	busy      bool           // an encoder call is in progress (a panic leaves it set)
	hot       hotBudget      // the middleware's count of streams holding an encoder
	closed    bool
	after     time.Duration
	timer     *time.Timer
}

func (d *Dictionary) newReleasingStream(dst io.Writer, after time.Duration, hot hotBudget) *releasingDictionaryStream {
	s := &releasingDictionaryStream{dict: d, dst: dst, after: after, hot: hot}
	s.timer = time.AfterFunc(time.Hour, s.releaseIdle)
	s.timer.Stop()
	return s
}

// Write compresses p into the current frame, starting one if the stream
// was released.
func (s *releasingDictionaryStream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, errDictionaryStreamClosed
	}
	if s.enc == nil {
		if s.frameOpen {
			if _, err := s.dst.Write(zstdLastEmptyBlock[:]); err != nil {
				return 0, err
			}
			s.frameOpen = false
		}
		s.enc = s.dict.releasableEncoder(s.dst)
		s.hot.take()
	}
	s.busy = true
	n, err := s.enc.Write(p)
	s.busy = false
	s.pending = s.pending || n > 0
	return n, err
}

// Flush ends the current block so the client can decode everything
// written, and starts the idle countdown.
func (s *releasingDictionaryStream) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.enc == nil {
		return nil
	}
	s.busy = true
	err := s.enc.Flush()
	s.busy = false
	if err != nil {
		return err
	}
	s.pending = false
	if s.after == 0 || s.hot.over() {
		// Over the hot-stream budget (or no delay): like a gzip stream, give
		// the encoder back right after the event instead of keeping it idle.
		s.releaseLocked()
		return nil
	}
	s.timer.Reset(s.after)
	return nil
}

// releaseIdle runs on the timer: the stream has been idle for after.
func (s *releasingDictionaryStream) releaseIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.enc == nil || s.busy {
		return // a panicked call leaves busy set: that encoder is never pooled
	}
	if s.pending {
		s.timer.Reset(s.after) // mid-event: the encoder holds unflushed bytes
		return
	}
	s.releaseLocked()
}

// releaseLocked gives a flushed encoder back; the frame stays open at a
// block boundary until the next write ends it.
func (s *releasingDictionaryStream) releaseLocked() {
	s.dict.putReleasableEncoder(s.enc)
	s.enc = nil
	s.hot.give()
	s.frameOpen = true
	if dictionaryStreamReleased != nil {
		dictionaryStreamReleased()
	}
}

// Close ends the last frame.
func (s *releasingDictionaryStream) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.timer.Stop()
	switch {
	case s.enc != nil:
		s.busy = true
		err := s.enc.Close()
		s.busy = false
		return err
	case s.frameOpen:
		s.frameOpen = false
		_, err := s.dst.Write(zstdLastEmptyBlock[:])
		return err
	}
	return nil
}

// Reset is never called: a releasing stream serves one response.
func (s *releasingDictionaryStream) Reset(io.Writer) {}

// release gives the encoder back when the response is done (after Close,
// or when the handler hijacked the connection); a stream whose last call
// did not complete drops it.
func (s *releasingDictionaryStream) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.timer.Stop()
	if s.enc != nil {
		s.hot.give()
		if !s.busy {
			s.dict.putReleasableEncoder(s.enc)
		}
	}
	s.enc = nil
}

// abandon drops the stream after a handler panic: the timer is stopped at
// once and the encoder is left to the garbage collector, never pooled.
func (s *releasingDictionaryStream) abandon() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.timer.Stop()
	if s.enc != nil {
		s.hot.give()
		s.enc = nil
	}
}

// hotBudget is the middleware's count of event streams holding a
// compressor between events, and its bound (WithMaxHotStreams), as dcz
// streams see it: they share it with releasable gzip streams.
type hotBudget struct{ m *middleware }

func (h hotBudget) take()      { h.m.hotStreams.Add(1) }
func (h hotBudget) give()      { h.m.hotStreams.Add(-1) }
func (h hotBudget) over() bool { return h.m.hotStreams.Load() > h.m.maxHot }
