package streamzip_test

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/streamzip/streamzip"
)

// Each test here pins one rule of "never less correct than no middleware"
// that an earlier version broke; the item is named in its comment.

// TestFlushBeforeBodySniffsNothing: a Flush before any body sends the
// headers without a Content-Type, as net/http does, instead of sniffing
// text/plain from zero bytes (an early-flushed HTML page would show as
// source).
func TestFlushBeforeBodySniffsNothing(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		io.WriteString(w, "<!doctype html><title>early flush</title>"+strings.Repeat("<p>x</p>", 300))
	})
	for _, accept := range []string{"gzip", ""} {
		srv, c := newServer(t, streamzip.Middleware(h))
		control, cc := newServer(t, h)
		got := get(t, c, "GET", srv.URL, accept)
		want := get(t, cc, "GET", control.URL, accept)
		if g, w := got.Header.Values("Content-Type"), want.Header.Values("Content-Type"); fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("accept %q: Content-Type %q, without the middleware %q", accept, g, w)
		}
	}
}

// TestDeclaredTrailersStayTrailers: a body under min size is sent after the
// handler returned, when the values of its declared trailers are already
// in the header map; they must still arrive as trailers only.
func TestDeclaredTrailersStayTrailers(t *testing.T) {
	for _, size := range []int{100, 8 << 10} {
		h := streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "X-Checksum")
			w.Header().Set("Content-Type", "text/plain")
			w.Write(bytes.Repeat([]byte("a"), size))
			w.Header().Set("X-Checksum", "abc123")
		}))
		srv, c := newServer(t, h)
		for _, accept := range []string{"gzip", ""} {
			resp := get(t, c, "GET", srv.URL, accept)
			if v := resp.Header.Get("X-Checksum"); v != "" {
				t.Errorf("size %d, accept %q: trailer value in the headers: %q", size, accept, v)
			}
			readAll(t, resp)
			if v := resp.Trailer.Get("X-Checksum"); v != "abc123" {
				t.Errorf("size %d, accept %q: trailer X-Checksum = %q, want abc123", size, accept, v)
			}
		}
	}
}

// gzipComment returns the gzip header comment of a response: where the
// BREACH padding travels.
func gzipComment(t *testing.T, resp *http.Response) string {
	t.Helper()
	if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", ce)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, zr)
	return zr.Header.Comment
}

// TestPaddingIsAFunctionOfContent: with jitter on, the padding of a
// response depends only on its content, whether or not the handler set
// Content-Length and however it split its writes, so averaging repeated
// responses does not remove it; and a page written in small pieces is
// hashed past its first kilobyte.
func TestPaddingIsAFunctionOfContent(t *testing.T) {
	mw, err := streamzip.New(streamzip.WithRandomJitter(streamzip.MaxJitter))
	if err != nil {
		t.Fatal(err)
	}
	page := func(secret string) []byte {
		return []byte(strings.Repeat("<p>public text of the page</p>\n", 300) + secret)
	}
	serve := func(body []byte, withLength bool, piece int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			if withLength {
				w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			}
			for p := body; len(p) > 0; p = p[min(piece, len(p)):] {
				w.Write(p[:min(piece, len(p))])
			}
		})
	}
	mux := http.NewServeMux()
	mux.Handle("/length", mw(serve(page("s"), true, 1<<20)))
	mux.Handle("/pieces", mw(serve(page("s"), false, 64)))
	mux.Handle("/length-pieces", mw(serve(page("s"), true, 64)))
	for i := range 3 {
		mux.Handle(fmt.Sprintf("/other/%d", i), mw(serve(page(fmt.Sprint("other secret ", i)), false, 64)))
	}
	srv, c := newServer(t, mux)
	want := gzipComment(t, get(t, c, "GET", srv.URL+"/length", "gzip"))
	for _, path := range []string{"/length", "/length", "/pieces", "/length-pieces"} {
		if got := gzipComment(t, get(t, c, "GET", srv.URL+path, "gzip")); len(got) != len(want) {
			t.Errorf("%s: padding %d bytes, the same content got %d", path, len(got), len(want))
		}
	}
	differs := false
	for i := range 3 {
		got := gzipComment(t, get(t, c, "GET", fmt.Sprintf("%s/other/%d", srv.URL, i), "gzip"))
		differs = differs || len(got) != len(want)
	}
	if !differs {
		t.Error("pages that differ only at their end got the same padding three times: the hash stops early")
	}
}

// TestEmptyBodyStaysEmpty: Content-Length: 0 is never encoded, even with
// WithMinSize(0) (it would become 20 bytes of gzip).
func TestEmptyBodyStaysEmpty(t *testing.T) {
	mw, err := streamzip.New(streamzip.WithMinSize(0))
	if err != nil {
		t.Fatal(err)
	}
	srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	})))
	resp := get(t, c, "GET", srv.URL, "gzip")
	raw, _ := io.ReadAll(resp.Body)
	if ce := resp.Header.Get("Content-Encoding"); ce != "" || len(raw) != 0 {
		t.Errorf("Content-Encoding %q and %d body bytes for an empty body", ce, len(raw))
	}
}

