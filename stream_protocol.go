package streamzip

import "fmt"

// The protocol between a releasable stream's two goroutines.
//
// A releasingStream is used by the handler's goroutine (write, flush,
// close, abandon) and by its release timer's (onTimer). Every one of these
// methods holds the stream's mutex for its whole body and releases it by
// defer, so a panic from the writer below cannot leave it locked. Under
// the mutex, the stream is in exactly one phase, and changes phase only
// through setPhase, which refuses a transition this table does not allow
// and does what every transition implies (the hot-stream count, giving the
// compressor back, the staging decision). No other field says whether the
// stream holds a compressor or is mid-event: the phase is the only truth.
//
//	released ── write ──▶ event          (resume: take a compressor)
//	event    ── write ──▶ event          (more of the same event)
//	event    ── flush ──▶ hot            (under the budget: keep it)
//	event    ── flush ──▶ released       (transient, or over the budget)
//	hot      ── write ──▶ event          (the next event)
//	hot      ── timer ──▶ released       (idle for releaseAfter)
//	any      ── close, abandon ──▶ closed
//	closed   ── pool reuse ──▶ released
//
// released: holds no compressor (also before the first byte).
//
// event: holds a compressor, counted in hotStreams; bytes were written
// since the last flush, so the timer must not release (it looks again a
// period later). When transient, it releases at the event's end, and its
// bytes are staged until then (stagedWriter, bounded by maxStaged).
//
// hot: holds a compressor, counted, flushed; the timer is armed and
// releases it once the stream was idle for releaseAfter.
//
// closed: the gzip member is ended or abandoned; the timer does nothing.
//
// The timer is armed on entering hot when it is not already armed, and
// never reset per event: an event only records the time (last), and a
// timer that fires before the stream was idle long enough re-arms itself
// for the rest. armed is true from arming until the callback has run (or
// Stop stopped it), so close knows whether a callback may still be waiting
// for the mutex: such a stream must not go back to the pool, where the
// callback would run against its next use.
type streamPhase uint8

const (
	phaseReleased streamPhase = iota
	phaseEvent
	phaseHot
	phaseClosed
	numPhases
)

var phaseNames = [numPhases]string{"released", "event", "hot", "closed"}

func (p streamPhase) String() string { return phaseNames[p] }

// holdsCompressor reports whether a stream in phase p holds a compressor,
// and so is counted in hotStreams.
func (p streamPhase) holdsCompressor() bool { return p == phaseEvent || p == phaseHot }

// phaseTransitions[from][to] lists the allowed transitions. Staying in a
// phase is allowed where the table says so (a zero-byte flush, more of an
// event, a second close).
var phaseTransitions = [numPhases][numPhases]bool{
	phaseReleased: {phaseReleased: true, phaseEvent: true, phaseClosed: true},
	phaseEvent:    {phaseEvent: true, phaseHot: true, phaseReleased: true, phaseClosed: true},
	phaseHot:      {phaseHot: true, phaseEvent: true, phaseReleased: true, phaseClosed: true},
	phaseClosed:   {phaseClosed: true, phaseReleased: true}, // to released: reuse from the pool
}

// setPhase moves the stream to phase to, with the mutex held. It panics on
// a transition the table does not allow: that is a bug in streamzip, and
// going on would leak a compressor or release one mid-event.
func (s *releasingStream) setPhase(to streamPhase) {
	from := s.phase
	if !phaseTransitions[from][to] {
		panic(fmt.Sprintf("streamzip: releasable stream phase %v → %v", from, to))
	}
	s.phase = to
	switch held, holds := from.holdsCompressor(), to.holdsCompressor(); {
	case !held && holds:
		// Resuming. Count first, so that concurrent resumes see each
		// other, and decide whether the stream gives its compressor back
		// right after this event; if so, stage the event so the
		// compressor is never held across network I/O.
		hot := s.m.hotStreams.Add(1)
		s.transient = s.after == 0 || hot > s.m.maxHot
		if s.transient && s.out.staged == nil {
			s.out.staged = stagingBuffers.Get().(*[]byte)
		}
	case held && !holds:
		s.m.hotStreams.Add(-1)
		s.transient = false
		if to == phaseReleased {
			// Release does not write: the event was flushed. So the timer
			// never touches the ResponseWriter.
			s.gz.Release()
		}
	}
}
