package main

import (
	"bufio"
	"fmt"
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchmath"

	"github.com/streamzip/streamzip"
)

// The codec frontier (BenchmarkFrontier): per corpus, bytes sent against
// CPU for every codec setting through streamzip, the frontier marked, and
// the defaults of streamzip and gzhttp weighed against it and each other.

// frontierCorpora are the corpora in the order of the tables, with what
// they stand for.
var frontierCorpora = []struct{ name, what string }{
	{"json1k", "JSON API response, 1 KiB"},
	{"json16k", "JSON API response, 16 KiB"},
	{"json256k", "JSON API response, 256 KiB"},
	{"html", "server-rendered HTML page"},
	{"js", "minified JavaScript bundle"},
	{"css", "minified stylesheet"},
	{"svg", "SVG icon sprite"},
	{"sse", "SSE token events, one flush each (per event)"},
}

// clientClasses are the Accept-Encoding headers the default rows are
// served to (frontier_test.go).
var clientClasses = []struct{ name, accept string }{
	{"browser", "gzip, deflate, br, zstd"},
	{"gzip-br", "gzip, br"},
	{"gzip", "gzip"},
}

// codingNames maps the "coding" metric back to a Content-Encoding.
var codingNames = map[float64]string{0: "identity", 1: "gzip", 2: "br", 3: "zstd"}

// withinFrontier is how far from the frontier a default may lie: its bytes
// at most 5 % above the smallest any setting reaches at no more CPU, and
// its CPU at most 5 % above the least any setting needs for no more bytes.
const withinFrontier = 0.05

// point is one row of a corpus: a codec setting or a default.
type point struct {
	name   string  // "gzip-5" for a setting, "default-gzhttp-browser" for a default
	coding string  // Content-Encoding sent
	ns     float64 // CPU: process CPU ns per response, or per event for streams
	wall   float64 // wall-clock ns, same unit
	bytes  float64 // bytes sent: per response, or per event for streams
	body   float64 // bytes before encoding (per event for streams)
	allocs float64
	bare   float64 // the bare encoder's ns at the same setting, 0 if none
	front  bool    // on the frontier: no other setting is both smaller and cheaper
}

// corpusPoints reads one corpus: its codec settings through streamzip, and
// its default rows.
type corpusPoints struct {
	name     string
	stream   bool
	settings []point
	defaults map[string]point
}

func loadCorpus(res *results, corpus string) (corpusPoints, bool) {
	prefix := "Frontier/" + corpus + "/"
	names := res.names(prefix)
	if len(names) == 0 {
		return corpusPoints{}, false
	}
	cp := corpusPoints{name: corpus, defaults: map[string]point{}}
	_, cp.stream = res.median(prefix+names[0], "ns/event")
	// Per op, divided by the events of a stream: CPU from the process's
	// CPU time (cpu-ns/op), which waiting for a shared CPU does not
	// inflate; wall-clock ns/op beside it.
	read := func(n string) point {
		p := point{name: n}
		p.ns, _ = res.median(prefix+n, "cpu-ns/op")
		p.wall, _ = res.median(prefix+n, "ns/op")
		p.bytes, _ = res.median(prefix+n, "wire-B/op")
		p.body, _ = res.median(prefix+n, "body-B/op")
		p.allocs, _ = res.median(prefix+n, "allocs/op")
		id, _ := res.median(prefix+n, "coding")
		p.coding = codingNames[id]
		if events, ok := res.median(prefix+n, "events/op"); ok && events > 0 {
			p.ns, p.wall, p.bytes, p.body = p.ns/events, p.wall/events, p.bytes/events, p.body/events
		}
		return p
	}
	for _, n := range names {
		switch {
		case strings.HasPrefix(n, "sz-"):
			p := read(n)
			p.name = strings.TrimPrefix(n, "sz-")
			if bare, ok := res.median(prefix+"bare-"+p.name, "cpu-ns/op"); ok {
				p.bare = bare
			}
			cp.settings = append(cp.settings, p)
		case strings.HasPrefix(n, "default-"):
			cp.defaults[n] = read(n)
		}
	}
	markFrontier(cp.settings)
	return cp, true
}

