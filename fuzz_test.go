package streamzip

import (
	"regexp"
	"strings"
	"testing"
)

// This file fuzzes the two parsers that read untrusted bytes: the
// Accept-Encoding negotiation and the event boundary scanner. Each is
// checked against a slow reference written without looking at the fast
// code's structure. The differential fuzz of the whole middleware is in
// differential_test.go. Seeds: the f.Add calls below and testdata/fuzz/.

// allServerOrders are the server preference lists a fuzz byte selects from:
// every non-empty ordered subset of the three codings.
var allServerOrders = func() [][]coding {
	all := []coding{codingGzip, codingBrotli, codingZstd}
	var out [][]coding
	var rec func(prefix []coding)
	rec = func(prefix []coding) {
		if len(prefix) > 0 {
			out = append(out, append([]coding(nil), prefix...))
		}
		for _, cd := range all {
			used := false
			for _, p := range prefix {
				used = used || p == cd
			}
			if !used {
				rec(append(prefix, cd))
			}
		}
	}
	rec(nil)
	return out
}()

// FuzzNegotiate: for any Accept-Encoding field lines (the input split at
// '\n' into several lines) and any server preference, negotiate never
// panics, returns identity or one of the server's codings, never a coding
// the client refused (q=0) or did not list when it sent no "*", and agrees
// with refNegotiate.
func FuzzNegotiate(f *testing.F) {
	for _, seed := range []string{
		"gzip", "br, gzip", "gzip;q=0", "*", "*;q=0", "gzip;q=0, *", "identity;q=0",
		"br;q=0.5, gzip;q=0.8", "GZIP;Q=1.000", "x-gzip", "zstd;q=0.001, br;q=0.001",
		"gzip;q=1.5", "gzip;q=", "gzip;q", "gzip ; q = 0.5", "gzip;foo=bar;q=0.3",
		"\tbr\t,\tgzip\t", "gzip,,br", ",", ";q=1", "gzip;q=0\nbr", "gzip;q=0, gzip",
		"gz ip", "br;q=0.", "br;q=00", "*, br;q=0", "gzip;q=0.0001", "zstd\n\ngzip;q=0.1",
		"gzip\v", "gzip\u0085", "\xff\xfe",
		"identity;q=1, gzip;q=0.5", "gzip;q=0.5, identity;q=0.1, *;q=0.8", "*;q=1, gzip;q=0.5",
	} {
		for i := range allServerOrders {
			if i%5 == 0 || strings.Contains(seed, "*") {
				f.Add(seed, uint8(i))
			}
		}
	}
	f.Fuzz(func(t *testing.T, header string, order uint8) {
		server := allServerOrders[int(order)%len(allServerOrders)]
		lines := strings.Split(header, "\n")
		got := negotiate(lines, server)
		if got != codingIdentity {
			listed := false
			for _, cd := range server {
				listed = listed || cd == got
			}
			if !listed {
				t.Fatalf("negotiate(%q, %v) = %v: not one of the server's codings", lines, server, got)
			}
			if q, star := refWeights(lines); q[got] == 0 || (q[got] < 0 && star <= 0) {
				t.Fatalf("negotiate(%q, %v) = %v: the client did not accept it (q=%d, *=%d)",
					lines, server, codingNames[got], q[got], star)
			}
		}
		if want := refNegotiate(lines, server); got != want {
			t.Fatalf("negotiate(%q, %v) = %s, reference says %s", lines, server, codingNames[got], codingNames[want])
		}
	})
}

var (
	// refToken is RFC 9110's token; "*" is one of its characters.
	refToken = regexp.MustCompile("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$")
	// refQValue is RFC 9110 §12.4.2's qvalue.
	refQValue = regexp.MustCompile(`^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$`)
)

