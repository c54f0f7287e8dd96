package streamzip

import "testing"

// TestNegotiate is the q-value table: RFC 9110 §12.5.3 semantics, server
// preference for ties, malformed input as identity.
func TestNegotiate(t *testing.T) {
	brGzip := []coding{codingBrotli, codingGzip}
	all := []coding{codingZstd, codingBrotli, codingGzip}
	cases := []struct {
		header []string
		server []coding
		want   coding
	}{
		{nil, brGzip, codingIdentity},
		{[]string{""}, brGzip, codingIdentity},
		{[]string{"gzip"}, brGzip, codingGzip},
		{[]string{"GZIP"}, brGzip, codingGzip},
		{[]string{"x-gzip"}, brGzip, codingGzip},
		{[]string{"gzip, deflate, br"}, brGzip, codingBrotli},
		{[]string{"gzip", "br"}, brGzip, codingBrotli}, // two field lines
		{[]string{"gzip;q=0"}, brGzip, codingIdentity},
		{[]string{"gzip;q=0, br;q=0"}, brGzip, codingIdentity},
		{[]string{"gzip;q=0.0"}, brGzip, codingIdentity},
		{[]string{"gzip;q=1.0, br;q=0.9"}, brGzip, codingGzip},
		{[]string{"gzip;q=0.5, br;q=0.5"}, brGzip, codingBrotli},
		{[]string{"br;q=0.001, gzip;q=0.002"}, brGzip, codingGzip},
		{[]string{"  gzip ;  q=0.8 ,br ; q = 0.9"}, brGzip, codingBrotli},
		{[]string{"*"}, brGzip, codingBrotli},
		{[]string{"*;q=0.5, br;q=0.1"}, brGzip, codingGzip},
		{[]string{"*;q=0"}, brGzip, codingIdentity},
		{[]string{"*, gzip;q=0"}, brGzip, codingBrotli},
		{[]string{"identity;q=0"}, brGzip, codingIdentity}, // nothing else acceptable: send identity anyway
		{[]string{"identity;q=0, gzip"}, brGzip, codingGzip},
		// The client's stated preference for identity is honoured; an
		// unlisted identity is only the fallback, and a tie goes to the coding.
		{[]string{"identity;q=1, gzip;q=0.5"}, brGzip, codingIdentity},
		{[]string{"identity, gzip;q=0.5"}, brGzip, codingIdentity},
		{[]string{"identity;q=0.5, gzip"}, brGzip, codingGzip},
		{[]string{"identity, gzip"}, brGzip, codingGzip},
		{[]string{"*;q=1, gzip;q=0.5"}, []coding{codingGzip}, codingIdentity},
		{[]string{"zstd"}, brGzip, codingIdentity}, // zstd off by default
		{[]string{"zstd, br, gzip"}, all, codingZstd},
		{[]string{"deflate"}, brGzip, codingIdentity},
		{[]string{"gzip;level=9"}, brGzip, codingGzip}, // unknown parameter ignored
		// Malformed elements accept nothing.
		{[]string{"gzip;q=abc"}, brGzip, codingIdentity},
		{[]string{"gzip;q=2"}, brGzip, codingIdentity},
		{[]string{"gzip;q=1.5"}, brGzip, codingIdentity},
		{[]string{"gzip;q=0.1234"}, brGzip, codingIdentity},
		{[]string{"gzip;q="}, brGzip, codingIdentity},
		{[]string{"gzip;q"}, brGzip, codingIdentity},
		{[]string{"gz ip"}, brGzip, codingIdentity},
		{[]string{"gzip;q=abc, br"}, brGzip, codingBrotli},
		{[]string{",,, ;;; ="}, brGzip, codingIdentity},
		{[]string{"\x00\xff"}, brGzip, codingIdentity},
	}
	for _, tc := range cases {
		if got := negotiate(tc.header, tc.server); got != tc.want {
			t.Errorf("negotiate(%q, %v) = %s, want %s", tc.header, tc.server, codingNames[got], codingNames[tc.want])
		}
	}
}

func TestNegotiateDoesNotAllocate(t *testing.T) {
	h := []string{"gzip, deflate, br;q=0.9, zstd;q=0.8, *;q=0.1"}
	server := []coding{codingBrotli, codingGzip}
	if n := testing.AllocsPerRun(100, func() { negotiate(h, server) }); n != 0 {
		t.Errorf("negotiate allocates %v times", n)
	}
}
