package main

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// textPrinter writes a table people can read while the stream runs. The
// live "waiting" line goes to stderr only when it is a terminal, so that
// redirected output stays clean.
type textPrinter struct {
	out, errOut io.Writer
	live        bool // errOut is a terminal: draw the waiting line
	liveShown   bool
}

func (p *textPrinter) request(r request) {
	fmt.Fprintf(p.out, "%s %s\n", r.method, r.url)
	accept := r.accept
	if accept == "" {
		accept = "(none)"
	}
	fmt.Fprintf(p.out, "  Accept-Encoding: %s\n", accept)
}

func (p *textPrinter) response(r response) {
	fmt.Fprintf(p.out, "%s %s, headers after %s\n", r.proto, r.status, millis(r.headersAt))
	for _, k := range headersThatMatter {
		v := "(not set)"
		if vs := r.header.Values(k); len(vs) > 0 {
			v = joinValues(vs)
		}
		fmt.Fprintf(p.out, "  %-18s %s\n", k+":", v)
	}
	fmt.Fprintf(p.out, "\n%5s %9s %10s %8s  %s\n", "#", "arrival", "gap", "wire", "data")
}

func (p *textPrinter) event(e event) {
	p.clearLive()
	data := summarize(e.data)
	if e.typ != "message" {
		data = "[" + e.typ + "] " + data
	}
	fmt.Fprintf(p.out, "%5d %9s %10s %8s  %s\n", e.n, fmt.Sprintf("%.3f s", e.at.Seconds()), "+"+duration(e.gap), size(e.wire), clip(data, 60))
}

func (p *textPrinter) waiting(since time.Duration, events int) {
	if !p.live {
		return
	}
	fmt.Fprintf(p.errOut, "\r\033[K  … %s since the last event (%d so far)", seconds(since), events)
	p.liveShown = true
}

func (p *textPrinter) clearLive() {
	if p.liveShown {
		fmt.Fprint(p.errOut, "\r\033[K")
		p.liveShown = false
	}
}

func (p *textPrinter) done(r report) {
	p.clearLive()
	if r.resp != nil && r.verdict != nil {
		fmt.Fprintf(p.out, "\n%d event%s", r.events, plural(r.events))
		if r.comments > 0 {
			fmt.Fprintf(p.out, " (+%d comment%s)", r.comments, plural(r.comments))
		}
		fmt.Fprintf(p.out, ", %s on the wire for %s decoded, %s: stopped after %s\n",
			size(r.wire), size(r.decoded), r.end, seconds(r.elapsed))
		fmt.Fprintf(p.out, "verdict: %s\n", r.verdict.detail)
		if len(r.fixes) > 0 {
			fmt.Fprintln(p.out, "fixes:")
			for _, f := range r.fixes {
				fmt.Fprintf(p.out, "  - %s\n", f)
			}
		}
	}
	if r.err != nil {
		fmt.Fprintf(p.errOut, "sseprobe: %v\n", r.err)
	}
}

// duration formats a gap: milliseconds below a second, else seconds.
func duration(d time.Duration) string {
	if d < time.Second {
		return millis(d)
	}
	return fmt.Sprintf("%.3f s", d.Seconds())
}

// size formats a byte count: "18 B", "1.4 KB".
func size(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f KB", float64(n)/1024)
}

// clip shortens s to n runes on one line.
func clip(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", "⏎")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
