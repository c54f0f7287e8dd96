package streamzip_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"github.com/streamzip/streamzip/internal/testkit"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/streamzip/streamzip"
)

// chromiumAccept is what Chromium sends on a secure context once it holds a
// dictionary for the URL (recorded by e2e/dictionary_test.go). It offers dcb
// too, which streamzip does not ship: such a client gets dcz.
const chromiumAccept = "gzip, deflate, br, zstd, dcb, dcz"

// ordinaryCoding is what the default codings give chromiumAccept (and any
// Accept-Encoding listing zstd) without a dictionary.
const ordinaryCoding = "zstd"

// availableDictionary is the Available-Dictionary value for dict.
func availableDictionary(dict []byte) string {
	h := sha256.Sum256(dict)
	return ":" + base64.StdEncoding.EncodeToString(h[:]) + ":"
}

// dczReader checks the dcz header of body (RFC 9842: 8 bytes of
// skippable-frame magic, then the dictionary's SHA-256) and returns a
// reader of the decoded content, decoded with dict as raw content and the
// window limit a client applies.
func dczReader(t testing.TB, body io.Reader, dict []byte) io.Reader {
	t.Helper()
	var header [40]byte
	if _, err := io.ReadFull(body, header[:]); err != nil {
		t.Fatalf("dcz header: %v", err)
	}
	want := append([]byte{0x5e, 0x2a, 0x4d, 0x18, 0x20, 0x00, 0x00, 0x00}, func() []byte { h := sha256.Sum256(dict); return h[:] }()...)
	if !bytes.Equal(header[:], want) {
		t.Fatalf("dcz header\n got % x\nwant % x", header, want)
	}
	window := max(8<<20, len(dict)+len(dict)/4)
	zr, err := zstd.NewReader(body, zstd.WithDecoderDictRaw(0, dict), zstd.WithDecoderMaxWindow(uint64(min(window, 128<<20))), zstd.WithDecoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(zr.Close)
	return zr
}

// bundle is the shared test bundle (internal/testkit).
var bundle = testkit.Bundle

// assetServer serves bundle versions at /assets/app.vN.js, each marked as
// a dictionary for the next.
func assetServer(t *testing.T, opts ...streamzip.Option) (string, *http.Client, map[string][]byte) {
	t.Helper()
	versions := map[string][]byte{
		"/assets/app.v1.js": bundle(100<<10, 1),
		"/assets/app.v2.js": bundle(100<<10, 2),
		"/assets/app.v3.js": bundle(100<<10, 3),
	}
	mw, err := streamzip.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := versions[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/javascript")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		if err := streamzip.SetUseAsDictionary(w.Header(), "/assets/app.*.js"); err != nil {
			t.Error(err)
		}
		w.Write(body)
	}))
	srv, c := newServer(t, h)
	return srv.URL, c, versions
}

