package streamzip

import (
	"fmt"
	"runtime"
	"sync/atomic"
)

// streamLimits is what bounds the memory of compressed event streams
// besides the hot-stream budget of releasable gzip streams: the budget of
// stateful streams and the staging bound.
type streamLimits struct {
	// stateful counts the open event streams that hold an encoder for their
	// whole life (brotli, zstd, and gzip with BREACH padding); maxStateful
	// bounds it.
	stateful    atomic.Int64
	maxStateful int64
	// stagedHook, if set, sees the length of every staging buffer when it
	// is given back. Tests use it to prove that staging stays bounded; it
	// must be set before the middleware serves.
	stagedHook func(n int)
}

// maxStaged bounds the compressed bytes a stream that releases right after
// its event stages before writing to the connection. A compressed token
// event is a few dozen bytes; an event whose compressed form outgrows this
// is written through in pieces as it is compressed (the stream keeps its
// compressor for the rest of that event), so a long event costs neither
// its size in heap nor its latency to the client.
const maxStaged = 16 << 10

// DefaultMaxStatefulStreamsPerCPU × GOMAXPROCS event streams may hold a
// stateful encoder at once (see WithMaxStatefulStreams).
const DefaultMaxStatefulStreamsPerCPU = 16

// WithMaxStatefulStreams bounds how many compressed event streams may hold
// an encoder for their whole life: brotli and zstd streams, and gzip ones
// when BREACH padding is on (releasable gzip streams are bounded by
// WithMaxHotStreams instead). Such an encoder cannot be released between
// events, and holds its window and tables while the stream idles (README,
// "Streams at scale", gives the bytes per coding). A stream that starts
// while n are open is compressed with releasable gzip if the client accepts
// gzip, else sent identity; either way it is never refused. Default 0
// means DefaultMaxStatefulStreamsPerCPU × GOMAXPROCS, read when New runs.
func WithMaxStatefulStreams(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 0 {
			return fmt.Errorf("streamzip: negative max stateful streams %d", n)
		}
		c.maxStatefulStreams = n
		return nil
	})
}

// setUpStreamLimits reads the configured budgets.
func (m *middleware) setUpStreamLimits() {
	m.streams.maxStateful = int64(m.cfg.maxStatefulStreams)
	if m.streams.maxStateful == 0 {
		m.streams.maxStateful = int64(DefaultMaxStatefulStreamsPerCPU * runtime.GOMAXPROCS(0))
	}
}

// gzipOnly is the coding list for asking whether a client accepts gzip.
var gzipOnly = []coding{codingGzip}

// streamCoding negotiates the coding of a compressed event stream within
// the budgets. A coding whose encoder is held for the stream's life takes
// a slot of the stateful budget, held until the response ends whatever the
// rules decide next (endStatefulStream); with none free the stream falls
// back to releasable gzip when the client accepts it, else to identity.
// HEAD takes no slot: it gets no encoder.
func (w *responseWriter) streamCoding() coding {
	m := w.m
	cd := negotiate(w.accept, m.streamCodings)
	if cd == codingIdentity || w.head || (cd == codingGzip && m.flates != nil) {
		return cd
	}
	if m.streams.stateful.Add(1) <= m.streams.maxStateful {
		w.statefulSlot = true
		return cd
	}
	m.streams.stateful.Add(-1)
	if m.flates != nil && negotiate(w.accept, gzipOnly) == codingGzip {
		return codingGzip
	}
	return codingIdentity
}

// endStatefulStream gives back the response's stateful-budget slot, if it
// holds one; the writer calls it when the response ends (finished,
// hijacked or abandoned). It is idempotent.
func (w *responseWriter) endStatefulStream() {
	if w.statefulSlot {
		w.statefulSlot = false
		w.m.streams.stateful.Add(-1)
	}
}
