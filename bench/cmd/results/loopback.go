package main

import (
	"bufio"
	"fmt"
	"strings"
)

// passthroughWorkloads are the responses every careful middleware sends
// unencoded: one below min size, one of an already compressed type.
var passthroughWorkloads = []string{"small", "png"}

// loopbackTargets writes the pass-through target rows measured over a real
// loopback connection, where the wrapper is weighed against the whole cost
// of a request (BenchmarkLoopback).
func loopbackTargets(w *bufio.Writer, res *results) {
	for _, wl := range passthroughWorkloads {
		p := "Loopback/" + wl + "/"
		sz, okS := res.median(p+"streamzip-gzip", "ns/op")
		none, okN := res.median(p+"none", "ns/op")
		if okS && okN && none > 0 {
			r := sz / none
			fmt.Fprintf(w, "| passthrough over loopback ns/op ≤ 1.05× none | %s | %.2f× | %s |\n", wl, r, yes(r <= 1.05))
		}
		a, okA := res.median(p+"streamzip-gzip", "allocs/op")
		n, okN := res.median(p+"none", "allocs/op")
		if !okA || !okN {
			continue
		}
		// The floor with the same headers: a response streamzip marks
		// Vary: Accept-Encoding is weighed against none-vary, whose extra
		// allocations are the client parsing that header.
		fig := fmt.Sprintf("%+.0f over none", a-n)
		met := a-n <= 1
		if v, ok := res.median(p+"none-vary", "allocs/op"); ok {
			fig += fmt.Sprintf(", %+.0f over none-vary", a-v)
			met = met || a-v <= 1
		}
		fmt.Fprintf(w, "| passthrough over loopback: ≤ 1 alloc beyond the wrapper | %s | %s | %s |\n", wl, fig, yes(met))
	}
}

// loopbackTable writes the pass-through workloads served over a loopback
// connection, next to the same responses into the discarding writer.
func loopbackTable(w *bufio.Writer, res *results) {
	if len(res.names("Loopback/png/")) == 0 && len(res.names("Loopback/small/")) == 0 {
		return
	}
	fmt.Fprintf(w, "## Pass-through over loopback\n\n")
	fmt.Fprintf(w, "The pass-through responses served over a real loopback connection with keep-alive, "+
		"one request at a time: ns/op, B/op and allocs/op are the whole request, server and client "+
		"(both run in the benchmark's process). none-vary is no middleware with the handler setting "+
		"`Vary: Accept-Encoding`, the header a compressing middleware adds to a response it could "+
		"have encoded; what it adds to none is the client parsing that header. "+
		"+ns vs discard is the same contender's ns/op minus none's in the discarding-writer table "+
		"above: what the middleware adds where nothing else costs anything. "+
		"encoded: whether the contender sent the response with a Content-Encoding; "+
		"where it did, the row is not a pass-through but the cost of encoding it.\n\n")
	for _, wl := range passthroughWorkloads {
		p := "Loopback/" + wl + "/"
		names := res.names(p)
		if len(names) == 0 {
			continue
		}
		fmt.Fprintf(w, "### %s\n\n| contender | ns/op | B/op | allocs/op | wire B | encoded | × none | × none-vary | +ns vs discard |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n", wl)
		none, _ := res.median(p+"none", "ns/op")
		vary, okV := res.median(p+"none-vary", "ns/op")
		discNone, okDN := res.median("Response/"+wl+"/none", "ns/op")
		for _, n := range names {
			ns, _ := res.median(p+n, "ns/op")
			bop, _ := res.median(p+n, "B/op")
			allocs, _ := res.median(p+n, "allocs/op")
			wire, _ := res.median(p+n, "wire-B/op")
			enc := "no"
			if v, _ := res.median(p+n, "encoded"); v > 0 {
				enc = "**yes**"
			}
			xNone, xVary, disc := "—", "—", "—"
			if none > 0 {
				xNone = fmt.Sprintf("%.2f", ns/none)
			}
			if okV && vary > 0 {
				xVary = fmt.Sprintf("%.2f", ns/vary)
			}
			if d, ok := res.median("Response/"+wl+"/"+n, "ns/op"); ok && okDN && n != "none" {
				disc = fmt.Sprintf("+%s", nsHuman(d-discNone))
			}
			label := n
			if strings.HasPrefix(n, "streamzip") {
				label = "**" + n + "**"
			}
			fmt.Fprintf(w, "| %s | %s | %.0f | %.0f | %.0f | %s | %s | %s | %s |\n", label, nsHuman(ns), bop, allocs, wire, enc, xNone, xVary, disc)
		}
		fmt.Fprintln(w)
	}
}