// markFrontier sets front on every point that no other point dominates.
func markFrontier(ps []point) {
	for i := range ps {
		ps[i].front = true
		for j := range ps {
			if i != j && dominates(ps[j], ps[i]) {
				ps[i].front = false
				break
			}
		}
	}
}

func dominates(q, p point) bool {
	return q.ns <= p.ns && q.bytes <= p.bytes && (q.ns < p.ns || q.bytes < p.bytes)
}

// gaps returns how far p lies from the frontier of settings: the bytes it
// could save at no more CPU, and the CPU it could save at no more bytes,
// each as a fraction of p's own figure's excess (0 on the frontier).
func gaps(settings []point, p point) (bytesGap, cpuGap float64) {
	minBytes, minNs := math.Inf(1), math.Inf(1)
	for _, q := range settings {
		if q.ns <= p.ns {
			minBytes = min(minBytes, q.bytes)
		}
		if q.bytes <= p.bytes {
			minNs = min(minNs, q.ns)
		}
	}
	if !math.IsInf(minBytes, 1) && minBytes > 0 {
		bytesGap = max(0, p.bytes/minBytes-1)
	}
	if !math.IsInf(minNs, 1) && minNs > 0 {
		cpuGap = max(0, p.ns/minNs-1)
	}
	return bytesGap, cpuGap
}

// frontierSection writes the defaults' targets, then one table per corpus.
func frontierSection(w *bufio.Writer, res *results) {
	var cps []corpusPoints
	for _, c := range frontierCorpora {
		if cp, ok := loadCorpus(res, c.name); ok {
			cps = append(cps, cp)
		}
	}
	if len(cps) == 0 {
		return
	}
	fmt.Fprintf(w, "## Codec frontier\n\n")
	fmt.Fprintf(w, "Every corpus through streamzip at every codec setting — gzip 1–9 (klauspost/compress), "+
		"brotli 0–6 and 11 (andybalholm/brotli, window 2^18, 2^22 from quality 10), zstd fastest/default/better "+
		"(klauspost/compress, 1 MiB window) — each configured with `New(WithEncodings(c), With…Level(l))` and "+
		"served into the discarding writer, next to the bare encoder at the same setting. "+
		"Event streams use `CompressEventStreams` and are measured per event (200 events, one Write and one Flush each); "+
		"streams use zstd fastest with a 32 KiB window whatever the zstd level, so they have one zstd row. "+
		"◆ marks the frontier: no other setting is both smaller and cheaper. Elsewhere, +B is how many more bytes "+
		"the row sends than the smallest setting of no more CPU, +CPU how much more CPU it takes than the cheapest "+
		"setting of no more bytes. A default is *within 5 %%* of the frontier when both are ≤ 5 %%. "+
		"CPU is the process's CPU time per response (cpu-ns/op: the benchmark's goroutine and the garbage collection "+
		"it causes), which time spent waiting for a shared CPU does not inflate; wall-clock time is shown beside it. "+
		"benchstat's summary of these rows is in results/frontier-benchstat.txt.\n\n")
	fmt.Fprintf(w, "Clients: **browser** sends `%s`, **gzip-br** `%s` (Safari, older browsers), **gzip** `%s` "+
		"(curl --compressed, Go's http.Client, most bots). *before* is streamzip's defaults before this table chose "+
		"them (brotli 4, then gzip 5); gzhttp is `gzhttp.NewWrapper()` with no option (zstd fastest with a 128 KiB "+
		"window, then gzip 5).\n\n", clientClasses[0].accept, clientClasses[1].accept, clientClasses[2].accept)
	defaultsTable(w, res, cps)
	frontierTargets(w, res, cps)
	for _, cp := range cps {
		corpusTable(w, cp)
	}
}

