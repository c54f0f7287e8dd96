package streamzip_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/streamzip/streamzip"
)

// jsonBody is a realistic API payload of about n bytes.
func jsonBody(n int) []byte {
	type item struct {
		ID    int      `json:"id"`
		Name  string   `json:"name"`
		Email string   `json:"email"`
		Tags  []string `json:"tags"`
	}
	var items []item
	var b []byte
	for i := 0; len(b) < n; i++ {
		items = append(items, item{i, fmt.Sprintf("user %d", i), fmt.Sprintf("user%d@example.com", i), []string{"a", "b"}})
		b, _ = json.Marshal(items)
	}
	return b
}

func serveBytes(contentType string, body []byte, extra ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		for i := 0; i+1 < len(extra); i += 2 {
			w.Header().Add(extra[i], extra[i+1])
		}
		w.Write(body)
	}
}

// TestCompressesByNegotiatedEncoding covers the main path: a JSON body over
// min size is encoded with what the client prefers, Content-Length is
// dropped, Vary is set, and the bytes decode to the original.
func TestCompressesByNegotiatedEncoding(t *testing.T) {
	body := jsonBody(16 << 10)
	mw, err := streamzip.New(streamzip.WithEncodings("zstd", "br", "gzip"))
	if err != nil {
		t.Fatal(err)
	}
	srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.Write(body)
	})))
	for _, tc := range []struct{ accept, want string }{
		{"gzip", "gzip"},
		{"br", "br"},
		{"zstd", "zstd"},
		{"gzip, br", "br"}, // server preference breaks the tie
		{"gzip, br, zstd", "zstd"},
		{"gzip;q=1, br;q=0.5", "gzip"},
		{"", ""},
		{"identity", ""},
	} {
		t.Run(tc.accept, func(t *testing.T) {
			resp := get(t, c, "GET", srv.URL, tc.accept)
			if got := resp.Header.Get("Content-Encoding"); got != tc.want {
				t.Fatalf("Content-Encoding = %q, want %q", got, tc.want)
			}
			if got := resp.Header.Values("Vary"); len(got) != 1 || got[0] != "Accept-Encoding" {
				t.Errorf("Vary = %q, want [Accept-Encoding]", got)
			}
			raw, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			// The handler's Content-Length was dropped; net/http may set
			// the encoded one when the whole body fits its buffer.
			if resp.ContentLength >= 0 && resp.ContentLength != int64(len(raw)) {
				t.Errorf("Content-Length %d, but %d bytes on the wire", resp.ContentLength, len(raw))
			}
			resp.Body = io.NopCloser(bytes.NewReader(raw))
			if got := readAll(t, resp); !bytes.Equal(got, body) {
				t.Fatalf("decoded %d bytes, want %d", len(got), len(body))
			}
		})
	}
}