// TestDczBundleAgainstPreviousVersion: v1 is sent with an ordinary coding
// and Use-As-Dictionary, and kept; v2, asked for by a client holding v1,
// is sent as dcz against v1 and decodes to v2 exactly.
func TestDczBundleAgainstPreviousVersion(t *testing.T) {
	url, c, versions := assetServer(t, streamzip.WithAssetDictionaries(4, 1<<20))
	v1, v2 := versions["/assets/app.v1.js"], versions["/assets/app.v2.js"]

	resp := get(t, c, "GET", url+"/assets/app.v1.js", chromiumAccept)
	if ce := resp.Header.Get("Content-Encoding"); ce != ordinaryCoding {
		t.Fatalf("v1 Content-Encoding %q, want %s (the client holds no dictionary)", ce, ordinaryCoding)
	}
	if got := resp.Header.Get("Use-As-Dictionary"); got != `match="/assets/app.*.js"` {
		t.Errorf("Use-As-Dictionary %q", got)
	}
	if got := strings.Join(resp.Header.Values("Vary"), ", "); got != "Accept-Encoding, Available-Dictionary" {
		t.Errorf("Vary %q, want Accept-Encoding, Available-Dictionary", got)
	}
	if got := readAll(t, resp); !bytes.Equal(got, v1) {
		t.Fatal("v1 body differs")
	}

	resp = get(t, c, "GET", url+"/assets/app.v2.js", chromiumAccept, "Available-Dictionary", availableDictionary(v1))
	if ce := resp.Header.Get("Content-Encoding"); ce != "dcz" {
		t.Fatalf("v2 Content-Encoding %q, want dcz", ce)
	}
	if got := strings.Join(resp.Header.Values("Vary"), ", "); got != "Accept-Encoding, Available-Dictionary" {
		t.Errorf("Vary %q", got)
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if cl := resp.Header.Get("Content-Length"); cl != "" && cl != fmt.Sprint(len(raw)) {
		t.Errorf("Content-Length %s for %d dcz bytes", cl, len(raw))
	}
	got, err := io.ReadAll(dczReader(t, bytes.NewReader(raw), v1))
	if err != nil {
		t.Fatalf("decode dcz: %v", err)
	}
	if !bytes.Equal(got, v2) {
		t.Fatalf("v2 decoded to %d bytes, want the %d of v2", len(got), len(v2))
	}
	if len(raw) > len(v2)/20 {
		t.Errorf("dcz v2 is %d bytes of %d: the dictionary was not used", len(raw), len(v2))
	}
	t.Logf("v2: %d bytes identity, %d as dcz against v1", len(v2), len(raw))

	// v2 was kept too: v3 against v2.
	resp = get(t, c, "GET", url+"/assets/app.v3.js", chromiumAccept, "Available-Dictionary", availableDictionary(v2))
	if ce := resp.Header.Get("Content-Encoding"); ce != "dcz" {
		t.Fatalf("v3 Content-Encoding %q, want dcz against v2", ce)
	}
	if got, _ := io.ReadAll(dczReader(t, resp.Body, v2)); !bytes.Equal(got, versions["/assets/app.v3.js"]) {
		t.Fatal("v3 differs")
	}
}

// TestDictionaryCodingIsDcz: dcz is the only dictionary coding. A client
// offering dcb and dcz gets dcz; a client holding the dictionary but
// offering dcb without dcz gets the ordinary coding it would get without a
// dictionary, never dcb, and the body is whole.
func TestDictionaryCodingIsDcz(t *testing.T) {
	url, c, versions := assetServer(t, streamzip.WithAssetDictionaries(4, 1<<20))
	v1, v2 := versions["/assets/app.v1.js"], versions["/assets/app.v2.js"]
	readAll(t, get(t, c, "GET", url+"/assets/app.v1.js", chromiumAccept)) // keep v1
	for _, tc := range []struct{ accept, want string }{
		{chromiumAccept, "dcz"},
		{"gzip, br, dcz", "dcz"},
		{"gzip, deflate, br, zstd, dcb", ordinaryCoding},
		{"gzip, br, dcb", "gzip"},
		{"br, dcb", "br"},
		{"dcb", ""}, // no coding the middleware has: identity
	} {
		t.Run(tc.accept, func(t *testing.T) {
			resp := get(t, c, "GET", url+"/assets/app.v2.js", tc.accept, "Available-Dictionary", availableDictionary(v1))
			ce := resp.Header.Get("Content-Encoding")
			if ce != tc.want {
				t.Fatalf("Content-Encoding %q, want %q", ce, tc.want)
			}
			var got []byte
			if ce == "dcz" {
				raw, _ := io.ReadAll(resp.Body)
				var err error
				if got, err = io.ReadAll(dczReader(t, bytes.NewReader(raw), v1)); err != nil {
					t.Fatalf("decode dcz: %v", err)
				}
				t.Logf("v2 as dcz: %d bytes", len(raw))
			} else {
				got = readAll(t, resp)
			}
			if !bytes.Equal(got, v2) {
				t.Fatal("v2 differs")
			}
		})
	}
}

// TestDictionaryFallsBack: whatever is wrong with the client's dictionary
// offer, the response gets ordinary negotiation, never an error.
func TestDictionaryFallsBack(t *testing.T) {
	url, c, versions := assetServer(t, streamzip.WithAssetDictionaries(4, 1<<20))
	v1 := versions["/assets/app.v1.js"]
	readAll(t, get(t, c, "GET", url+"/assets/app.v1.js", chromiumAccept)) // keep v1
	unknown := sha256.Sum256([]byte("not a dictionary the server has"))
	cases := []struct{ name, accept, avail string }{
		{"unknown hash", chromiumAccept, ":" + base64.StdEncoding.EncodeToString(unknown[:]) + ":"},
		{"not sf-binary", chromiumAccept, base64.StdEncoding.EncodeToString(unknown[:])},
		{"short hash", chromiumAccept, ":" + base64.StdEncoding.EncodeToString(unknown[:31]) + ":"},
		{"bad base64", chromiumAccept, ":" + strings.Repeat("!", 43) + "=:"},
		{"dcz not accepted", "gzip, br, zstd, dcb", availableDictionary(v1)},
		{"dcz;q=0", "gzip, br, zstd, dcz;q=0", availableDictionary(v1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := get(t, c, "GET", url+"/assets/app.v2.js", tc.accept, "Available-Dictionary", tc.avail)
			if ce := resp.Header.Get("Content-Encoding"); ce != ordinaryCoding {
				t.Errorf("Content-Encoding %q, want %s", ce, ordinaryCoding)
			}
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d", resp.StatusCode)
			}
			if got := strings.Join(resp.Header.Values("Vary"), ", "); got != "Accept-Encoding, Available-Dictionary" {
				t.Errorf("Vary %q", got)
			}
			if !bytes.Equal(readAll(t, resp), versions["/assets/app.v2.js"]) {
				t.Error("body differs")
			}
		})
	}
}

