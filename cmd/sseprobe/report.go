package main

import (
	"net/http"
	"time"
)

// report is what a probe found, printed at the end.
type report struct {
	url      string
	method   string
	resp     *response // nil if no response came
	events   int
	comments int
	wire     int64 // body bytes on the wire, before decoding
	decoded  int64
	elapsed  time.Duration
	end      string   // why the probe stopped: "end of stream", "-max", "-duration", "interrupted", "error"
	verdict  *verdict // nil if the probe failed before the events
	fixes    []string
	err      error
	code     int
}

// printer shows a probe as it goes: text for people, JSON for scripts.
type printer interface {
	request(r request)
	response(r response)
	event(e event)
	// waiting is called a few times a second between events, for a live
	// "nothing yet" line; since is the time since the last event.
	waiting(since time.Duration, events int)
	done(r report)
}

// headersThatMatter are the response headers that decide whether a stream
// can be buffered on its way, shown in this order.
var headersThatMatter = []string{"Content-Type", "Content-Encoding", "Cache-Control", "X-Accel-Buffering"}

func pickHeaders(h http.Header) map[string]string {
	m := make(map[string]string, len(headersThatMatter))
	for _, k := range headersThatMatter {
		if v := h.Values(k); len(v) > 0 {
			m[k] = joinValues(v)
		}
	}
	return m
}

func joinValues(v []string) string {
	s := v[0]
	for _, x := range v[1:] {
		s += ", " + x
	}
	return s
}
