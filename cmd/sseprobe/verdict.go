package main

import (
	"fmt"
	"time"
)

// thresholds tune the buffering verdict.
type thresholds struct {
	// burstGap: events closer than this (or decoded from the same read of
	// the body) arrived together.
	burstGap time.Duration
	// minSilence: a burst is "held back" when nothing arrived for at least
	// this long before it (since the previous event, or since the request
	// for the first one).
	minSilence time.Duration
	// minBurst: fewer events than this together are not a burst; a stream
	// of fewer events cannot be judged.
	minBurst int
}

var defaultThresholds = thresholds{burstGap: 5 * time.Millisecond, minSilence: 500 * time.Millisecond, minBurst: 3}

// arrival is when an event was decoded, and by which read of the body.
type arrival struct {
	at   time.Duration // since the request was sent
	read int64         // number of the body read that completed the event
}

// burst is a run of events that arrived together.
type burst struct {
	first   int           // index of its first event
	count   int           // events in it
	start   time.Duration // arrival of its first event
	span    time.Duration // from its first event to its last
	silence time.Duration // nothing arrived for this long before it
}

// verdict kinds, also the exit status they map to.
const (
	verdictStreamed     = "streamed"
	verdictBuffered     = "buffered"
	verdictInconclusive = "inconclusive"
)

// verdict is the judgement on a stream's arrival pattern.
type verdict struct {
	kind   string
	detail string  // one line for people
	held   []burst // bursts that came after a silence: the evidence
	// hold: the events were held about 200 ms each (packetHold), so
	// the fixes are about packets, not buffers.
	hold bool
}

// judge decides whether events were streamed or held back and released in
// bursts. A buffer shows as a silence followed by many events at once: if
// at least half the events arrived in such bursts the stream is buffered.
// A stream that sends several events at once on purpose (a replay, a
// backlog) looks the same; the detail says "likely". A stream without
// such silences is still buffered when its events arrive in the rhythm of
// a ~200 ms packet hold (packetHold).
func judge(events []arrival, th thresholds) verdict {
	n := len(events)
	if n < th.minBurst {
		return verdict{kind: verdictInconclusive,
			detail: fmt.Sprintf("inconclusive: %d event%s, too few to judge (need %d)", n, plural(n), th.minBurst)}
	}
	var held []burst
	heldEvents, largest := 0, -1
	for _, b := range bursts(events, th) {
		if b.count < th.minBurst || b.silence < th.minSilence {
			continue
		}
		held = append(held, b)
		heldEvents += b.count
		if largest < 0 || b.count > held[largest].count {
			largest = len(held) - 1
		}
	}
	if 2*heldEvents < n {
		if pause, ok := packetHold(events, th); ok {
			return verdict{kind: verdictBuffered, detail: holdDetail(n, pause), held: held, hold: true}
		}
		v := verdict{kind: verdictStreamed, held: held,
			detail: fmt.Sprintf("streamed: %d events over %s, %s apart on median", n, seconds(events[n-1].at-events[0].at), millis(medianGap(events)))}
		if len(held) > 0 {
			b := held[largest]
			v.detail += fmt.Sprintf(" (but events %d–%d arrived within %s after %s of silence)", b.first+1, b.first+b.count, millis(b.span), seconds(b.silence))
		}
		return v
	}
	b := held[largest]
	detail := fmt.Sprintf("buffered: %d events arrived within %s after %s of silence — likely a compression or proxy buffer",
		b.count, millis(b.span), seconds(b.silence))
	if len(held) > 1 {
		detail = fmt.Sprintf("buffered: %d of %d events arrived in %d bursts, the largest %d events within %s after %s of silence — likely a compression or proxy buffer",
			heldEvents, n, len(held), b.count, millis(b.span), seconds(b.silence))
	}
	return verdict{kind: verdictBuffered, detail: detail, held: held}
}

// bursts groups consecutive events that arrived together.
func bursts(events []arrival, th thresholds) []burst {
	var out []burst
	for i, e := range events {
		together := i > 0 && (e.read == events[i-1].read || e.at-events[i-1].at <= th.burstGap)
		if together {
			b := &out[len(out)-1]
			b.count++
			b.span = e.at - b.start
			continue
		}
		silence := e.at
		if i > 0 {
			silence = e.at - events[i-1].at
		}
		out = append(out, burst{first: i, count: 1, start: e.at, silence: silence})
	}
	return out
}

func medianGap(events []arrival) time.Duration {
	if len(events) < 2 {
		return 0
	}
	gaps := make([]time.Duration, len(events)-1)
	for i := 1; i < len(events); i++ {
		gaps[i-1] = events[i].at - events[i-1].at
	}
	// Insertion sort: a probe sees hundreds of events at most.
	for i := 1; i < len(gaps); i++ {
		for j := i; j > 0 && gaps[j] < gaps[j-1]; j-- {
			gaps[j], gaps[j-1] = gaps[j-1], gaps[j]
		}
	}
	return gaps[len(gaps)/2]
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// seconds formats d like "3.2 s"; millis like "40 µs", "1.4 ms" or "80 ms".
func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func millis(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%d µs", d.Microseconds())
	}
	ms := float64(d) / float64(time.Millisecond)
	if ms < 10 {
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}
