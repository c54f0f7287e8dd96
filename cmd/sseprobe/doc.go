// Command sseprobe diagnoses a Server-Sent Events endpoint: it connects,
// shows every event as it arrives — its arrival time since the request,
// the gap since the previous event, and its size on the wire — and ends
// with a verdict: "streamed", or "buffered" when the events were held back
// by something between the handler and the client (a compression
// middleware, a proxy buffer) and released in bursts, with the usual fixes.
//
// Install it with
//
//	go install github.com/streamzip/streamzip/cmd/sseprobe@latest
//
// Usage:
//
//	sseprobe [flags] URL
//
// It sends Accept-Encoding: gzip, br, zstd (change it with -accept, as a
// browser would send its own) and decodes the body itself, so the size on
// the wire is counted before decoding: it is the body bytes read from the
// connection since the previous event (HTTP framing excluded). Events
// decoded from the same read share one arrival, and the first of them gets
// the bytes.
//
// The response headers that decide whether a stream can be buffered on its
// way are shown: Content-Type, Content-Encoding, Cache-Control and
// X-Accel-Buffering.
//
// The verdict: events that arrive within -burst of each other (default
// 5ms), or from the same read, arrived together. A group of three or more
// that follows at least -silence (default 500ms) without events is a
// held-back burst. If half the events or more arrived in held-back bursts,
// the stream is buffered. A stream that really sends many events at once
// after a pause looks the same, hence "likely".
//
// A stream is also buffered when its events arrive in the rhythm of a
// ~200 ms hold on every packet: at least five groups of events that
// arrived together, half the events or more sharing a group, the groups
// (all but one in ten) at least 180ms apart and a median pause under
// 400ms. That is what a proxy waiting for full packets does to a stream
// faster than one event per 200 ms — HAProxy without option
// http-no-delay — and the fixes then name that option. A slower stream
// shows no sign of it: every event is late by the same ~200 ms.
//
// Flags:
//
//	-accept string     Accept-Encoding to send; "" sends none (default "gzip, br, zstd")
//	-max n             stop after n events (0: no limit)
//	-duration d        stop listening after d (0: until the server ends the stream; default 60s)
//	-timeout d         give up if the response headers take longer (default 10s)
//	-json              one JSON object per event, then a summary object
//	-H 'Name: value'   request header, repeatable
//	-X method, -data s request method and body (-data @file reads a file; implies POST)
//	-insecure          skip TLS certificate verification
//	-burst d, -silence d   verdict thresholds
//
// With -json, each event is a line {"type":"event","n":1,"at_ms":…,
// "gap_ms":…,"wire_bytes":…,"size":…,"event":"message","id":…,"data":…}
// and the last line is {"type":"summary",…,"verdict":…,"exit_code":…},
// also when the probe failed (with "error").
//
// Exit status:
//
//	0  streamed: events arrived one by one
//	1  buffered: events were held back and arrived in bursts
//	2  usage: bad flags or URL
//	3  connection: cannot connect, TLS failure, timeout, stream broken
//	4  not an event stream: non-2xx status, wrong Content-Type, unknown encoding
//	5  inconclusive: fewer than 3 events arrived
package main
