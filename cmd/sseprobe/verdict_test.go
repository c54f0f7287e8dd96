package main

import (
	"strings"
	"testing"
	"time"
)

// steady returns n arrivals every gap after first, each in its own read.
func steady(n int, first, gap time.Duration) []arrival {
	a := make([]arrival, n)
	for i := range a {
		a[i] = arrival{at: first + time.Duration(i)*gap, read: int64(i + 1)}
	}
	return a
}

// together returns n arrivals at the same instant, from one read.
func together(n int, at time.Duration, read int64) []arrival {
	a := make([]arrival, n)
	for i := range a {
		a[i] = arrival{at: at, read: read}
	}
	return a
}

func TestJudge(t *testing.T) {
	ms := time.Millisecond
	var proxyChunks []arrival // a proxy buffer released every 10 events
	for b := 0; b < 4; b++ {
		proxyChunks = append(proxyChunks, together(10, time.Duration(b+1)*800*ms, int64(b+1))...)
	}
	coalesced := append(steady(2, 80*ms, 80*ms), together(3, 300*ms, 3)...) // a slow reader: 3 events in one read
	coalesced = append(coalesced, steady(10, 380*ms, 80*ms)...)
	for i := range coalesced {
		coalesced[i].read = int64(i) // distinct reads except the three together
	}
	coalesced[3].read, coalesced[4].read = coalesced[2].read, coalesced[2].read
	tests := []struct {
		name   string
		events []arrival
		kind   string
		detail string // a substring of the detail
	}{
		{"llm pace", steady(40, 80*ms, 80*ms), verdictStreamed, "streamed: 40 events over 3.1 s, 80 ms apart on median"},
		{"fast llm after a long first token", steady(40, 2*time.Second, 10*ms), verdictStreamed, "streamed"},
		{"all at the end", together(41, 3300*ms, 7), verdictBuffered, "buffered: 41 events arrived within 0 µs after 3.3 s of silence — likely a compression or proxy buffer"},
		{"proxy buffer in chunks", proxyChunks, verdictBuffered, "buffered: 40 of 40 events arrived in 4 bursts, the largest 10 events"},
		{"a slow reader, no silence", coalesced, verdictStreamed, "streamed"},
		{"one burst among many", append(steady(30, 80*ms, 80*ms), together(5, 4*time.Second, 99)...), verdictStreamed, "but events 31–35 arrived within 0 µs after 1.6 s of silence"},
		{"two events", together(2, time.Second, 1), verdictInconclusive, "2 events, too few"},
		{"none", nil, verdictInconclusive, "0 events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := judge(tt.events, defaultThresholds)
			if v.kind != tt.kind || !strings.Contains(v.detail, tt.detail) {
				t.Errorf("judge = %s %q, want %s containing %q", v.kind, v.detail, tt.kind, tt.detail)
			}
		})
	}
}

// TestBurstsBySameRead: events decoded from one read arrived together even
// if the clock says otherwise (the decoder can be slow).
func TestBurstsBySameRead(t *testing.T) {
	ev := []arrival{{at: 1 * time.Second, read: 1}, {at: 1*time.Second + 50*time.Millisecond, read: 1}, {at: 1*time.Second + 90*time.Millisecond, read: 1}}
	b := bursts(ev, defaultThresholds)
	if len(b) != 1 || b[0].count != 3 || b[0].silence != time.Second {
		t.Fatalf("bursts = %+v, want one of 3 after 1s", b)
	}
}
