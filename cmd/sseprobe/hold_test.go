package main

import (
	"strings"
	"testing"
	"time"
)

// throughHold returns the arrivals of n events written every pace through
// a sender that holds a partly filled packet for hold: the first unsent
// write starts the hold, and everything written until it ends leaves
// together, in one read. The response ends with the last write, which
// sends what is held at once.
func throughHold(n int, pace, hold time.Duration) []arrival {
	var a []arrival
	read := int64(0)
	end := time.Duration(n-1) * pace
	for i := 0; i < n; {
		release := min(time.Duration(i)*pace+hold, end)
		read++
		for ; i < n && time.Duration(i)*pace <= release; i++ {
			a = append(a, arrival{at: release, read: read})
		}
	}
	return a
}

func TestPacketHold(t *testing.T) {
	ms := time.Millisecond
	hold := 207 * ms // what HAProxy 2.6 showed in e2e (TestHAProxyNoDelay)
	pairs := func(n int, every time.Duration) []arrival {
		var a []arrival
		for i := 0; i < n; i++ {
			at := time.Duration(i/2+1) * every
			a = append(a, arrival{at: at, read: int64(i/2 + 1)})
		}
		return a
	}
	// early moves k groups of a held stream forward, as jitter or a full
	// packet sent at once would.
	early := func(a []arrival, k int) []arrival {
		out := append([]arrival(nil), a...)
		moved := 0
		for i := 1; i < len(out) && moved < k; i++ {
			if out[i].read != out[i-1].read {
				shift := out[i].at - out[i-1].at - 50*ms
				for j := i; j < len(out) && out[j].read == out[i].read; j++ {
					out[j].at -= shift
				}
				moved++
				i += 3
			}
		}
		return out
	}
	// measured: the demo (80 ms per token) through a default HAProxy 2.6,
	// arrival times in ms, events from one read listed together.
	var measured []arrival
	for r, g := range [][]int{{276, 2}, {491, 3}, {731, 3}, {975, 3}, {1215, 3}, {1459, 3}, {1699, 3}, {1944, 3}, {2188, 2}} {
		for range g[1] {
			measured = append(measured, arrival{at: time.Duration(g[0]) * ms, read: int64(r + 1)})
		}
	}

	// measured: 25 events 40 ms apart through a default HAProxy 2.6
	// (e2e's TestSSEProbeBehindHAProxy); the end of the response sent the
	// last group 80 ms after the one before.
	var measuredEnd []arrival
	for r, g := range [][]float64{{207.2, 5}, {418.0, 6}, {666.0, 6}, {906.0, 6}, {985.7, 2}} {
		for range int(g[1]) {
			measuredEnd = append(measuredEnd, arrival{at: time.Duration(g[0] * float64(ms)), read: int64(r + 1)})
		}
	}

	tests := []struct {
		name   string
		events []arrival
		hold   bool
	}{
		{"llm pace through the hold", throughHold(40, 80*ms, hold), true},
		{"fast tokens through the hold", throughHold(60, 20*ms, hold), true},
		{"120 ms pace through the hold", throughHold(30, 120*ms, hold), true},
		{"150 ms pace through the hold", throughHold(30, 150*ms, hold), true},
		{"measured through HAProxy", measured, true},
		{"measured through HAProxy, ending early", measuredEnd, true},
		{"one pause in 16 early", early(throughHold(50, 80*ms, hold), 1), true},
		{"three pauses in 16 early", early(throughHold(50, 80*ms, hold), 3), false},
		{"slower than the hold: nothing to see", throughHold(20, 300*ms, hold), false},
		{"llm pace, no hold", steady(40, 80*ms, 80*ms), false},
		{"pairs every 100 ms", pairs(30, 100*ms), false},
		{"pairs every 600 ms", pairs(30, 600*ms), false},
		{"too few groups", throughHold(9, 80*ms, hold), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := judge(tt.events, defaultThresholds)
			if v.hold != tt.hold {
				t.Fatalf("judge = %s %q, hold %v; want hold %v", v.kind, v.detail, v.hold, tt.hold)
			}
			if !tt.hold {
				return
			}
			if v.kind != verdictBuffered || !strings.Contains(v.detail, "HAProxy without option http-no-delay") {
				t.Errorf("judge = %s %q, want buffered naming HAProxy's option http-no-delay", v.kind, v.detail)
			}
			if !strings.Contains(holdFixes()[0], "option http-no-delay") {
				t.Errorf("the first fix %q does not name option http-no-delay", holdFixes()[0])
			}
		})
	}
}

// TestPacketHoldDetail: the verdict says how far apart the groups came.
func TestPacketHoldDetail(t *testing.T) {
	v := judge(throughHold(40, 80*time.Millisecond, 207*time.Millisecond), defaultThresholds)
	want := "buffered: 40 events arrived in groups about 240 ms apart, the rhythm of a ~200 ms hold on every packet"
	if !strings.HasPrefix(v.detail, want) {
		t.Errorf("detail %q, want it to start with %q", v.detail, want)
	}
}