// syncBuffer is a log destination the server's goroutines may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestSecondWriteHeaderIsLogged: a superfluous WriteHeader before the
// decision reaches net/http, which logs it as it would without the
// middleware; the first status wins.
func TestSecondWriteHeaderIsLogged(t *testing.T) {
	var logs syncBuffer
	srv, c := newServer(t, streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "small body")
	})))
	srv.Config.ErrorLog = log.New(&logs, "", 0)
	resp := get(t, c, "GET", srv.URL, "gzip")
	readAll(t, resp)
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("status %d, want the first one, 202", resp.StatusCode)
	}
	deadline := time.Now().Add(stepTimeout)
	for !strings.Contains(logs.String(), "superfluous response.WriteHeader") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "superfluous response.WriteHeader") {
		t.Errorf("net/http logged %q, want its superfluous WriteHeader line", logs.String())
	}
}

// TestBlankVaryIsReplaced: a handler's empty Vary names nothing; the
// merged field is "Accept-Encoding", not ", Accept-Encoding".
func TestBlankVaryIsReplaced(t *testing.T) {
	for _, vary := range [][]string{{""}, {" "}, {"Origin", ""}, {"Origin,"}} {
		srv, c := newServer(t, streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Vary"] = vary
			w.Header().Set("Content-Type", "application/json")
			w.Write(jsonBody(4 << 10))
		})))
		resp := get(t, c, "GET", srv.URL, "gzip")
		got := strings.Join(resp.Header.Values("Vary"), "|")
		want := "Accept-Encoding"
		if strings.Contains(strings.Join(vary, ""), "Origin") {
			want = "Origin, Accept-Encoding"
		}
		if got != want {
			t.Errorf("handler Vary %q: got %q, want %q", vary, got, want)
		}
	}
}

// TestCompressedFormatsByFamily: archive types under any of their names
// are sent as they are; text-like ones (a tar is not compressed) are
// encoded.
func TestCompressedFormatsByFamily(t *testing.T) {
	body := jsonBody(8 << 10)
	check := func(mt string, wantEncoded bool) {
		t.Helper()
		srv, c := newServer(t, streamzip.Middleware(serveBytes(mt, body)))
		resp := get(t, c, "GET", srv.URL, "gzip")
		if got := resp.Header.Get("Content-Encoding") != ""; got != wantEncoded {
			t.Errorf("%s: encoded %v, want %v", mt, got, wantEncoded)
		}
	}
	for _, mt := range []string{
		"application/x-zip-compressed", "application/x-zip", "application/x-compressed",
		"application/x-bzip2", "application/x-7z-compressed", "application/x-rar-compressed",
		"application/x-xz", "application/zstd", "application/x-lzip", "application/x-lzma",
		"application/x-lz4", "application/vnd.ms-cab-compressed", "application/epub+zip",
		"application/vnd.android.package-archive", "application/java-archive",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.oasis.opendocument.text", "application/X-GZIP",
	} {
		check(mt, false)
	}
	for _, mt := range []string{"application/json", "application/x-tar", "text/plain", "application/xml", "image/svg+xml"} {
		check(mt, true)
	}
}

// TestOptionalInterfacesExactly: CloseNotifier is offered exactly when the
// wrapped writer has it (a channel that never fires would hide
// disconnects), and io.StringWriter is always there, as on net/http's own
// writer.
func TestOptionalInterfacesExactly(t *testing.T) {
	type seen struct{ closeNotifier, stringWriter bool }
	probe := func(ch chan seen) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, cn := w.(http.CloseNotifier) //nolint:staticcheck // the deprecated interface is what is tested
			_, sw := w.(io.StringWriter)
			ch <- seen{cn, sw}
		})
	}
	for _, tc := range []struct {
		name   string
		below  func(http.Handler) http.Handler
		wantCN bool
	}{
		{"net/http", func(h http.Handler) http.Handler { return h }, true},
		{"logger without CloseNotify", func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(&statusLogger{ResponseWriter: w}, r) })
		}, false},
	} {
		ch := make(chan seen, 1)
		srv, c := newServer(t, tc.below(streamzip.Middleware(probe(ch))))
		get(t, c, "GET", srv.URL, "gzip")
		if got := <-ch; got.closeNotifier != tc.wantCN || !got.stringWriter {
			t.Errorf("%s: CloseNotifier %v (want %v), io.StringWriter %v (want true)", tc.name, got.closeNotifier, tc.wantCN, got.stringWriter)
		}
	}
}