// defaultsTable: per corpus and client class, what each middleware's
// defaults send and what it costs, side by side.
func defaultsTable(w *bufio.Writer, res *results, cps []corpusPoints) {
	fmt.Fprintf(w, "### Defaults per client\n\n")
	fmt.Fprintf(w, "| corpus | client | streamzip | before | gzhttp | CPU × gzhttp | bytes × gzhttp | vs frontier (+B / +CPU) | met |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|--:|--:|--:|---|\n")
	cell := func(p point, ok bool) string {
		if !ok {
			return "—"
		}
		return fmt.Sprintf("%s: %s B, %s", p.coding, bytesCell(p.bytes), nsHuman(p.ns))
	}
	for _, cp := range cps {
		for _, cl := range clientClasses {
			gzName := "default-gzhttp-" + cl.name
			gz, okG := cp.defaults[gzName]
			if !okG {
				continue
			}
			rows := []struct{ name, label string }{{"default-streamzip-" + cl.name, cl.name}}
			if cp.stream {
				rows = append(rows, struct{ name, label string }{"default-compress-" + cl.name, cl.name + ", CompressEventStreams"})
			}
			for i, r := range rows {
				sz, ok := cp.defaults[r.name]
				if !ok {
					continue
				}
				before, okB := cp.defaults["default-before-"+cl.name]
				if i > 0 {
					okB = false
				}
				cpu, cpuOK := cpuVerdict(res, "Frontier/"+cp.name+"/"+r.name, "Frontier/"+cp.name+"/"+gzName, 1)
				set, bg, cg := settingGaps(cp, r.name, sz.coding, cl.accept)
				near := sz.coding == "identity" || (bg <= withinFrontier && cg <= withinFrontier)
				fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %.3f | %s | %s |\n", cp.name, r.label,
					cell(sz, true), cell(before, okB), cell(gz, true), cpu, sz.bytes/gz.bytes, set+gapCell(bg, cg),
					yes(cpuOK && sz.bytes <= gz.bytes && near))
			}
		}
	}
	fmt.Fprintf(w, "\nCPU × gzhttp is the ratio of medians; *tie* means streamzip's median is higher but the "+
		"difference is not significant (Mann-Whitney U test, p ≥ 0.05, benchstat's test): the two cannot be told "+
		"apart in this run. vs frontier: where the default's setting (the row of that setting in the corpus "+
		"table, measured in the same sweep as the other settings) lies against the frontier of the settings this "+
		"client accepts (gzip and brotli for gzip-br, gzip alone for gzip). met: CPU no more than "+
		"gzhttp's (or a tie), bytes no more than gzhttp's, and within 5 %% of the frontier. Event streams are bypassed by default (identity, flushed per event): the cheapest "+
		"point of every stream frontier but not the smallest, so the identity rows cannot meet the bytes target; "+
		"the CompressEventStreams rows are what a server that turns stream compression on gets.\n\n")
}

// settingGaps finds the codec setting a default row used (by its coding
// and the levels that middleware configures) and returns that setting's
// gaps to the frontier: the setting's own row, measured in the same sweep
// as the others, so two measurements of one configuration do not pass for
// a distance. Without a matching setting the default row itself is used.
func settingGaps(cp corpusPoints, row, coding, accept string) (label string, bytesGap, cpuGap float64) {
	settings := accepted(cp.settings, accept)
	name := ""
	switch {
	case strings.HasPrefix(row, "default-streamzip-"), strings.HasPrefix(row, "default-compress-"):
		name = map[string]string{
			"gzip": fmt.Sprintf("gzip-%d", streamzip.DefaultGzipLevel),
			"br":   fmt.Sprintf("br-%d", streamzip.DefaultBrotliLevel),
			"zstd": "zstd-" + zstdLevelNames[streamzip.DefaultZstdLevel],
		}[coding]
	case strings.HasPrefix(row, "default-before-"):
		name = map[string]string{"gzip": "gzip-5", "br": "br-4"}[coding]
	}
	for _, p := range settings {
		if p.name == name {
			bg, cg := gaps(settings, p)
			return name + " ", bg, cg
		}
	}
	bg, cg := gaps(settings, cp.defaults[row])
	return "", bg, cg
}

