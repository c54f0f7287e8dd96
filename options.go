package streamzip

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
)

// Option configures a middleware built by New; the With… functions make
// them. Options are plain values, validated once by New: an invalid one
// makes New return an error, so a misconfiguration never surfaces as a
// panic at request time. A nil Option is ignored.
type Option interface {
	apply(*config) error
}

// optionFunc is the Option every With… function returns.
type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// EventStreamMode says what the middleware does with streaming responses
// (text/event-stream, application/x-ndjson, application/jsonl).
type EventStreamMode int

const (
	// BypassEventStreams (the default) sends streams uncompressed and flushes
	// them at every event (or line) boundary, whether or not the handler
	// calls Flush.
	BypassEventStreams EventStreamMode = iota
	// CompressEventStreams compresses streams with one compressor flush and
	// one transport flush per event boundary, so every event is decodable as
	// soon as it arrives.
	CompressEventStreams
)

// Defaults. DefaultMinSize is 1 KiB: below it a compressed body saves a few
// hundred bytes at most, the whole response fits in one TCP segment either
// way, and the compressor's setup costs more than it saves (gzhttp made the
// same choice).
//
// The codings and levels were chosen from the codec frontier in
// bench/RESULTS.md (README, Performance): zstd fastest is first because it
// costs the least CPU per byte saved for every client that accepts it;
// gzip 5 comes next because no other gzip level or brotli quality is both
// cheaper and smaller for the clients that stop there; brotli is last, and
// at quality 5, because it costs several times gzip's CPU, and quality 4
// is off the frontier where 5 is on it.
const (
	DefaultMinSize      = 1024
	DefaultGzipLevel    = 5
	DefaultBrotliLevel  = 5
	DefaultZstdLevel    = 1 // fastest
	DefaultReleaseAfter = 2 * time.Second
	// DefaultMaxHotStreamsPerCPU × GOMAXPROCS streams may hold a compressor
	// between events (see WithMaxHotStreams): more streams than the CPUs
	// can keep busy compressing at once.
	DefaultMaxHotStreamsPerCPU = 16
	// MaxMinSize bounds the buffer a response may hold before the middleware
	// decides: the decision buffer never grows past it.
	MaxMinSize = 1 << 20
)

// config is the validated form of the options.
type config struct {
	minSize       int
	codings       []coding // server preference, most preferred first
	streamMode    EventStreamMode
	releaseAfter  time.Duration
	gzipLevel     int
	brotliLevel   int
	zstdLevel     int
	contentTypes  []contentTypePattern // nil: every type not excluded by the predicate
	exceptTypes   []contentTypePattern // never compressed, on top of the predicate
	filter        func(*http.Request) bool
	jitter        int // max BREACH padding bytes, 0 = off
	jitterWindow  int // body bytes the padding hashes
	maxHotStreams int // 0: DefaultMaxHotStreamsPerCPU × GOMAXPROCS

	// dictionaries is the RFC 9842 configuration, nil when off
	// (dictionary_store.go).
	dictionaries *dictionaryConfig

	maxStatefulStreams int // 0: DefaultMaxStatefulStreamsPerCPU × GOMAXPROCS (stream_budget.go)
}

func defaultConfig() config {
	return config{
		minSize:      DefaultMinSize,
		codings:      []coding{codingZstd, codingGzip, codingBrotli},
		streamMode:   BypassEventStreams,
		releaseAfter: DefaultReleaseAfter,
		gzipLevel:    DefaultGzipLevel,
		brotliLevel:  DefaultBrotliLevel,
		jitterWindow: DefaultJitterWindow,
		zstdLevel:    DefaultZstdLevel,
	}
}

// WithMinSize sets how many body bytes a response needs before it is
// compressed (default DefaultMinSize). Smaller bodies are sent as they are.
// A response whose handler flushes before reaching it is a stream and is
// compressed anyway. Valid range: 0 to MaxMinSize.
func WithMinSize(bytes int) Option {
	return optionFunc(func(c *config) error {
		if bytes < 0 || bytes > MaxMinSize {
			return fmt.Errorf("streamzip: min size %d out of range [0, %d]", bytes, MaxMinSize)
		}
		c.minSize = bytes
		return nil
	})
}