// TestDictionariesOffByDefault: without a dictionary option,
// Available-Dictionary changes nothing, and responses do not vary on it.
func TestDictionariesOffByDefault(t *testing.T) {
	url, c, versions := assetServer(t)
	readAll(t, get(t, c, "GET", url+"/assets/app.v1.js", chromiumAccept))
	resp := get(t, c, "GET", url+"/assets/app.v2.js", chromiumAccept, "Available-Dictionary", availableDictionary(versions["/assets/app.v1.js"]))
	if ce := resp.Header.Get("Content-Encoding"); ce != ordinaryCoding {
		t.Errorf("Content-Encoding %q, want %s", ce, ordinaryCoding)
	}
	if got := strings.Join(resp.Header.Values("Vary"), ", "); got != "Accept-Encoding" {
		t.Errorf("Vary %q, want Accept-Encoding only", got)
	}
}

// TestAssetDictionariesAreBounded: the oldest kept asset is dropped when the
// count or byte budget is exceeded, and a client holding it gets the
// ordinary coding.
func TestAssetDictionariesAreBounded(t *testing.T) {
	for _, tc := range []struct {
		name            string
		count, maxBytes int
	}{{"count", 2, 1 << 20}, {"bytes", 10, 250 << 10}} {
		t.Run(tc.name, func(t *testing.T) {
			url, c, versions := assetServer(t, streamzip.WithAssetDictionaries(tc.count, tc.maxBytes))
			for _, v := range []string{"v1", "v2", "v3"} {
				readAll(t, get(t, c, "GET", url+"/assets/app."+v+".js", chromiumAccept))
			}
			resp := get(t, c, "GET", url+"/assets/app.v3.js", chromiumAccept, "Available-Dictionary", availableDictionary(versions["/assets/app.v1.js"]))
			if ce := resp.Header.Get("Content-Encoding"); ce != ordinaryCoding {
				t.Errorf("against the dropped v1: Content-Encoding %q, want %s", ce, ordinaryCoding)
			}
			resp = get(t, c, "GET", url+"/assets/app.v3.js", chromiumAccept, "Available-Dictionary", availableDictionary(versions["/assets/app.v2.js"]))
			if ce := resp.Header.Get("Content-Encoding"); ce != "dcz" {
				t.Errorf("against the kept v2: Content-Encoding %q, want dcz", ce)
			}
		})
	}
	t.Run("larger than the budget", func(t *testing.T) {
		url, c, versions := assetServer(t, streamzip.WithAssetDictionaries(10, 50<<10))
		readAll(t, get(t, c, "GET", url+"/assets/app.v1.js", chromiumAccept))
		resp := get(t, c, "GET", url+"/assets/app.v2.js", chromiumAccept, "Available-Dictionary", availableDictionary(versions["/assets/app.v1.js"]))
		if ce := resp.Header.Get("Content-Encoding"); ce != ordinaryCoding {
			t.Errorf("Content-Encoding %q, want %s: a 100 KiB body is over a 50 KiB budget", ce, ordinaryCoding)
		}
	})
}

