// Package streamzip is HTTP response compression middleware (gzip, brotli,
// zstd on request) that understands streams: it never holds back a
// Server-Sent Events stream, honours Cache-Control: no-transform, passes
// http.Flusher and everything http.ResponseController reaches through, and
// can compress event streams with one flush per event.
//
// Use Middleware for the defaults, New for options, or Compress as a
// drop-in for chi's middleware.Compress.
package streamzip

import (
	"errors"
	"hash/maphash"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Middleware compresses responses with the default options: zstd, gzip or
// brotli, in that order among those the client accepts equally, bodies of
// DefaultMinSize bytes or more, event streams bypassed and flushed per event.
func Middleware(next http.Handler) http.Handler {
	return defaultMiddleware().wrap(next)
}

var defaultMiddleware = sync.OnceValue(func() *middleware {
	m, err := newMiddleware(nil)
	if err != nil {
		panic(err) // the defaults are valid; a failure here is a bug in streamzip
	}
	return m
})

// New returns a middleware configured by opts, or an error if an option is
// invalid (unknown encoding, level out of range, negative size…). All
// checks happen here, never at request time.
func New(opts ...Option) (func(http.Handler) http.Handler, error) {
	m, err := newMiddleware(opts)
	if err != nil {
		return nil, err
	}
	return m.wrap, nil
}

// Compress is a drop-in for chi's middleware.Compress(level, types...): the
// same signature, gzip at level (and brotli for clients that prefer it),
// and types as the allowlist of media types ("text/*" wildcards allowed;
// chi's default list when none are given). Unlike chi it honours q-values
// and no-transform, skips 204/206/304, and streams event streams.
// Like chi, it panics on arguments that are invalid (a level out of range,
// a malformed type): use New to get an error instead.
func Compress(level int, types ...string) func(http.Handler) http.Handler {
	if len(types) == 0 {
		types = chiDefaultTypes
	}
	mw, err := New(WithGzipLevel(level), WithContentTypes(types...))
	if err != nil {
		panic(err)
	}
	return mw
}

// chiDefaultTypes is chi v5's defaultCompressibleContentTypes, so that
// Compress(level) without types compresses what chi's did.
var chiDefaultTypes = []string{
	"text/html", "text/css", "text/plain", "text/javascript", "text/markdown",
	"text/csv", "text/vtt", "application/javascript", "application/x-javascript",
	"application/json", "application/atom+xml", "application/rss+xml",
	"application/xml", "text/xml", "image/svg+xml",
}

// middleware is one validated configuration with its pools.
type middleware struct {
	cfg   config
	pools *encoderPools
	// streamCodings is the preference for compressed event streams: gzip
	// first, because its idle state can be released.
	streamCodings []coding
	bufs          sync.Pool // *[]byte of cap bufferLimit, the decision buffer
	jitterSeed    maphash.Seed
	// flates and releasingStreams serve compressed gzip event streams that give
	// their compressor back while idle; nil flates means streams use the
	// ordinary pooled encoders.
	flates           *flateWriterPool
	releasingStreams sync.Pool // *releasingStream
	// hotStreams counts releasable streams holding a compressor between
	// events; above maxHot a stream releases right after its event.
	hotStreams atomic.Int64
	maxHot     int64
	// dicts holds the RFC 9842 dictionaries; nil when they are off.
	dicts   *dictionaryStore
	streams streamLimits // stream_budget.go
}

func newMiddleware(opts []Option) (*middleware, error) {
	cfg := defaultConfig()
	var errs []error
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		errs = append(errs, opt.apply(&cfg))
	}
	errs = append(errs, applyJitterPolicy(&cfg))
	if err := errors.Join(errs...); err != nil {
		return nil, err // every bad option, not only the first
	}
	pools, err := newEncoderPools(&cfg)
	if err != nil {
		return nil, err
	}
	m := &middleware{cfg: cfg, pools: pools, jitterSeed: maphash.MakeSeed()}
	for _, cd := range []coding{codingGzip, codingBrotli, codingZstd} {
		for _, enabled := range cfg.codings {
			if cd == enabled {
				m.streamCodings = append(m.streamCodings, cd)
			}
		}
	}
	if err := m.setUpReleasingStreams(); err != nil {
		return nil, err
	}
	if m.dicts, err = newDictionaryStore(&cfg); err != nil {
		return nil, err
	}
	m.setUpStreamLimits()
	limit := max(cfg.minSize, sniffLen, m.jitterWindow())
	m.bufs.New = func() any {
		b := make([]byte, 0, limit)
		return &b
	}
	return m, nil
}

// handler is the http.Handler the middleware returns.
type handler struct {
	m    *middleware
	next http.Handler
}

func (m *middleware) wrap(next http.Handler) http.Handler { return &handler{m: m, next: next} }

// ServeHTTP wraps w for one request and ends the response when the handler
// returns, or abandons it if the handler panics.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.m.cfg.filter != nil && !h.m.cfg.filter(r) {
		h.next.ServeHTTP(w, r) // WithFilter excluded the request: no middleware at all
		return
	}
	zw := h.m.newResponseWriter(w, r)
	completed := false
	defer func() {
		if !completed {
			// The handler panicked (http.ErrAbortHandler included). Do not
			// end the body cleanly — a gzip trailer would make a truncated
			// response look complete — and drop the encoder, whose state
			// is unknown, instead of pooling it.
			zw.abandon()
		}
	}()
	h.next.ServeHTTP(zw.exposed(), r)
	zw.finish()
	zw.keepDictionary()
	completed = true
}

// setUpReleasingStreams prepares the compressor pool of releasable gzip
// event streams, when they can be used: streams are compressed, gzip is
// enabled, and no BREACH padding is asked for (the padding lives in
// gzip.Writer's header, which releasable streams write themselves, so padded
// streams keep the ordinary stateful encoder).
func (m *middleware) setUpReleasingStreams() error {
	// The hot-stream budget also bounds dcz streams, which release too.
	m.maxHot = int64(m.cfg.maxHotStreams)
	if m.maxHot == 0 {
		m.maxHot = int64(DefaultMaxHotStreamsPerCPU * runtime.GOMAXPROCS(0))
	}
	if m.cfg.streamMode != CompressEventStreams || m.cfg.jitter > 0 || !slices.Contains(m.cfg.codings, codingGzip) {
		return nil
	}
	flates, err := newFlateWriterPool(m.cfg.gzipLevel)
	if err != nil {
		return err
	}
	m.flates = flates
	m.releasingStreams.New = m.newPooledReleasingStream
	return nil
}
