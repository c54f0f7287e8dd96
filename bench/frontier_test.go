package bench

import (
	"fmt"
	"net/http"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/streamzip/streamzip"
)

// codecSetting is one point of the codec frontier: a coding at one level,
// served through streamzip configured for exactly that (opts) and, as the
// floor, by the bare encoder built the way streamzip builds it (bare).
type codecSetting struct {
	name   string // "gzip-5", "br-4", "zstd-fastest"
	coding string
	opts   []streamzip.Option
	bare   func() bareEncoder
}

// Windows as encoders.go configures them for ordinary responses: brotli
// 2^18 below quality 10 and 2^22 from it, zstd 1 MiB (and, as there, no
// zstd content checksum).
const (
	frontierBrotliWindow     = 18
	frontierBrotliHighWindow = 22
	frontierZstdWindow       = 1 << 20
)

// codecSettings are the settings the frontier is drawn from: gzip 1–9
// (klauspost/compress), brotli 0–6 and 11 (andybalholm/brotli), zstd
// fastest, default and better (klauspost/compress).
func codecSettings() []codecSetting {
	var s []codecSetting
	for l := 1; l <= 9; l++ {
		s = append(s, codecSetting{
			name: fmt.Sprintf("gzip-%d", l), coding: "gzip",
			opts: []streamzip.Option{streamzip.WithEncodings("gzip"), streamzip.WithGzipLevel(l)},
			bare: func() bareEncoder { return must(gzip.NewWriterLevel(nil, l)) },
		})
	}
	for _, q := range []int{0, 1, 2, 3, 4, 5, 6, 11} {
		win := frontierBrotliWindow
		if q >= 10 {
			win = frontierBrotliHighWindow
		}
		s = append(s, codecSetting{
			name: fmt.Sprintf("br-%d", q), coding: "br",
			opts: []streamzip.Option{streamzip.WithEncodings("br"), streamzip.WithBrotliLevel(q)},
			bare: func() bareEncoder {
				return brotli.NewWriterOptions(nil, brotli.WriterOptions{Quality: q, LGWin: win})
			},
		})
	}
	for _, l := range []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression} {
		s = append(s, codecSetting{
			name: "zstd-" + l.String(), coding: "zstd",
			opts: []streamzip.Option{streamzip.WithEncodings("zstd"), streamzip.WithZstdLevel(int(l))},
			bare: func() bareEncoder {
				return must(zstd.NewWriter(nil, zstd.WithEncoderLevel(l), zstd.WithWindowSize(frontierZstdWindow),
					zstd.WithEncoderConcurrency(1), zstd.WithZeroFrames(true), zstd.WithEncoderCRC(false)))
			},
		})
	}
	return s
}

// clientClass is what one kind of client sends in Accept-Encoding.
type clientClass struct {
	name   string
	accept string
}

// clientClasses: every current browser; Safari and older browsers; curl
// --compressed, Go's http.Client, most bots.
var clientClasses = []clientClass{
	{"browser", "gzip, deflate, br, zstd"},
	{"gzip-br", "gzip, br"},
	{"gzip", "gzip"},
}

// defaultRow is a middleware at its out-of-the-box settings, served to a
// client class: what most users get.
type defaultRow struct {
	name string // "default-streamzip-browser"
	wrap func(http.Handler) http.Handler
	// stream: the row is meant for event streams (streamzip's defaults
	// bypass them; "compress" turns CompressEventStreams on and nothing else).
	streamOnly bool
}

// defaultRows are, per client class: streamzip's defaults; streamzip's
// defaults before the frontier chose them (brotli 4 first, then gzip 5);
// gzhttp.NewWrapper() with no option (zstd fastest first, then gzip 5);
// and, for event streams only, streamzip with CompressEventStreams and
// otherwise default options.
func defaultRows(cl clientClass) []defaultRow {
	before := mustNew(streamzip.WithEncodings("br", "gzip"), streamzip.WithBrotliLevel(4), streamzip.WithGzipLevel(5))
	gz := must(gzhttp.NewWrapper())
	return []defaultRow{
		{name: "default-streamzip-" + cl.name, wrap: streamzip.Middleware},
		{name: "default-before-" + cl.name, wrap: before},
		{name: "default-gzhttp-" + cl.name, wrap: func(h http.Handler) http.Handler { return gz(h) }},
		{name: "default-compress-" + cl.name, wrap: mustNew(streamzip.WithEventStreams(streamzip.CompressEventStreams)), streamOnly: true},
	}
}

// frontierRow is one benchmark of a corpus: a name, the middleware and the
// Accept-Encoding its client sends.
type frontierRow struct {
	name   string
	accept string
	wrap   func(http.Handler) http.Handler
}

// frontierRows lists every row benchmarked on c: each setting through
// streamzip ("sz-"), each through the bare encoder ("bare-", plain
// responses only: the streams' floor is BenchmarkSSE's), then the
// default rows per client class.
func frontierRows(c corpus) []frontierRow {
	var rows []frontierRow
	for _, s := range codecSettings() {
		opts := s.opts
		if c.events != nil {
			if s.coding == "zstd" && s.name != "zstd-fastest" {
				continue // streams use one zstd setting whatever the level (encoders.go)
			}
			opts = append(opts[:len(opts):len(opts)], streamzip.WithEventStreams(streamzip.CompressEventStreams))
		}
		rows = append(rows, frontierRow{"sz-" + s.name, s.coding, mustNew(opts...)})
		if c.events == nil {
			rows = append(rows, frontierRow{"bare-" + s.name, s.coding, bare(s.coding, s.bare)})
		}
	}
	for _, cl := range clientClasses {
		for _, d := range defaultRows(cl) {
			if d.streamOnly && c.events == nil {
				continue
			}
			rows = append(rows, frontierRow{d.name, cl.accept, d.wrap})
		}
	}
	return rows
}

// handler serves c: the body in one Write, or the events one Write and one
// Flush each.
func (c corpus) handler() http.Handler {
	if c.events != nil {
		return sseHandler(c.events, nil)
	}
	return workload{name: c.name, contentType: c.contentType, body: c.body}.handler()
}

// codingIDs encode a response's Content-Encoding as a benchmark metric
// ("coding"), so the results say what each default row sent.
var codingIDs = map[string]float64{"": 0, "gzip": 1, "br": 2, "zstd": 3}
