package e2e

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/streamzip/streamzip"
	"github.com/streamzip/streamzip/internal/naivegzip"
)

// setup is one server-side configuration under test.
type setup struct {
	name string
	wrap func(http.Handler) http.Handler
	// streamCodings is the order the middleware prefers codings in for
	// event streams (empty when it bypasses them): gzip first, because an
	// idle gzip stream can give its compressor back (decision.go, gzip.go).
	streamCodings []string
	// accelNo: the setup sets X-Accel-Buffering: no on event streams.
	accelNo bool
	// idle is how long the handler pauses before each event after the
	// first, so the setup's release timer fires between events.
	idle time.Duration
}

// streamzipSetups are the two event-stream modes, with every coding
// enabled so gzip, br and zstd are all possible.
func streamzipSetups(t *testing.T) []setup {
	return []setup{
		{
			name: "bypass",
			wrap: mustNew(t,
				streamzip.WithEncodings("zstd", "br", "gzip"),
				streamzip.WithEventStreams(streamzip.BypassEventStreams)),
			accelNo: true,
		},
		{
			name: "compress",
			wrap: mustNew(t,
				streamzip.WithEncodings("zstd", "br", "gzip"),
				streamzip.WithEventStreams(streamzip.CompressEventStreams)),
			streamCodings: []string{"gzip", "br", "zstd"},
			accelNo:       true,
		},
	}
}

// releasingSetups compress streams and let each one give its compressor
// back between events: at once after every event (WithReleaseAfter(0)),
// and from the release timer while the handler pauses. A gzip stream then
// resumes the same deflate stream from its kept history before the next
// event, and a real client must decode across every resume.
func releasingSetups(t *testing.T) []setup {
	const after = 25 * time.Millisecond
	return []setup{
		{
			name: "compress-release-each-event",
			wrap: mustNew(t,
				streamzip.WithEncodings("zstd", "br", "gzip"),
				streamzip.WithEventStreams(streamzip.CompressEventStreams),
				streamzip.WithReleaseAfter(0)),
			streamCodings: []string{"gzip", "br", "zstd"},
			accelNo:       true,
		},
		{
			name: "compress-release-when-idle",
			wrap: mustNew(t,
				streamzip.WithEncodings("zstd", "br", "gzip"),
				streamzip.WithEventStreams(streamzip.CompressEventStreams),
				streamzip.WithReleaseAfter(after)),
			streamCodings: []string{"gzip", "br", "zstd"},
			accelNo:       true,
			idle:          4 * after,
		},
	}
}

// zstdOnlySetup compresses streams with zstd alone: a client that does not
// offer zstd must get identity, never zstd.
func zstdOnlySetup(t *testing.T) setup {
	return setup{
		name: "compress-zstd-only",
		wrap: mustNew(t,
			streamzip.WithEncodings("zstd"),
			streamzip.WithEventStreams(streamzip.CompressEventStreams)),
		streamCodings: []string{"zstd"},
		accelNo:       true,
	}
}

// naiveSetup is the buffering control.
var naiveSetup = setup{name: "naive-gzip", wrap: naivegzip.Middleware, streamCodings: []string{"gzip"}}

func mustNew(t *testing.T, opts ...streamzip.Option) func(http.Handler) http.Handler {
	t.Helper()
	mw, err := streamzip.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return mw
}

// wantEncoding is the Content-Encoding the setup should send to a client
// that advertised acceptEncoding: the stream coding with the highest
// q-value, ties going to the setup's order; "" for identity.
func (s setup) wantEncoding(acceptEncoding string) string {
	best, bestQ := "", 0
	for _, cd := range s.streamCodings {
		if q := qValue(acceptEncoding, cd); q > bestQ {
			best, bestQ = cd, q
		}
	}
	return best
}

// advertised reports whether a client that sent acceptEncoding accepts
// the content coding ce ("" is identity, always acceptable here).
func advertised(acceptEncoding, ce string) bool {
	return ce == "" || qValue(acceptEncoding, ce) > 0
}

// qValue is the weight, in thousandths, acceptEncoding gives coding
// (RFC 9110 §12.5.3), falling back to "*"; 0 when not accepted.
func qValue(acceptEncoding, coding string) int {
	named, star := -1, -1
	for _, elem := range strings.Split(acceptEncoding, ",") {
		name, params, _ := strings.Cut(elem, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := 1000
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					q = 0
				} else {
					q = int(f*1000 + 0.5)
				}
			}
		}
		switch name {
		case coding:
			named = max(named, q)
		case "*":
			star = max(star, q)
		}
	}
	if named >= 0 {
		return named
	}
	return max(star, 0)
}

// checkExchange asserts what every lockstep check needs from the server
// side: the stream was served, its coding is the one expected for what
// the client advertised, and never one the client did not advertise.
func checkExchange(t *testing.T, s setup, got snapshot) {
	t.Helper()
	if !got.Seen {
		t.Fatal("the client never requested the stream")
	}
	t.Logf("client sent %s Accept-Encoding %q; response Content-Encoding %q, X-Accel-Buffering %q",
		got.Proto, got.AcceptEncoding, got.ContentEncoding, got.AccelBuffering)
	if !advertised(got.AcceptEncoding, got.ContentEncoding) {
		t.Errorf("sent Content-Encoding %q, which the client did not advertise (Accept-Encoding %q)",
			got.ContentEncoding, got.AcceptEncoding)
	}
	if want := s.wantEncoding(got.AcceptEncoding); got.ContentEncoding != want {
		t.Errorf("%s: Content-Encoding %q, want %q for Accept-Encoding %q",
			s.name, got.ContentEncoding, want, got.AcceptEncoding)
	}
	if s.accelNo && got.AccelBuffering != "no" {
		t.Errorf("X-Accel-Buffering %q, want no", got.AccelBuffering)
	}
}
