package main

import (
	"bufio"
	"fmt"
	"strings"
)

// compressedWorkloads are the workloads above min size; bigWorkloads are
// those of 10 KiB or more, where the bare-encoder target applies.
var (
	compressedWorkloads = []string{"json1k", "json16k", "json256k", "html"}
	bigWorkloads        = []string{"json16k", "json256k", "html"}
	passthroughWorkload = "png"
)

// targets writes the targets as ratios from this run.
func targets(w *bufio.Writer, res *results) {
	fmt.Fprintf(w, "## Targets\n\n| target | workload | figure | met |\n|---|---|---|---|\n")
	row := func(target, wl string, ratio float64, ok, limitOK bool) {
		if !ok {
			return
		}
		fmt.Fprintf(w, "| %s | %s | %.2f× | %s |\n", target, wl, ratio, yes(limitOK))
	}
	for _, wl := range compressedWorkloads {
		r, ok := ratio(res, wl, "streamzip-gzip", "gzhttp-gzip", "ns/op")
		row("ns/op ≤ gzhttp (gzip 5)", wl, r, ok, r <= 1)
	}
	for _, wl := range compressedWorkloads {
		a, okA := res.median("Response/"+wl+"/streamzip-gzip", "allocs/op")
		b, okB := res.median("Response/"+wl+"/gzhttp-gzip", "allocs/op")
		if okA && okB {
			fmt.Fprintf(w, "| allocs/op ≤ gzhttp | %s | %.0f vs %.0f | %s |\n", wl, a, b, yes(a <= b))
		}
	}
	for _, wl := range bigWorkloads {
		for _, cd := range []string{"gzip", "br"} {
			r, ok := ratio(res, wl, "streamzip-"+cd, "bare-"+cd, "ns/op")
			row("ns/op ≤ 1.05× bare "+cd, wl, r, ok, r <= 1.05)
		}
	}
	loopbackTargets(w, res)
	for _, cd := range []string{"gzip", "br"} {
		r, ok := ratio(res, passthroughWorkload, "streamzip-"+cd, "none", "ns/op")
		row("passthrough into the discarding writer ns/op ≤ 1.05× none (Accept-Encoding: "+cd+")", passthroughWorkload, r, ok, r <= 1.05)
		a, okA := res.median("Response/"+passthroughWorkload+"/streamzip-"+cd, "allocs/op")
		n, okN := res.median("Response/"+passthroughWorkload+"/none", "allocs/op")
		if okA && okN {
			fmt.Fprintf(w, "| passthrough into the discarding writer: ≤ 1 alloc over none (the wrapper) (%s) | %s | +%.0f | %s |\n", cd, passthroughWorkload, a-n, yes(a-n <= 1))
		}
	}
	fmt.Fprintln(w)
	discardNote(w, res)
}

// discardNote says why the pass-through ratio into the discarding writer
// is not a target anyone can meet: it divides the wrapper's absolute cost
// by a floor that is almost nothing.
func discardNote(w *bufio.Writer, res *results) {
	p := "Response/" + passthroughWorkload + "/"
	none, okN := res.median(p+"none", "ns/op")
	sz, okS := res.median(p+"streamzip-gzip", "ns/op")
	if !okN || !okS {
		return
	}
	fmt.Fprintf(w, "The discarding-writer pass-through rows cannot be met by any wrapper: there no middleware "+
		"costs %s, so 5%% is %s, and streamzip adds %s (negotiating and deciding). "+
		"Over loopback the same nanoseconds are weighed against a whole request; those rows are the target.\n\n",
		nsHuman(none), nsHuman(none*0.05), nsHuman(sz-none))
}