// WithEncodings sets the content codings the middleware may use for
// ordinary responses, most preferred first, among "zstd", "br" and "gzip"
// (default "zstd", "gzip", "br": see the package's Default constants for
// why). The client's q-values decide; this order breaks ties.
//
// Compressed event streams have their own order, gzip first, then brotli,
// then zstd, among the codings listed here: a gzip stream can give its
// compressor back while idle, the others cannot (see WithEventStreams).
func WithEncodings(names ...string) Option {
	return optionFunc(func(c *config) error {
		if len(names) == 0 {
			return errors.New("streamzip: WithEncodings needs at least one encoding")
		}
		codings := make([]coding, 0, len(names))
		for _, name := range names {
			cd, ok := encodingByName(strings.TrimSpace(name))
			if !ok {
				return fmt.Errorf("streamzip: unknown encoding %q (want zstd, br or gzip)", name)
			}
			for _, seen := range codings {
				if seen == cd {
					return fmt.Errorf("streamzip: encoding %q listed twice", name)
				}
			}
			codings = append(codings, cd)
		}
		c.codings = codings
		return nil
	})
}

// WithEventStreams chooses whether event streams and NDJSON are bypassed
// (BypassEventStreams, the default) or compressed per event
// (CompressEventStreams). Either way they are flushed at every boundary.
//
// Compressed streams do not follow WithEncodings' order: they prefer gzip,
// then brotli, then zstd, among the codings WithEncodings enables, because
// an idle gzip stream releases its compressor and the others hold theirs
// for the stream's life; gzip is also the smallest and cheapest per event
// on the stream frontier in bench/RESULTS.md.
func WithEventStreams(mode EventStreamMode) Option {
	return optionFunc(func(c *config) error {
		if mode != BypassEventStreams && mode != CompressEventStreams {
			return fmt.Errorf("streamzip: unknown event stream mode %d", mode)
		}
		c.streamMode = mode
		return nil
	})
}

// WithReleaseAfter sets how long a compressed event stream may stay idle
// before it gives its compressor back to the pool (default
// DefaultReleaseAfter). It only matters with CompressEventStreams. Zero
// releases after every event.
func WithReleaseAfter(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < 0 {
			return fmt.Errorf("streamzip: negative release delay %v", d)
		}
		c.releaseAfter = d
		return nil
	})
}

// WithMaxHotStreams bounds how many compressed gzip event streams may keep
// their compressor (a level-5 deflate state is large: README, "Compressed
// event streams") between events while waiting for WithReleaseAfter. A
// stream that flushes an event while more than n streams hold one releases
// its own at once, and resumes on its next event, which costs more than a
// hot event (the figures are in README and `go test -bench CompressedEvent`).
// It keeps memory bounded when a server broadcasts to thousands of streams
// at once: about n compressors instead of one per stream. Default 0 means
// DefaultMaxHotStreamsPerCPU × GOMAXPROCS, read when New runs.
func WithMaxHotStreams(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 0 {
			return fmt.Errorf("streamzip: negative max hot streams %d", n)
		}
		c.maxHotStreams = n
		return nil
	})
}

// WithGzipLevel sets the gzip level: 1 (fastest) to 9 (smallest), -1 for
// the default (DefaultGzipLevel), -2 for Huffman-only, or 0 for stored
// blocks (no compression; accepted because chi's Compress(0) accepts it).
// It applies to responses and to compressed event streams, except that at
// levels 1 to 5 (and the default) a stream resumed after going idle compresses events of up
// to 512 bytes with an encoder of its own, which resumes far more cheaply
// and compresses such events about as well as level 5 (README, "Streams at
// scale"). The default is
// gzhttp's, so a client that only accepts gzip gets the same bytes for the
// same CPU; lower levels are cheaper and larger, higher ones the reverse
// (the trade-off per kind of content is in bench/RESULTS.md).
func WithGzipLevel(level int) Option {
	return optionFunc(func(c *config) error {
		if level == -1 {
			level = DefaultGzipLevel
		}
		if level < -2 || level > 9 {
			return fmt.Errorf("streamzip: gzip level %d out of range [-2, 9]", level)
		}
		c.gzipLevel = level
		return nil
	})
}

