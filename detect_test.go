package streamzip

import (
	"math/rand/v2"
	"net/http"
	"testing"
)

// countBoundaries feeds s to a scanner in the given pieces and counts the
// writes that completed at least one event.
func eventsEndedPerWrite(parts []string) []bool {
	var s eventScanner
	out := make([]bool, len(parts))
	for i, p := range parts {
		out[i] = s.scan([]byte(p))
	}
	return out
}

func TestEventScanner(t *testing.T) {
	cases := []struct {
		parts []string
		want  []bool
	}{
		{[]string{"data: a\n\n"}, []bool{true}},
		{[]string{"data: a\r\n\r\n"}, []bool{true}},
		{[]string{"data: a\r\r"}, []bool{true}},
		{[]string{"data: a\n"}, []bool{false}},
		{[]string{"data: a\r\n"}, []bool{false}},
		{[]string{"data: a\n", "\n"}, []bool{false, true}},
		{[]string{"data: a\r", "\n", "\r\n"}, []bool{false, false, true}},
		{[]string{"data: a\r", "\n\r", "\n"}, []bool{false, true, false}},
		{[]string{"data: a\ndata: b\n", "id: 1\n\ndata"}, []bool{false, true}},
		{[]string{"data: a\n\ndata: b\n\n"}, []bool{true}},
		{[]string{": comment\n\n"}, []bool{true}},
		{[]string{"data: a\n\r"}, []bool{true}}, // mixed line ends still end the event
	}
	for _, tc := range cases {
		got := eventsEndedPerWrite(tc.parts)
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%q: write %d ended an event = %v, want %v", tc.parts, i, got[i], tc.want[i])
			}
		}
	}
}

// TestEventScannerEverySplit: an event split at every byte position is
// seen ending exactly once, in the write that holds its last byte.
func TestEventScannerEverySplit(t *testing.T) {
	for _, eol := range []string{"\n", "\r\n", "\r"} {
		ev := "id: 7" + eol + "data: hello" + eol + eol
		for i := 0; i <= len(ev); i++ {
			got := eventsEndedPerWrite([]string{ev[:i], ev[i:]})
			lastInFirst := i == len(ev) || (eol == "\r\n" && i == len(ev)-1)
			if want := []bool{lastInFirst, !lastInFirst}; got[0] != want[0] || got[1] != want[1] {
				t.Errorf("eol %q split at %d: %v, want %v", eol, i, got, want)
			}
		}
	}
}

func TestStreamKind(t *testing.T) {
	for ct, want := range map[string]boundaryKind{
		"text/event-stream":                 eventBoundary,
		"TEXT/Event-Stream ; charset=utf-8": eventBoundary,
		"application/x-ndjson":              lineBoundary,
		"application/jsonl":                 lineBoundary,
		"application/json":                  noBoundary,
		"text/event-streams":                noBoundary,
	} {
		if got := streamKind(mediaType(ct)); got != want {
			t.Errorf("%q: %v, want %v", ct, got, want)
		}
	}
}

func TestAlreadyCompressed(t *testing.T) {
	for ct, want := range map[string]bool{
		"image/png": true, "image/jpeg": true, "image/webp": true, "image/svg+xml": false,
		"video/mp4": true, "audio/mpeg": true, "font/woff2": true, "font/ttf": false,
		"application/grpc": true, "application/grpc+proto": true, "application/zip": true,
		"application/gzip": true, "application/json": false, "text/html": false, "": false,
		"application/connect+proto": true, "application/connect+json": true,
	} {
		if got := alreadyCompressed(mediaType(ct)); got != want {
			t.Errorf("%q: %v, want %v", ct, got, want)
		}
	}
}

func TestHasNoTransform(t *testing.T) {
	for cc, want := range map[string]bool{
		"no-transform":                     true,
		"public, max-age=60, NO-TRANSFORM": true,
		"no-cache, no-transform":           true,
		"no-transformed":                   false,
		"private":                          false,
		"":                                 false,
	} {
		h := http.Header{"Cache-Control": {cc}}
		if got := hasNoTransform(h); got != want {
			t.Errorf("%q: %v, want %v", cc, got, want)
		}
	}
}

func TestContentTypePattern(t *testing.T) {
	for _, bad := range []string{"", "text", "*/*", "text/ht*", "*/json"} {
		if _, err := parseContentTypePattern(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	p, _ := parseContentTypePattern("Text/*")
	if !p.match("text/csv") || p.match("application/json") {
		t.Error("text/* wildcard")
	}
	p, _ = parseContentTypePattern("application/json; charset=utf-8")
	if !p.match("APPLICATION/JSON") || p.match("application/jsonl") {
		t.Error("exact pattern")
	}
}

// byteScan is the byte-at-a-time event scanner, the reference that the
// IndexByte-jumping scan must match state for state.
func byteScan(s *eventScanner, p []byte) bool {
	found := false
	for _, c := range p {
		switch c {
		case '\n':
			if s.afterCR {
				s.afterCR = false
				continue
			}
			found = found || !s.midLine
			s.midLine = false
		case '\r':
			found = found || !s.midLine
			s.midLine = false
			s.afterCR = true
			continue
		default:
			s.midLine = true
		}
		s.afterCR = false
	}
	return found
}

func TestEventScannerMatchesByteScan(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab\r\n")
	for iter := 0; iter < 50000; iter++ {
		var fast, slow eventScanner
		for w := 0; w < 4; w++ {
			p := make([]byte, r.IntN(8))
			for i := range p {
				p[i] = alphabet[r.IntN(len(alphabet))]
			}
			if got, want := fast.scan(p), byteScan(&slow, p); got != want || fast != slow {
				t.Fatalf("iter %d write %d %q: got %v %+v, want %v %+v", iter, w, p, got, fast, want, slow)
			}
		}
	}
}