// TestSkipRules: one case per reason not to compress. Each response must
// arrive byte for byte as the handler wrote it, with no Content-Encoding
// added by the middleware.
func TestSkipRules(t *testing.T) {
	big := jsonBody(8 << 10)
	random := make([]byte, 8<<10)
	rand.Read(random)
	cases := []struct {
		name    string
		method  string
		handler http.HandlerFunc
		wantCE  string // the handler's own Content-Encoding, if any
		vary    bool   // Vary: Accept-Encoding expected
	}{
		{"pre-set Content-Encoding", "GET", serveBytes("application/json", big, "Content-Encoding", "identity"), "identity", false},
		{"handler gzipped itself", "GET", serveBytes("text/plain", big, "Content-Encoding", "gzip"), "gzip", false},
		{"Cache-Control no-transform", "GET", serveBytes("application/json", big, "Cache-Control", "public, No-Transform"), "", false},
		{"204", "GET", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }, "", false},
		{"304", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(304)
		}, "", true}, // RFC 9110 §15.4.5: the Vary a 200 would carry
		{"206", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", len(big)-1, len(big)*2))
			w.WriteHeader(206)
			w.Write(big)
		}, "", true}, // RFC 9110 §15.3.7: the Vary its 200 carries
		{"image/png", "GET", serveBytes("image/png", random), "", false},
		{"sniffed image", "GET", serveBytes("", append([]byte("\x89PNG\x0D\x0A\x1A\x0A"), random...)), "", false},
		{"video/mp4", "GET", serveBytes("video/mp4", random), "", false},
		{"font/woff2", "GET", serveBytes("font/woff2", random), "", false},
		{"application/grpc", "GET", serveBytes("application/grpc+proto", random), "", false},
		{"application/zip", "GET", serveBytes("application/zip", random), "", false},
		{"below min size", "GET", serveBytes("application/json", big[:500]), "", true},
		{"below min size by Content-Length", "GET", serveBytes("application/json", big[:500], "Content-Length", "500"), "", true},
		{"event stream", "GET", serveBytes("Text/Event-Stream; charset=utf-8", []byte(strings.Repeat("data: x\n\n", 500))), "", false},
	}
	srvMux := http.NewServeMux()
	for i, tc := range cases {
		srvMux.Handle(fmt.Sprintf("/%d", i), streamzip.Middleware(tc.handler))
	}
	srv, c := newServer(t, srvMux)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := get(t, c, tc.method, fmt.Sprintf("%s/%d", srv.URL, i), "gzip, br")
			if got := resp.Header.Get("Content-Encoding"); got != tc.wantCE {
				t.Fatalf("Content-Encoding = %q, want %q", got, tc.wantCE)
			}
			if got := resp.Header.Get("Vary") == "Accept-Encoding"; got != tc.vary {
				t.Errorf("Vary: Accept-Encoding present = %v, want %v", got, tc.vary)
			}
			rec := &recorder{header: http.Header{}}
			req, _ := http.NewRequest(tc.method, "/", nil)
			tc.handler(rec, req)
			got, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if tc.method == "HEAD" {
				rec.body.Reset()
			}
			if !bytes.Equal(got, rec.body.Bytes()) {
				t.Fatalf("body differs from the handler's: %d bytes, want %d", len(got), rec.body.Len())
			}
		})
	}
}

// recorder is a minimal ResponseWriter for computing what a handler writes.
type recorder struct {
	header http.Header
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }
func (r *recorder) WriteHeader(int)             {}

// TestHeaderRules: Vary merged not duplicated, strong ETag made weak,
// Accept-Ranges dropped, sniffed Content-Type set on encoded bodies.
func TestHeaderRules(t *testing.T) {
	body := []byte("<!DOCTYPE html><html><body>" + strings.Repeat("<p>hello streamzip</p>", 200) + "</body></html>")
	cases := []struct {
		name    string
		extra   []string
		ct      string
		check   func(t *testing.T, h http.Header)
		encoded bool
	}{
		{"Vary merged", []string{"Vary", "Origin"}, "text/html", func(t *testing.T, h http.Header) {
			if got := h.Values("Vary"); len(got) != 1 || got[0] != "Origin, Accept-Encoding" {
				t.Errorf("Vary = %q", got)
			}
		}, true},
		{"Vary not duplicated", []string{"Vary", "accept-encoding"}, "text/html", func(t *testing.T, h http.Header) {
			if got := h.Values("Vary"); len(got) != 1 || got[0] != "accept-encoding" {
				t.Errorf("Vary = %q", got)
			}
		}, true},
		{"Vary star kept", []string{"Vary", "*"}, "text/html", func(t *testing.T, h http.Header) {
			if got := h.Values("Vary"); len(got) != 1 || got[0] != "*" {
				t.Errorf("Vary = %q", got)
			}
		}, true},
		{"ETag weakened", []string{"ETag", `"v1"`}, "text/html", func(t *testing.T, h http.Header) {
			if got := h.Get("ETag"); got != `W/"v1"` {
				t.Errorf("ETag = %q", got)
			}
		}, true},
		{"weak ETag kept", []string{"ETag", `W/"v1"`}, "text/html", func(t *testing.T, h http.Header) {
			if got := h.Get("ETag"); got != `W/"v1"` {
				t.Errorf("ETag = %q", got)
			}
		}, true},
		{"Accept-Ranges dropped", []string{"Accept-Ranges", "bytes"}, "text/html", func(t *testing.T, h http.Header) {
			if got := h.Get("Accept-Ranges"); got != "" {
				t.Errorf("Accept-Ranges = %q", got)
			}
		}, true},
		{"sniffed type set", nil, "", func(t *testing.T, h http.Header) {
			if got := h.Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newServer(t, streamzip.Middleware(serveBytes(tc.ct, body, tc.extra...)))
			resp := get(t, c, "GET", srv.URL, "gzip")
			if got := resp.Header.Get("Content-Encoding") == "gzip"; got != tc.encoded {
				t.Fatalf("encoded = %v, want %v", got, tc.encoded)
			}
			tc.check(t, resp.Header)
			if got := readAll(t, resp); !bytes.Equal(got, body) {
				t.Fatal("body mismatch")
			}
		})
	}
}

