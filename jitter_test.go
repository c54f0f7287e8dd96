package streamzip_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"

	"github.com/streamzip/streamzip"
)

// TestRandomJitterPadsGzip: with jitter on, the gzip header carries 1..max
// bytes of padding that decoders skip; the same body gets the same padding,
// and different bodies get different lengths; brotli is not negotiated.
func TestRandomJitterPadsGzip(t *testing.T) {
	const maxPad = 256
	mw, err := streamzip.New(streamzip.WithRandomJitter(maxPad))
	if err != nil {
		t.Fatal(err)
	}
	srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<p>token=s3cr3t; you searched for "+r.URL.Query().Get("q")+"</p>")
		w.Write(bytes.Repeat([]byte("<p>filler</p>"), 200))
	})))
	padOf := func(q string) int {
		resp := get(t, c, "GET", srv.URL+"?q="+q, "br, gzip")
		if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
			t.Fatalf("Content-Encoding %q, want gzip (jitter pads gzip only)", ce)
		}
		raw, _ := io.ReadAll(resp.Body)
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(zr); err != nil {
			t.Fatalf("padded stream does not decode: %v", err)
		}
		n := len(zr.Header.Comment)
		if n < 1 || n > maxPad {
			t.Fatalf("padding %d bytes, want 1..%d", n, maxPad)
		}
		return n
	}
	if a, b := padOf("x"), padOf("x"); a != b {
		t.Errorf("same body padded %d then %d bytes: averaging would remove it", a, b)
	}
	lengths := map[int]bool{}
	for _, q := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		lengths[padOf(q)] = true
	}
	if len(lengths) < 4 {
		t.Errorf("8 different bodies got only %d padding lengths", len(lengths))
	}
	if _, err := streamzip.New(streamzip.WithRandomJitter(8), streamzip.WithEncodings("br")); err == nil {
		t.Error("jitter without gzip accepted")
	}
	if _, err := streamzip.New(streamzip.WithRandomJitter(streamzip.MaxJitter + 1)); err == nil {
		t.Error("jitter above MaxJitter accepted")
	}
}