// TestWithExceptContentTypes: a denylist on top of the built-in one.
func TestWithExceptContentTypes(t *testing.T) {
	mw, err := streamzip.New(streamzip.WithExceptContentTypes("application/json", "text/*"))
	if err != nil {
		t.Fatal(err)
	}
	body := jsonBody(8 << 10)
	for mt, want := range map[string]string{"application/json": "", "text/html": "", "application/xml": "gzip"} {
		srv, c := newServer(t, mw(serveBytes(mt, body)))
		if got := get(t, c, "GET", srv.URL, "gzip").Header.Get("Content-Encoding"); got != want {
			t.Errorf("%s: Content-Encoding %q, want %q", mt, got, want)
		}
	}
}

// TestWithFilter: a request the filter rejects reaches the handler with
// the server's own ResponseWriter: no coding, no Vary.
func TestWithFilter(t *testing.T) {
	mw, err := streamzip.New(streamzip.WithFilter(func(r *http.Request) bool {
		return !strings.HasPrefix(r.URL.Path, "/raw/")
	}))
	if err != nil {
		t.Fatal(err)
	}
	srv, c := newServer(t, mw(serveBytes("application/json", jsonBody(8<<10))))
	for path, want := range map[string]string{"/raw/x": "", "/api/x": "gzip"} {
		resp := get(t, c, "GET", srv.URL+path, "gzip")
		if got := resp.Header.Get("Content-Encoding"); got != want {
			t.Errorf("%s: Content-Encoding %q, want %q", path, got, want)
		}
		if vary := resp.Header.Get("Vary"); (vary != "") != (want != "") {
			t.Errorf("%s: Vary %q", path, vary)
		}
	}
}

// TestBodylessResponsesAgreeWithTheirOK: HEAD carries GET's headers
// (RFC 9110 §9.3.2), a 304 carries its 200's ETag and Vary (§15.4.5), and a
// 206 its 200's Vary (§15.3.7), for compressed, small and never-compressed
// types, whatever the client accepts. http.ServeContent drops Content-Type
// on a 304, so the type must not be needed to get it right.
func TestBodylessResponsesAgreeWithTheirOK(t *testing.T) {
	random := make([]byte, 8<<10)
	for i := range random {
		random[i] = byte(i * 7919 >> 3)
	}
	files := map[string][]byte{
		"/logo.png":   append([]byte("\x89PNG\r\n\x1a\n"), random...),
		"/page.html":  bytes.Repeat([]byte("<p>compressible page</p>\n"), 400),
		"/small.html": []byte("<p>small</p>"),
		"/data.json":  jsonBody(8 << 10),
		"/archive":    random,
	}
	h := streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := files[r.URL.Path]
		w.Header().Set("ETag", fmt.Sprintf(`"%x"`, len(body)))
		if r.URL.Path == "/archive" {
			w.Header().Set("Content-Type", "application/x-zip-compressed")
		}
		http.ServeContent(w, r, r.URL.Path, time.Unix(1e9, 0), bytes.NewReader(body))
	}))
	srv, c := newServer(t, h)
	for path := range files {
		for _, accept := range []string{"gzip, br", ""} {
			t.Run(path+"/"+accept, func(t *testing.T) {
				ok := get(t, c, "GET", srv.URL+path, accept)
				readAll(t, ok)
				etag, vary := ok.Header.Get("Etag"), fmt.Sprint(ok.Header.Values("Vary"))
				head := get(t, c, "HEAD", srv.URL+path, accept)
				for _, k := range []string{"Content-Encoding", "Vary", "Etag", "Accept-Ranges", "Content-Type"} {
					if g, h := fmt.Sprint(ok.Header.Values(k)), fmt.Sprint(head.Header.Values(k)); g != h {
						t.Errorf("HEAD %s %s, GET %s", k, h, g)
					}
				}
				nm := get(t, c, "GET", srv.URL+path, accept, "If-None-Match", etag)
				if nm.StatusCode != http.StatusNotModified {
					t.Fatalf("If-None-Match %s: status %d, want 304", etag, nm.StatusCode)
				}
				if got := nm.Header.Get("Etag"); got != etag {
					t.Errorf("304 ETag %s, its 200 %s", got, etag)
				}
				wantVary := vary
				if path == "/archive" {
					// Nothing tells the type of this 304: ServeContent
					// dropped it and the path has no extension. It gets
					// Vary, the safe side: a cache that merges it into the
					// stored 200 splits by Accept-Encoding for nothing,
					// where a missing Vary could serve gzip to a client
					// that cannot read it (README, Rules).
					wantVary = "[Accept-Encoding]"
				}
				if got := fmt.Sprint(nm.Header.Values("Vary")); got != wantVary {
					t.Errorf("304 Vary %s, its 200 %s", got, vary)
				}
				if len(files[path]) > 100 {
					partial := get(t, c, "GET", srv.URL+path, accept, "Range", "bytes=0-99")
					if partial.StatusCode != http.StatusPartialContent {
						t.Fatalf("Range: status %d, want 206", partial.StatusCode)
					}
					if got := fmt.Sprint(partial.Header.Values("Vary")); got != vary {
						t.Errorf("206 Vary %s, its 200 %s", got, vary)
					}
				}
			})
		}
	}
}