// TestDczHead: HEAD carries the headers GET would, dcz included, and no body.
func TestDczHead(t *testing.T) {
	url, c, versions := assetServer(t, streamzip.WithAssetDictionaries(4, 1<<20))
	readAll(t, get(t, c, "GET", url+"/assets/app.v1.js", chromiumAccept))
	resp := get(t, c, "HEAD", url+"/assets/app.v2.js", chromiumAccept, "Available-Dictionary", availableDictionary(versions["/assets/app.v1.js"]))
	if ce := resp.Header.Get("Content-Encoding"); ce != "dcz" {
		t.Errorf("HEAD Content-Encoding %q, want dcz as GET", ce)
	}
	if b, _ := io.ReadAll(resp.Body); len(b) != 0 {
		t.Errorf("HEAD body of %d bytes", len(b))
	}
	// A HEAD never becomes a dictionary: v2 was not kept by it.
	resp = get(t, c, "GET", url+"/assets/app.v3.js", chromiumAccept, "Available-Dictionary", availableDictionary(versions["/assets/app.v2.js"]))
	if ce := resp.Header.Get("Content-Encoding"); ce != ordinaryCoding {
		t.Errorf("after HEAD v2: Content-Encoding %q, want %s", ce, ordinaryCoding)
	}
}

// TestFixedDictionaryServedAndAdvertised: the dictionary's handler serves
// its bytes with Use-As-Dictionary and a freshness lifetime, and Link
// advertises it.
func TestFixedDictionaryServedAndAdvertised(t *testing.T) {
	raw := eventsDictionary()
	d, err := streamzip.NewDictionary(raw, "/events/*", "events-v1")
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Hash(); got != sha256.Sum256(raw) {
		t.Error("Hash is not the SHA-256 of the bytes")
	}
	if got := d.Link("/dict/events"); got != `</dict/events>; rel="compression-dictionary"` {
		t.Errorf("Link %q", got)
	}
	srv, c := newServer(t, d)
	resp := get(t, c, "GET", srv.URL+"/dict/events", "")
	if got := resp.Header.Get("Use-As-Dictionary"); got != `match="/events/*", id="events-v1"` {
		t.Errorf("Use-As-Dictionary %q", got)
	}
	if !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=") {
		t.Errorf("Cache-Control %q: a client keeps only a fresh dictionary", resp.Header.Get("Cache-Control"))
	}
	if b := readAll(t, resp); !bytes.Equal(b, raw) {
		t.Error("served bytes differ")
	}
}

func TestDictionaryOptionErrors(t *testing.T) {
	d, err := streamzip.NewDictionary([]byte("x"), "/x", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts []streamzip.Option
	}{
		{"no dictionaries", []streamzip.Option{streamzip.WithDictionaries()}},
		{"nil dictionary", []streamzip.Option{streamzip.WithDictionaries(nil)}},
		{"zero assets", []streamzip.Option{streamzip.WithAssetDictionaries(0, 1)}},
		{"zero bytes", []streamzip.Option{streamzip.WithAssetDictionaries(1, 0)}},
		{"with jitter", []streamzip.Option{streamzip.WithDictionaries(d), streamzip.WithRandomJitter(16)}},
	} {
		if _, err := streamzip.New(tc.opts...); err == nil {
			t.Errorf("%s: New accepted it", tc.name)
		}
	}
	for _, tc := range []struct{ raw, match, id string }{
		{"", "/x", ""},
		{"x", "https://other.example/x", ""},
		{"x", "x/*", ""},
		{"x", "/x\n", ""},
		{"x", "/x", strings.Repeat("i", 1025)},
		{"x", "/x", "é"},
	} {
		if _, err := streamzip.NewDictionary([]byte(tc.raw), tc.match, tc.id); err == nil {
			t.Errorf("NewDictionary(%q, %q, %q) accepted", tc.raw, tc.match, tc.id)
		}
	}
	if err := streamzip.SetUseAsDictionary(http.Header{}, "relative"); err == nil {
		t.Error("SetUseAsDictionary accepted a relative match")
	}
}