// TestConditionalGETStillGets304: with the ETag made weak, a client that
// sends it back in If-None-Match gets 304 from http.ServeContent.
func TestConditionalGETStillGets304(t *testing.T) {
	body := jsonBody(4 << 10)
	srv, c := newServer(t, streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"abc"`)
		w.Header().Set("Content-Type", "application/json")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})))
	first := get(t, c, "GET", srv.URL, "gzip")
	etag := first.Header.Get("ETag")
	if first.Header.Get("Content-Encoding") != "gzip" || etag != `W/"abc"` {
		t.Fatalf("first response: encoding %q, ETag %q", first.Header.Get("Content-Encoding"), etag)
	}
	if got := readAll(t, first); !bytes.Equal(got, body) {
		t.Fatal("body mismatch through ServeContent (io.ReaderFrom path)")
	}
	second := get(t, c, "GET", srv.URL, "gzip", "If-None-Match", etag)
	if second.StatusCode != http.StatusNotModified {
		t.Fatalf("status %d, want 304", second.StatusCode)
	}
}

// TestContentTypesAllowlist: Compress(level, types...) only compresses the
// listed types, with chi's wildcard meaning.
func TestContentTypesAllowlist(t *testing.T) {
	body := jsonBody(4 << 10)
	mux := http.NewServeMux()
	mux.Handle("/json", serveBytes("application/json", body))
	mux.Handle("/text", serveBytes("text/csv", body))
	srv, c := newServer(t, streamzip.Compress(5, "text/*")(mux))
	if ce := get(t, c, "GET", srv.URL+"/json", "gzip").Header.Get("Content-Encoding"); ce != "" {
		t.Errorf("application/json encoded (%q) though only text/* is listed", ce)
	}
	resp := get(t, c, "GET", srv.URL+"/text", "gzip")
	if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
		t.Errorf("text/csv Content-Encoding = %q, want gzip", ce)
	}
	if !bytes.Equal(readAll(t, resp), body) {
		t.Error("body mismatch")
	}
}

// TestHeadersOnlyFlushReachesClient: a Flush before any body puts the
// status and headers on the wire.
func TestHeadersOnlyFlushReachesClient(t *testing.T) {
	for _, ct := range []string{"application/json", "text/event-stream"} {
		t.Run(ct, func(t *testing.T) {
			release := make(chan struct{})
			srv, c := newServer(t, streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", ct)
				w.Header().Set("X-Test", "flushed")
				w.WriteHeader(http.StatusAccepted)
				w.(http.Flusher).Flush()
				select {
				case <-release:
				case <-time.After(stepTimeout):
				}
			})))
			done := make(chan *http.Response, 1)
			go func() {
				req, _ := http.NewRequest("GET", srv.URL, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				resp, err := c.Do(req)
				if err != nil {
					t.Error(err)
					close(done)
					return
				}
				done <- resp
			}()
			select {
			case resp := <-done:
				if resp == nil {
					return
				}
				defer resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted || resp.Header.Get("X-Test") != "flushed" {
					t.Errorf("got %d %q", resp.StatusCode, resp.Header.Get("X-Test"))
				}
			case <-time.After(stepTimeout):
				t.Fatal("headers did not arrive after Flush")
			}
			close(release)
		})
	}
}

// TestFlushedBytesAreDecodable: for an ordinary (non-event) encoded
// response, every byte written before Flush can be decoded by the client
// before the handler writes more.
func TestFlushedBytesAreDecodable(t *testing.T) {
	for _, enc := range []string{"gzip", "br", "zstd"} {
		t.Run(enc, func(t *testing.T) {
			mw, _ := streamzip.New(streamzip.WithEncodings("zstd", "br", "gzip"))
			chunk := jsonBody(2 << 10)
			l := newLockstep(3)
			srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				for k := 0; k < l.Events; k++ {
					w.Write(chunk)
					http.NewResponseController(w).Flush()
					if err := l.WaitAck(k); err != nil {
						t.Error(err)
						return
					}
				}
			})))
			resp := get(t, c, "GET", srv.URL, enc)
			if got := resp.Header.Get("Content-Encoding"); got != enc {
				t.Fatalf("Content-Encoding %q", got)
			}
			r := decoder(t, resp)
			buf := make([]byte, len(chunk))
			for k := 0; k < l.Events; k++ {
				readDone := make(chan error, 1)
				go func() { _, err := io.ReadFull(r, buf); readDone <- err }()
				select {
				case err := <-readDone:
					if err != nil || !bytes.Equal(buf, chunk) {
						t.Fatalf("chunk %d: %v", k, err)
					}
				case <-time.After(stepTimeout):
					t.Fatalf("chunk %d not decodable after Flush", k)
				}
				l.Acks <- k
			}
		})
	}
}

// TestInformationalResponsesForwarded: 103 Early Hints reach the client.
func TestInformationalResponsesForwarded(t *testing.T) {
	srv, c := newServer(t, streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Set("Content-Type", "application/json")
		w.Write(jsonBody(4 << 10))
	})))
	var hints []int
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		Got1xxResponse: func(code int, h textproto.MIMEHeader) error { hints = append(hints, code); return nil },
	}))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if len(hints) != 1 || hints[0] != 103 {
		t.Errorf("1xx responses = %v, want [103]", hints)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("final response %d %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	readAll(t, resp)
}

// TestHijackPassesThrough: a handler can take the connection.
func TestHijackPassesThrough(t *testing.T) {
	srv, c := newServer(t, streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		brw.Flush()
	})))
	resp := get(t, c, "GET", srv.URL, "gzip")
	if b, _ := io.ReadAll(resp.Body); string(b) != "hijacked" {
		t.Errorf("body %q", b)
	}
	if _, ok := any(streamzip.Middleware).(func(http.Handler) http.Handler); !ok {
		t.Fatal("Middleware has the wrong shape")
	}
}

// TestOptionalInterfacesMatchTheWrappedWriter: like httpsnoop, the wrapper
// has Hijacker and ReaderFrom on HTTP/1 and not on HTTP/2, and always has
// Flusher and Unwrap.
func TestOptionalInterfacesMatchTheWrappedWriter(t *testing.T) {
	type seen struct{ hijack, readFrom, flush, unwrap bool }
	probe := func(got *seen) http.Handler {
		return streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, got.hijack = w.(http.Hijacker)
			_, got.readFrom = w.(io.ReaderFrom)
			_, got.flush = w.(http.Flusher)
			_, got.unwrap = w.(interface{ Unwrap() http.ResponseWriter })
		}))
	}
	var h1, h2 seen
	srv1, c1 := newServer(t, probe(&h1))
	get(t, c1, "GET", srv1.URL, "gzip")
	srv2, c2 := newTLSServer(t, probe(&h2))
	get(t, c2, "GET", srv2.URL, "gzip")
	if want := (seen{true, true, true, true}); h1 != want {
		t.Errorf("HTTP/1: %+v, want %+v", h1, want)
	}
	if want := (seen{false, false, true, true}); h2 != want {
		t.Errorf("HTTP/2: %+v, want %+v", h2, want)
	}
}

// TestWriteDeadlineThroughResponseController: SetWriteDeadline reaches the
// connection through Unwrap.
func TestWriteDeadlineThroughResponseController(t *testing.T) {
	srv, c := newServer(t, streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline: %v", err)
		}
		if err := rc.EnableFullDuplex(); err != nil {
			t.Errorf("EnableFullDuplex: %v", err)
		}
		w.Write([]byte("ok"))
	})))
	get(t, c, "GET", srv.URL, "gzip")
}

// TestAccelBufferingKeepsTheHandlersValue: X-Accel-Buffering: no is added
// to event streams only when the handler did not set the header itself.
func TestAccelBufferingKeepsTheHandlersValue(t *testing.T) {
	for _, set := range []string{"", "yes"} {
		srv, c := newServer(t, streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			if set != "" {
				w.Header().Set("X-Accel-Buffering", set)
			}
			io.WriteString(w, "data: x\n\n")
		})))
		want := set
		if want == "" {
			want = "no"
		}
		if got := get(t, c, "GET", srv.URL, "gzip").Header.Get("X-Accel-Buffering"); got != want {
			t.Errorf("handler set %q: X-Accel-Buffering = %q, want %q", set, got, want)
		}
	}
}
