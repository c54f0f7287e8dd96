package main

import (
	"fmt"
	"net/http"
	"time"

	"github.com/streamzip/streamzip"
)

// mode is one server configuration and what its clients accept.
type mode struct {
	name   string
	accept string // the clients' Accept-Encoding
}

var modes = map[string]mode{
	"none":   {"none", "gzip, br, zstd"},
	"bypass": {"bypass", "gzip, br, zstd"},
	"gzip":   {"gzip", "gzip"},
	"br":     {"br", "br"},
	"zstd":   {"zstd", "zstd"},
}

// middleware returns the server's middleware for a mode; nil for none.
func middleware(name string, releaseAfter time.Duration, maxStateful int) (func(http.Handler) http.Handler, error) {
	switch name {
	case "none":
		return nil, nil
	case "bypass":
		return streamzip.Middleware, nil
	case "gzip", "br", "zstd":
		opts := []streamzip.Option{
			streamzip.WithEventStreams(streamzip.CompressEventStreams),
			streamzip.WithEncodings(name),
			streamzip.WithReleaseAfter(releaseAfter),
		}
		if maxStateful > 0 {
			opts = append(opts, streamzip.WithMaxStatefulStreams(maxStateful))
		}
		return streamzip.New(opts...)
	}
	return nil, fmt.Errorf("unknown mode %q", name)
}
