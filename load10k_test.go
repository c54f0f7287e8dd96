//go:build !race

package streamzip_test

import (
	"testing"
	"time"

	"github.com/streamzip/streamzip"
)

// This file is excluded under -race: the race detector caps live
// goroutines at 8128, and 10,000 streams need more. CI runs it in the
// plain `go test ./...` pass; TestConcurrentStreams (500 streams) runs
// under -race.

// TestLoad10000Streams holds 10,000 concurrent event streams over
// loopback, bypassed and gzip-compressed, sends loadEvents events to all
// of them and checks that every client decoded every event in order. It
// logs the server's peak heap and its idle heap per stream.
func TestLoad10000Streams(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 streams: skipped with -short")
	}
	for _, mode := range loadModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Log(runLoad(t, mode, 10000))
		})
	}
}

// TestLoadBurstWithReleaseDelay measures what a broadcast costs when
// compressed streams keep their compressor for a while after each event
// (WithReleaseAfter > 0, the default being 2 s): every stream that got the
// event holds one until the delay passes, so the peak heap grows with the
// number of streams, not with the number compressing at once. 500 streams
// keep the peak modest; the figure per stream is what to scale.
func TestLoadBurstWithReleaseDelay(t *testing.T) {
	if testing.Short() {
		t.Skip("500 streams holding a compressor each")
	}
	const delay = 200 * time.Millisecond
	mode := loadMode{name: "gzip, release after 200ms", releaseAfter: delay, opts: []streamzip.Option{
		streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithEncodings("gzip"),
		streamzip.WithReleaseAfter(delay),
	}}
	f := runLoad(t, mode, 500)
	t.Log(f)
	t.Logf("peak per stream during the broadcast: %.0f KiB", float64(f.peakInuse-f.baseline)/float64(f.streams)/1024)
}