// plainTables writes one table per workload.
func plainTables(w *bufio.Writer, res *results) {
	fmt.Fprintf(w, "## Plain responses\n\n")
	for _, wl := range []string{"json1k", "json16k", "json256k", "html", "small", "png"} {
		prefix := "Response/" + wl + "/"
		names := res.names(prefix)
		if len(names) == 0 {
			continue
		}
		body, _ := res.median(prefix+"none", "wire-B/op")
		fmt.Fprintf(w, "### %s (%s body)\n\n", wl, bytesHuman(body))
		passthrough := wl == "small" || wl == "png"
		if passthrough {
			fmt.Fprintf(w, "| contender | ns/op | B/op | allocs/op | wire B | × none |\n|---|--:|--:|--:|--:|--:|\n")
		} else {
			fmt.Fprintf(w, "| contender | ns/op | B/op | allocs/op | wire B | × gzhttp | × bare |\n|---|--:|--:|--:|--:|--:|--:|\n")
		}
		for _, n := range names {
			ns, _ := res.median(prefix+n, "ns/op")
			bop, _ := res.median(prefix+n, "B/op")
			allocs, _ := res.median(prefix+n, "allocs/op")
			wire, _ := res.median(prefix+n, "wire-B/op")
			label := n
			if strings.HasPrefix(n, "streamzip") {
				label = "**" + n + "**"
			}
			fmt.Fprintf(w, "| %s | %s | %.0f | %.0f | %.0f |", label, nsHuman(ns), bop, allocs, wire)
			if passthrough {
				fmt.Fprintf(w, " %s |\n", ratioCell(res, wl, n, "none"))
				continue
			}
			vsGzhttp := "—"
			if strings.HasSuffix(n, "-gzip") {
				vsGzhttp = ratioCell(res, wl, n, "gzhttp-gzip")
			}
			vsBare := "—"
			if cd := coding(n); cd != "" && n != "none" {
				vsBare = ratioCell(res, wl, n, "bare-"+cd)
			}
			fmt.Fprintf(w, " %s | %s |\n", vsGzhttp, vsBare)
		}
		fmt.Fprintln(w)
	}
}

// sseTable writes the event-stream comparison, idle memory included.
func sseTable(w *bufio.Writer, res *results) {
	names := res.names("SSE/")
	if len(names) == 0 {
		return
	}
	idleNone, _ := res.median("Idle/none", "idle-KiB/stream")
	fmt.Fprintf(w, "## Event stream: 1,000 LLM token events (~270 B each, Write + Flush per event)\n\n")
	fmt.Fprintf(w, "buffered = events a client could not decode right after their Flush "+
		"(the wire is decoded after every Flush). B/op and allocs/op are per 1,000-event stream. "+
		"idle KiB/stream: live heap per stream with 200 streams open after one event each, "+
		"minus the same figure with no middleware (%.1f KiB).\n\n", idleNone)
	fmt.Fprintf(w, "| contender | coding | ns/event | wire B/event | buffered | B/op | allocs/op | idle KiB/stream |\n|---|---|--:|--:|--:|--:|--:|--:|\n")
	for _, n := range names {
		ev, _ := res.median("SSE/"+n, "ns/event")
		wire, _ := res.median("SSE/"+n, "wire-B/event")
		buf, _ := res.median("SSE/"+n, "buffered-events")
		bop, _ := res.median("SSE/"+n, "B/op")
		allocs, _ := res.median("SSE/"+n, "allocs/op")
		idle := "—"
		if v, ok := res.median("Idle/"+n, "idle-KiB/stream"); ok {
			idle = fmt.Sprintf("%.1f", v-idleNone)
		}
		cd := coding(n)
		if cd == "" {
			cd = "identity"
		}
		label := n
		if strings.HasPrefix(n, "streamzip") {
			label = "**" + n + "**"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.1f | %.0f | %.0f | %.0f | %s |\n", label, cd, nsHuman(ev), wire, buf, bop, allocs, idle)
	}
	fmt.Fprintln(w)
}

func ratio(res *results, wl, a, b, unit string) (float64, bool) {
	x, okA := res.median("Response/"+wl+"/"+a, unit)
	y, okB := res.median("Response/"+wl+"/"+b, unit)
	if !okA || !okB || y == 0 {
		return 0, false
	}
	return x / y, true
}

func ratioCell(res *results, wl, a, b string) string {
	if r, ok := ratio(res, wl, a, b, "ns/op"); ok {
		return fmt.Sprintf("%.2f", r)
	}
	return "—"
}

// coding returns the content coding a contender name ends with.
func coding(name string) string {
	switch {
	case strings.HasSuffix(name, "-gzip"):
		return "gzip"
	case strings.HasSuffix(name, "-br"):
		return "br"
	}
	return ""
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func nsHuman(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e4:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	case ns >= 1e3:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func bytesHuman(n float64) string {
	if n >= 1024 {
		return fmt.Sprintf("%.1f KiB", n/1024)
	}
	return fmt.Sprintf("%.0f B", n)
}