// WithBrotliLevel sets the brotli quality, 0 (fastest) to 11 (smallest),
// default DefaultBrotliLevel (README, Performance, compares the levels).
// for responses and compressed event streams. The default,
// DefaultBrotliLevel, lies on the codec frontier in bench/RESULTS.md for
// every kind of content measured, where quality 4 is off it for all but
// the smallest body (another setting is both smaller and cheaper); it costs
// several times gzip 5's CPU, which is why brotli is last in the default
// order. Qualities 0 and 1 hardly
// compress an event stream flushed per event (no history across flushes);
// 10 and 11 are for bodies compressed once and served many times.
func WithBrotliLevel(level int) Option {
	return optionFunc(func(c *config) error {
		if level < 0 || level > 11 {
			return fmt.Errorf("streamzip: brotli level %d out of range [0, 11]", level)
		}
		c.brotliLevel = level
		return nil
	})
}

// WithZstdLevel sets the zstd level of ordinary responses, numbered as
// klauspost/compress/zstd's EncoderLevel and gzhttp's ZstdCompressionLevel:
// 1 (fastest), 2 (default), 3 (better), 4 (best). The default is
// DefaultZstdLevel. The window stays at 1 MiB whatever the level (browsers
// refuse more than 8 MiB). Event streams keep their own zstd settings.
func WithZstdLevel(level int) Option {
	return optionFunc(func(c *config) error {
		if level < int(zstd.SpeedFastest) || level > int(zstd.SpeedBestCompression) {
			return fmt.Errorf("streamzip: zstd level %d out of range [%d, %d]", level, zstd.SpeedFastest, zstd.SpeedBestCompression)
		}
		c.zstdLevel = level
		return nil
	})
}

// WithContentTypes restricts compression to the listed media types, as chi's
// middleware.Compress does: exact types ("application/json") or a subtype
// wildcard ("text/*"), compared without parameters and case. Without it,
// every type is compressed except the ones that are already compressed
// (images but SVG, audio, video, archives, woff fonts, gRPC).
// Event streams follow WithEventStreams whatever this list says.
func WithContentTypes(types ...string) Option {
	return optionFunc(func(c *config) (err error) {
		c.contentTypes, err = parseContentTypePatterns("WithContentTypes", types)
		return err
	})
}

// WithExceptContentTypes never compresses the listed media types, on top of
// the built-in list of already compressed ones: exact types or "type/*",
// as in WithContentTypes (gzhttp's ExceptContentTypes, httpcompression's
// ContentTypes(list, true)). Event streams follow WithEventStreams.
func WithExceptContentTypes(types ...string) Option {
	return optionFunc(func(c *config) (err error) {
		c.exceptTypes, err = parseContentTypePatterns("WithExceptContentTypes", types)
		return err
	})
}

// WithFilter decides per request whether the middleware applies at all, as
// tower-http's compression predicate does: when keep returns false the
// request reaches the handler with the ResponseWriter untouched (no
// compression, no Vary, no per-event flushing). It is the way to turn
// compression off for one route without a second middleware, e.g.
//
//	streamzip.WithFilter(func(r *http.Request) bool {
//		return !strings.HasPrefix(r.URL.Path, "/downloads/")
//	})
//
// A handler can also opt out by itself for one response with
// Cache-Control: no-transform, or by setting its own Content-Encoding.
func WithFilter(keep func(*http.Request) bool) Option {
	return optionFunc(func(c *config) error {
		if keep == nil {
			return errors.New("streamzip: WithFilter needs a function")
		}
		c.filter = keep
		return nil
	})
}

// parseContentTypePatterns parses the patterns of option; an empty list is
// an error, since it would silently turn the option into its opposite.
func parseContentTypePatterns(option string, types []string) ([]contentTypePattern, error) {
	if len(types) == 0 {
		return nil, fmt.Errorf("streamzip: %s needs at least one media type", option)
	}
	patterns := make([]contentTypePattern, 0, len(types))
	var errs []error
	for _, t := range types {
		p, err := parseContentTypePattern(t)
		errs = append(errs, err)
		patterns = append(patterns, p)
	}
	return patterns, errors.Join(errs...)
}
