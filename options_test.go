package streamzip_test

import (
	"strings"
	"testing"
	"time"

	"github.com/streamzip/streamzip"
)

// TestNewRejectsBadOptions: every invalid option is an error from New.
func TestNewRejectsBadOptions(t *testing.T) {
	bad := map[string]streamzip.Option{
		"negative min size":     streamzip.WithMinSize(-1),
		"huge min size":         streamzip.WithMinSize(streamzip.MaxMinSize + 1),
		"unknown encoding":      streamzip.WithEncodings("deflate"),
		"duplicate encoding":    streamzip.WithEncodings("gzip", "GZIP"),
		"no encodings":          streamzip.WithEncodings(),
		"unknown stream mode":   streamzip.WithEventStreams(streamzip.EventStreamMode(7)),
		"negative release":      streamzip.WithReleaseAfter(-time.Second),
		"gzip level 10":         streamzip.WithGzipLevel(10),
		"gzip level -3":         streamzip.WithGzipLevel(-3),
		"brotli level 12":       streamzip.WithBrotliLevel(12),
		"brotli level -1":       streamzip.WithBrotliLevel(-1),
		"zstd level 0":          streamzip.WithZstdLevel(0),
		"zstd level 5":          streamzip.WithZstdLevel(5),
		"bad content type":      streamzip.WithContentTypes("text"),
		"bad wildcard":          streamzip.WithContentTypes("*/json"),
		"partial wildcard type": streamzip.WithContentTypes("text/ht*"),
		"no content types":      streamzip.WithContentTypes(),
		"no except types":       streamzip.WithExceptContentTypes(),
		"bad except type":       streamzip.WithExceptContentTypes("json"),
		"identity encoding":     streamzip.WithEncodings("identity"),
		"x-gzip encoding":       streamzip.WithEncodings("x-gzip"),
		"nil filter":            streamzip.WithFilter(nil),
		"jitter window 0":       streamzip.WithJitterWindow(0),
	}
	for name, opt := range bad {
		if mw, err := streamzip.New(opt); err == nil || mw != nil {
			t.Errorf("%s: New accepted it", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	good := []streamzip.Option{
		streamzip.WithMinSize(0), streamzip.WithEncodings("zstd", "br", "gzip"),
		streamzip.WithEventStreams(streamzip.CompressEventStreams), streamzip.WithReleaseAfter(0),
		streamzip.WithGzipLevel(-1), streamzip.WithGzipLevel(9), streamzip.WithGzipLevel(0), streamzip.WithBrotliLevel(11),
		streamzip.WithZstdLevel(1), streamzip.WithZstdLevel(4),
		streamzip.WithContentTypes("text/*", "application/json"), nil,
	}
	if _, err := streamzip.New(good...); err != nil {
		t.Errorf("valid options rejected: %v", err)
	}
}

// TestNewReportsEveryBadOption: New joins the errors of all bad options,
// so a misconfiguration is fixed in one round.
func TestNewReportsEveryBadOption(t *testing.T) {
	_, err := streamzip.New(streamzip.WithMinSize(-1), streamzip.WithGzipLevel(42), streamzip.WithContentTypes())
	if err == nil {
		t.Fatal("New accepted three bad options")
	}
	for _, want := range []string{"min size -1", "gzip level 42", "WithContentTypes needs"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// TestCompressPanicsLikeChi: Compress cannot return an error, so like chi
// it panics at construction (never at request time) on a bad argument.
func TestCompressPanicsLikeChi(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Compress(42) did not panic")
		}
	}()
	streamzip.Compress(42)
}