// accepted returns the settings whose coding a client sending accept can
// receive: a client's frontier is drawn from what it could be sent.
func accepted(settings []point, accept string) []point {
	var out []point
	for _, p := range settings {
		cd, _, _ := strings.Cut(p.name, "-")
		for _, tok := range strings.Split(accept, ",") {
			if strings.TrimSpace(tok) == cd {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// zstdLevelNames are klauspost's EncoderLevel names, by WithZstdLevel's number.
var zstdLevelNames = map[int]string{1: "fastest", 2: "default", 3: "better", 4: "best"}

// cpuVerdict compares the CPU samples of a and of limit × b: "0.97" when
// a's median is no higher, "1.02 (tie, p=0.31)" when it is higher without
// a significant difference, "**1.08** (p=0.002)" when significantly higher.
// ok is false only in the last case.
func cpuVerdict(res *results, a, b string, limit float64) (string, bool) {
	sa, sb := res.samples[a]["cpu-ns/op"], slices.Clone(res.samples[b]["cpu-ns/op"])
	ma, okA := res.median(a, "cpu-ns/op")
	mb, okB := res.median(b, "cpu-ns/op")
	if !okA || !okB || mb == 0 {
		return "—", false
	}
	r := ma / mb
	if r <= limit {
		return fmt.Sprintf("%.2f", r), true
	}
	for i := range sb {
		sb[i] *= limit
	}
	c := benchmath.AssumeNothing.Compare(benchmath.NewSample(sa, &benchmath.DefaultThresholds),
		benchmath.NewSample(sb, &benchmath.DefaultThresholds))
	if c.P >= c.Alpha {
		return fmt.Sprintf("%.2f (tie, p=%.2f)", r, c.P), true
	}
	return fmt.Sprintf("**%.2f** (p=%.3f)", r, c.P), false
}

// frontierTargets: the targets that hold for every setting.
func frontierTargets(w *bufio.Writer, res *results, cps []corpusPoints) {
	fmt.Fprintf(w, "### Targets at every setting\n\n")
	fmt.Fprintf(w, "| corpus | settings ≤ 1.05× bare (or a tie) | significantly over | worst × bare | streamzip allocs/op, gzip and zstd (max) | gzhttp default allocs/op | brotli: streamzip − bare allocs (max) | met |\n|---|--:|---|--:|--:|--:|--:|---|\n")
	for _, cp := range cps {
		if cp.stream || cp.settings[0].body < 10<<10 {
			continue
		}
		prefix := "Frontier/" + cp.name + "/"
		within, worst, worstName, maxAllocs, brExtra := 0, 0.0, "", 0.0, 0.0
		var over []string
		for _, p := range cp.settings {
			if p.bare == 0 {
				continue
			}
			if v, ok := cpuVerdict(res, prefix+"sz-"+p.name, prefix+"bare-"+p.name, 1.05); ok {
				within++
			} else {
				over = append(over, p.name+" "+v)
			}
			if r := p.ns / p.bare; r > worst {
				worst, worstName = r, p.name
			}
			if strings.HasPrefix(p.name, "br-") {
				bareAllocs, _ := res.median(prefix+"bare-"+p.name, "allocs/op")
				brExtra = max(brExtra, p.allocs-bareAllocs)
			} else {
				maxAllocs = max(maxAllocs, p.allocs)
			}
		}
		gzAllocs := cp.defaults["default-gzhttp-browser"].allocs
		overCell := "—"
		if len(over) > 0 {
			overCell = strings.Join(over, ", ")
		}
		fmt.Fprintf(w, "| %s | %d of %d | %s | %.2f (%s) | %.0f | %.0f | %+.0f | %s |\n", cp.name, within, len(cp.settings), overCell,
			worst, worstName, maxAllocs, gzAllocs, brExtra, yes(len(over) == 0 && maxAllocs <= gzAllocs))
	}
	fmt.Fprintf(w, "\nBodies of 10 KiB or more, CPU time per response through streamzip against the bare encoder "+
		"at the same setting (a tie: over 1.05× but not significantly, as above). Allocations: everything streamzip "+
		"allocates per response at the gzip and zstd settings (gzhttp's codings) against everything gzhttp allocates "+
		"by default; brotli's higher qualities allocate inside the encoder, through any middleware, so for brotli "+
		"the column shows what streamzip adds to the bare encoder.\n\n")
}

// corpusTable writes one corpus: every setting, then the default rows.
func corpusTable(w *bufio.Writer, cp corpusPoints) {
	what := ""
	for _, c := range frontierCorpora {
		if c.name == cp.name {
			what = c.what
		}
	}
	unit := "response"
	if cp.stream {
		unit = "event"
	}
	body := cp.settings[0].body
	fmt.Fprintf(w, "### %s: %s (%s per %s)\n\n", cp.name, what, bytesHuman(body), unit)
	fmt.Fprintf(w, "| setting | bytes/%s | %% of body | CPU/%s | MB/s (CPU) | wall/%s | × bare (CPU) | allocs/op | frontier |\n|---|--:|--:|--:|--:|--:|--:|--:|---|\n", unit, unit, unit)
	sorted := slices.Clone(cp.settings)
	slices.SortStableFunc(sorted, func(a, b point) int { return cmpFloat(a.ns, b.ns) })
	for _, p := range sorted {
		mark := "◆"
		if !p.front {
			mark = gapCell(gaps(cp.settings, p))
		}
		label := p.name
		if p.front {
			label = "**" + p.name + "**"
		}
		xBare, mbps := "—", "—"
		if p.bare > 0 {
			xBare = fmt.Sprintf("%.2f", p.ns/p.bare)
		}
		if p.ns > 0 {
			mbps = fmt.Sprintf("%.1f", body/p.ns*1e3) // bytes per ns × 1e3 = MB/s
		}
		fmt.Fprintf(w, "| %s | %s | %.1f | %s | %s | %s | %s | %.0f | %s |\n", label, bytesCell(p.bytes), 100*p.bytes/body,
			nsHuman(p.ns), mbps, nsHuman(p.wall), xBare, p.allocs, mark)
	}
	fmt.Fprintf(w, "\n| default | client | coding | bytes/%s | CPU/%s | wall/%s | allocs/op | frontier |\n|---|---|---|--:|--:|--:|--:|---|\n", unit, unit, unit)
	for _, who := range []string{"streamzip", "before", "gzhttp", "compress"} {
		for _, cl := range clientClasses {
			p, ok := cp.defaults["default-"+who+"-"+cl.name]
			if !ok {
				continue
			}
			set, bg, cg := settingGaps(cp, "default-"+who+"-"+cl.name, p.coding, cl.accept)
			name := who
			if who == "compress" {
				name = "streamzip CompressEventStreams"
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %.0f | %s |\n", name, cl.name, p.coding, bytesCell(p.bytes), nsHuman(p.ns), nsHuman(p.wall), p.allocs, set+gapCell(bg, cg))
		}
	}
	fmt.Fprintln(w)
}

func gapCell(bytesGap, cpuGap float64) string {
	if bytesGap == 0 && cpuGap == 0 {
		return "◆"
	}
	return fmt.Sprintf("+%.1f%% B / +%.0f%% CPU", 100*bytesGap, 100*cpuGap)
}

// bytesCell prints a byte count: whole bytes, or one decimal per event.
func bytesCell(b float64) string {
	if b < 100 && b != math.Trunc(b) {
		return fmt.Sprintf("%.1f", b)
	}
	return fmt.Sprintf("%.0f", b)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