func TestParseSFBinaryHash(t *testing.T) {
	h := sha256.Sum256([]byte("abc"))
	padded := base64.StdEncoding.EncodeToString(h[:])
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{":" + padded + ":", true},
		{" :" + padded + ": ", true},
		{":" + strings.TrimRight(padded, "=") + ":", true},
		{padded, false},
		{":" + padded, false},
		{":" + padded + ":;a=1", false},
		{":" + base64.StdEncoding.EncodeToString(h[:16]) + ":", false},
		{":" + base64.URLEncoding.EncodeToString(append(h[:], 0xfb, 0xff)[2:]) + ":", false},
		{"::", false},
	} {
		got, ok := streamzip.ParseSFBinaryHash(tc.in)
		if ok != tc.ok || (ok && got != h) {
			t.Errorf("ParseSFBinaryHash(%q) = %x, %v; want ok %v", tc.in, got, ok, tc.ok)
		}
	}
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{`"abc"`, "abc", true},
		{`"a\"b\\c"`, `a"b\c`, true},
		{`"a\nb"`, "", false},
		{`"a"b"`, "", false},
		{`abc`, "", false},
	} {
		got, ok := streamzip.ParseSFString(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseSFString(%q) = %q, %v", tc.in, got, ok)
		}
	}
}

// TestDczWindow: the window never exceeds what RFC 9842 lets a client
// refuse above (max(8 MB, 1.25 × dictionary), at most 128 MB), is a power
// of two, and reaches over the dictionary and a response as large.
func TestDczWindow(t *testing.T) {
	for _, n := range []int{1, 1000, 100 << 10, 3 << 20, 7 << 20, 20 << 20, 100 << 20} {
		w := streamzip.DczWindow(n, 1<<20)
		limit := min(max(8<<20, n+n/4), 128<<20)
		if w > limit || w&(w-1) != 0 || w < 1<<20 {
			t.Errorf("dczWindow(%d) = %d, limit %d", n, w, limit)
		}
		if 2*n <= limit/2 && w < 2*n {
			t.Errorf("dczWindow(%d) = %d does not reach over 2n", n, w)
		}
	}
}

// TestDictionaryVaryOn304: a 304 carries the Vary of the 200 it stands
// for, Available-Dictionary included.
func TestDictionaryVaryOn304(t *testing.T) {
	body := bundle(10<<10, 1)
	mw, err := streamzip.New(streamzip.WithAssetDictionaries(4, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Header().Set("Etag", `"v1"`)
		http.ServeContent(w, r, "app.v1.js", time.Time{}, bytes.NewReader(body))
	})))
	resp := get(t, c, "GET", srv.URL+"/assets/app.v1.js", chromiumAccept, "If-None-Match", `W/"v1"`)
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("status %d, want 304", resp.StatusCode)
	}
	if got := strings.Join(resp.Header.Values("Vary"), ", "); got != "Accept-Encoding, Available-Dictionary" {
		t.Errorf("304 Vary %q", got)
	}
}

// TestDictionaryResponsesAllocateOnlyTheWrapper: with dictionaries on, an
// ordinary response and a dcz one cost the same one allocation (the
// response writer wrapper) once the pools are warm.
func TestDictionaryResponsesAllocateOnlyTheWrapper(t *testing.T) {
	if streamzip.RaceEnabled {
		t.Skip("the race detector makes sync.Pool drop items on purpose")
	}
	raw := bundle(8<<10, 1)
	d, err := streamzip.NewDictionary(raw, "/", "")
	if err != nil {
		t.Fatal(err)
	}
	body := bundle(16<<10, 2)
	ct := []string{"text/javascript"}
	for _, tc := range []struct{ name, accept, avail, want string }{
		{"gzip", "gzip", "", "gzip"},
		{"dcz", chromiumAccept, availableDictionary(raw), "dcz"},
	} {
		mw, err := streamzip.New(streamzip.WithDictionaries(d))
		if err != nil {
			t.Fatal(err)
		}
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = ct
			w.Write(body)
		}))
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Accept-Encoding", tc.accept)
		if tc.avail != "" {
			req.Header.Set("Available-Dictionary", tc.avail)
		}
		w := &discardWriter{h: http.Header{}}
		serve := func() {
			clear(w.h)
			h.ServeHTTP(w, req)
		}
		serve()
		if ce := w.h.Get("Content-Encoding"); ce != tc.want {
			t.Fatalf("%s: Content-Encoding %q", tc.name, ce)
		}
		if n := testing.AllocsPerRun(200, serve); n > 1 {
			t.Errorf("%s: %v allocations per request, want 1 (the wrapper)", tc.name, n)
		}
	}
}
