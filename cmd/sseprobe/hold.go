package main

import (
	"fmt"
	"slices"
	"time"
)

// Linux holds a partly filled TCP segment back for about 200 ms when the
// sender asks it to wait for more data (MSG_MORE, TCP_CORK) or when
// Nagle's algorithm waits for the ACK a peer delays. HAProxy asks for it
// by default (its option http-no-delay turns it off), and every event
// then leaves about 200 ms late.
//
// The client cannot see that lag on a stream slower than one event per
// hold: each event is late by the same amount, and the gaps between them
// are the server's. On a faster stream it shows: the events pile up
// during each hold and arrive in groups, one group per hold, and no group
// arrives sooner than the hold after the previous one. That signature is
// what packetHold looks for.
const (
	// holdMin: groups never arrive sooner than this after the previous
	// event (the hold, less jitter).
	holdMin = 180 * time.Millisecond
	// holdMax: the median pause between groups stays below this (a hold
	// plus less than one more server interval); longer pauses are the
	// server's own.
	holdMax = 400 * time.Millisecond
	// holdGroups: fewer groups than this cannot show a steady rhythm.
	holdGroups = 5
)

// packetHold reports whether events arrived in the rhythm of a ~200 ms
// packet hold: at least holdGroups groups (events that arrived together,
// by th), at least half the events sharing a group, at most one pause in
// ten shorter than holdMin (not counting the last group, which the end of
// the response may send early), and a median pause below holdMax. It
// returns that median pause.
func packetHold(events []arrival, th thresholds) (time.Duration, bool) {
	groups := bursts(events, th)
	if len(groups) < holdGroups {
		return 0, false
	}
	grouped := 0
	for _, g := range groups {
		if g.count > 1 {
			grouped += g.count
		}
	}
	if 2*grouped < len(events) {
		return 0, false // most events came alone: the server is slower than any hold
	}
	pauses := make([]time.Duration, 0, len(groups)-1)
	short := 0
	for i, g := range groups[1:] { // the first group's pause includes the request
		pauses = append(pauses, g.silence)
		// The end of the response sends the last group at once.
		if g.silence < holdMin && i < len(groups)-2 {
			short++
		}
	}
	if 10*short > len(pauses) {
		return 0, false
	}
	slices.Sort(pauses)
	med := pauses[len(pauses)/2]
	return med, med < holdMax
}

// holdDetail is the verdict's line for a packet hold.
func holdDetail(n int, pause time.Duration) string {
	return fmt.Sprintf("buffered: %d events arrived in groups about %s apart, the rhythm of a ~200 ms hold on every packet — likely a proxy waiting for full packets (HAProxy without option http-no-delay) or Nagle's algorithm",
		n, millis(pause))
}

// holdFixes lists what to change when events are held about 200 ms each.
func holdFixes() []string {
	return []string{
		"behind HAProxy, add option http-no-delay to its defaults, frontend or backend: HAProxy otherwise waits about 200 ms for more data before sending a partly filled packet",
		"in a proxy or server of your own, set TCP_NODELAY on the client connection and send each event without MSG_MORE or TCP_CORK",
	}
}
