package main

import (
	"net/http"
	"strings"
)

// fixes lists what to change when a stream is buffered, most likely first,
// each noting what this response shows.
func fixes(h http.Header) []string {
	compression := "compress with github.com/streamzip/streamzip, which flushes at every event boundary, or exclude text/event-stream from your compression middleware"
	if ce := h.Get("Content-Encoding"); ce != "" && ce != "identity" {
		compression += " (this response is " + ce + "-encoded)"
	}
	accel := "behind nginx, send X-Accel-Buffering: no (or proxy_buffering off for this location)"
	if h.Get("X-Accel-Buffering") == "" {
		accel += " (not set here)"
	}
	transform := "send Cache-Control: no-transform so proxies and CDNs leave the stream alone"
	if !strings.Contains(strings.ToLower(strings.Join(h.Values("Cache-Control"), ",")), "no-transform") {
		transform += " (missing here)"
	}
	flush := "flush after every event (http.Flusher in Go, res.flush() with Express's compression)"
	return []string{compression, accel, transform, flush}
}
