package streamzip

import (
	"net/http"
	"sync/atomic"
)

// Probe counts what a middleware's releasable gzip streams do, for tests
// in package streamzip_test.
type Probe struct {
	compressorsPooled atomic.Int64
	m                 *middleware
}

// HotStreams is how many streams hold a compressor between events.
func (p *Probe) HotStreams() int64 { return p.m.hotStreams.Load() }

// CompressorsPooled is how many flate compressors streams gave back to the
// pool (on release while idle, and on close).
func (p *Probe) CompressorsPooled() int64 { return p.compressorsPooled.Load() }

// NewWithProbe is New with a Probe attached.
func NewWithProbe(opts ...Option) (func(http.Handler) http.Handler, *Probe, error) {
	m, err := newMiddleware(opts)
	if err != nil {
		return nil, nil, err
	}
	p := &Probe{m: m}
	if m.flates != nil {
		m.flates.putHook = func(any) { p.compressorsPooled.Add(1) }
	}
	return m.wrap, p, nil
}

// RaceEnabled reports whether the race detector is on (sync.Pool drops
// items on purpose then, so allocation counts are meaningless).
const RaceEnabled = raceEnabled
