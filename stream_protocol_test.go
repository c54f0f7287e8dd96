package streamzip

import (
	"io"
	"net/http/httptest"
	"testing"
	"time"
)

// TestStreamPhaseTransitions walks a releasable stream through every
// allowed transition and checks that the hot-stream count and the
// compressor follow the phase, and that every transition the table refuses
// panics instead of going on with a leaked or mid-event compressor.
func TestStreamPhaseTransitions(t *testing.T) {
	m, err := newMiddleware([]Option{WithEventStreams(CompressEventStreams), WithReleaseAfter(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	s := m.newReleasingStream(httptest.NewRecorder())
	check := func(want streamPhase) {
		t.Helper()
		if s.phase != want {
			t.Fatalf("phase %v, want %v", s.phase, want)
		}
		if hot, holds := m.hotStreams.Load(), want.holdsCompressor(); hot != map[bool]int64{false: 0, true: 1}[holds] {
			t.Fatalf("phase %v: hot count %d", want, hot)
		}
		if want != phaseClosed && s.gz.Released() == want.holdsCompressor() {
			t.Fatalf("phase %v: gzip stream released %v", want, s.gz.Released())
		}
	}
	check(phaseReleased)
	s.write([]byte("data: a"), false)
	check(phaseEvent)
	s.write([]byte("\n\n"), true)
	check(phaseHot)
	s.write([]byte("data: b\n\n"), true)
	check(phaseHot)
	s.mu.Lock()
	s.last = time.Now().Add(-2 * time.Hour)
	s.mu.Unlock()
	s.onTimer() // idle long enough
	check(phaseReleased)
	s.write([]byte("data: c"), false)
	check(phaseEvent)
	s.onTimer() // mid-event: kept
	check(phaseEvent)
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	if m.hotStreams.Load() != 0 {
		t.Fatalf("closed stream still counted")
	}

	for from := range numPhases {
		for to := range numPhases {
			if phaseTransitions[from][to] {
				continue
			}
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("transition %v → %v did not panic", from, to)
					}
				}()
				s := &releasingStream{m: m, phase: from, gz: newGzipStream(m.flates, 0)}
				s.gz.Reset(io.Discard)
				s.setPhase(to)
			}()
		}
	}
}