// refWeights parses Accept-Encoding lines the slow way and returns the
// weight in thousandths of each known coding (-1 when not listed) and of
// "*" (-1 when absent). It shares the implementation's documented
// leniencies: surrounding white space is trimmed (strings.TrimSpace),
// space around "=" is allowed, parameters other than q are ignored, a
// malformed element is skipped, the last q of an element counts, and a
// coding listed twice gets its highest weight.
func refWeights(lines []string) (q [numCodings]int, star int) {
	for i := range q {
		q[i] = -1
	}
	star = -1
	names := map[string]coding{"gzip": codingGzip, "x-gzip": codingGzip, "br": codingBrotli, "zstd": codingZstd, "identity": codingIdentity}
	for _, line := range lines {
	elements:
		for _, elem := range strings.Split(line, ",") {
			parts := strings.Split(elem, ";")
			name := strings.TrimSpace(parts[0])
			if !refToken.MatchString(name) {
				continue
			}
			w := 1000
			for _, p := range parts[1:] {
				k, v, hasValue := strings.Cut(strings.TrimSpace(p), "=")
				if strings.ToLower(strings.TrimSpace(k)) != "q" {
					continue
				}
				v = strings.TrimSpace(v)
				if !hasValue || !refQValue.MatchString(v) {
					continue elements
				}
				w = refParseQ(v)
			}
			if name == "*" {
				star = max(star, w)
			} else if cd, ok := names[strings.ToLower(name)]; ok {
				q[cd] = max(q[cd], w)
			}
		}
	}
	return q, star
}

// refParseQ converts a valid qvalue to thousandths by padding its decimals.
func refParseQ(v string) int {
	whole, frac, _ := strings.Cut(v, ".")
	frac = (frac + "000")[:3]
	n := 0
	for _, c := range whole + frac {
		n = n*10 + int(c-'0')
	}
	return n
}

// refNegotiate is the RFC 9110 §12.5.3 choice made the slow way: the
// server coding with the highest positive weight, ties to the server's
// order; no header at all means identity.
func refNegotiate(lines []string, server []coding) coding {
	if len(lines) == 0 {
		return codingIdentity
	}
	q, star := refWeights(lines)
	best, bestQ := codingIdentity, 0
	for _, cd := range server {
		w := q[cd]
		if w < 0 {
			w = star
		}
		if w > bestQ {
			best, bestQ = cd, w
		}
	}
	// Identity, listed or covered by *, wins only when the client weighs
	// it above every coding the server could send.
	idQ := q[codingIdentity]
	if idQ < 0 {
		idQ = star
	}
	if idQ > bestQ {
		return codingIdentity
	}
	return best
}

// FuzzEventScanner feeds a body to eventScanner cut into writes at the
// fuzzer's split points, and compares each write's verdict with a
// reference that scans the whole body at once: a write must report true
// exactly when it holds the byte that ends a blank line. That byte is the
// first byte of the blank line's terminator — the CR of a CRLF, so an LF
// arriving in the next write, after a CR that already ended an event,
// reports nothing new. Line ends are CRLF, LF or CR, as the WHATWG
// event-stream grammar allows.
func FuzzEventScanner(f *testing.F) {
	f.Add([]byte("data: a\n\n"), []byte{3})
	f.Add([]byte("data: a\r\n\r\n"), []byte{8, 1})
	f.Add([]byte("data: a\r\r"), []byte{7})
	f.Add([]byte("data: a\r\n\r\ndata: b\r\n\r\n"), []byte{9, 1, 1, 1})
	f.Add([]byte("\r\n\r\n\n\r\r\n"), []byte{1, 1, 1, 1, 1, 1, 1})
	f.Add([]byte("id: 1\ndata: x\r\n\ndata: y\r\r\n\n"), []byte{0, 14, 0, 2, 5})
	f.Add([]byte(": comment\n\ndata: z"), []byte{})
	f.Fuzz(func(t *testing.T, body, splits []byte) {
		want := refEventEnds(body)
		var s eventScanner
		start := 0
		for i := 0; start < len(body) || i == 0; i++ {
			end := len(body)
			if i < len(splits) {
				end = min(start+int(splits[i]), len(body))
			}
			wantHere := false
			for _, pos := range want {
				wantHere = wantHere || (start <= pos && pos < end)
			}
			if got := s.scan(body[start:end]); got != wantHere {
				t.Fatalf("write %d = %q (bytes %d..%d of %q): scan = %v, want %v (events end at %v)",
					i, body[start:end], start, end, body, got, wantHere, want)
			}
			start = end
		}
	})
}

// refEventEnds tokenizes the whole body into lines and returns the index
// of the first terminator byte of every blank line (a line terminator with
// nothing since the previous one, or since the start).
func refEventEnds(body []byte) []int {
	var ends []int
	lineStart := 0
	for i := 0; i < len(body); i++ {
		if body[i] != '\r' && body[i] != '\n' {
			continue
		}
		if i == lineStart {
			ends = append(ends, i)
		}
		if body[i] == '\r' && i+1 < len(body) && body[i+1] == '\n' {
			i++ // CRLF is one terminator
		}
		lineStart = i + 1
	}
	return ends
}
