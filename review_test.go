package streamzip_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/streamzip/streamzip"
)

// Adversarial review of issue 11. Each test demonstrates one way the
// middleware is still less correct than the same stack without it.

// mustNew builds a middleware or fails the test.
func mustNew(t *testing.T, opts ...streamzip.Option) func(http.Handler) http.Handler {
	t.Helper()
	mw, err := streamzip.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return mw
}

// TestReviewHeadOfCompressedStreamGetsHeaders: a HEAD to an event stream
// whose handler never flushes (the README's supported "SSE handler that
// never flushes") gets its headers at the first event in bypass mode, but
// with CompressEventStreams the HEAD path of writeDecided returns before
// autoFlush, so the header block sits in net/http's buffer until the stream
// ends: a HEAD health check of /events hangs. HEAD must carry what GET
// carries, when GET carries it (RFC 9110 §9.3.2).
func TestReviewHeadOfCompressedStreamGetsHeaders(t *testing.T) {
	for name, mw := range map[string]func(http.Handler) http.Handler{
		"bypass":            streamzip.Middleware,
		"compressed gzip":   mustNew(t, streamzip.WithEventStreams(streamzip.CompressEventStreams), streamzip.WithEncodings("gzip")),
		"compressed br":     mustNew(t, streamzip.WithEventStreams(streamzip.CompressEventStreams), streamzip.WithEncodings("br")),
		"compressed zstd":   mustNew(t, streamzip.WithEventStreams(streamzip.CompressEventStreams), streamzip.WithEncodings("zstd")),
		"compressed gzip 0": mustNew(t, streamzip.WithEventStreams(streamzip.CompressEventStreams), streamzip.WithEncodings("gzip"), streamzip.WithReleaseAfter(0)),
	} {
		t.Run(name, func(t *testing.T) {
			gotHeaders := make(chan struct{})
			srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, event(0, "\n"))
				select { // a stream that lives on until the client has what it asked for
				case <-gotHeaders:
				case <-time.After(stepTimeout):
				}
			})))
			ctx, cancel := context.WithTimeout(context.Background(), stepTimeout/2)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "HEAD", srv.URL, nil)
			req.Header.Set("Accept-Encoding", "gzip, br, zstd")
			resp, err := c.Do(req)
			close(gotHeaders)
			if err != nil {
				t.Fatalf("HEAD of a live event stream: no headers after %v: %v", stepTimeout/2, err)
			}
			resp.Body.Close()
		})
	}
}

// TestReviewMultirange206KeepsVary: with an allowlist (Compress, chi's
// types), a multi-range 206 has Content-Type multipart/byteranges, which
// is not on the list, so bodylessRules returns identity and the 206 has no
// Vary, although its 200 (text/html) is encoded and has one. Item 8 /
// RFC 9110 §15.3.7: the 206 must carry the 200's Vary. The type to judge
// is the representation's, not the multipart wrapper's.
func TestReviewMultirange206KeepsVary(t *testing.T) {
	page := bytes.Repeat([]byte("<p>compressible page</p>\n"), 400)
	srv, c := newServer(t, streamzip.Compress(5)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"p1"`)
		http.ServeContent(w, r, "page.html", time.Unix(1e9, 0), bytes.NewReader(page))
	})))
	ok := get(t, c, "GET", srv.URL+"/page.html", "gzip")
	readAll(t, ok)
	vary := fmt.Sprint(ok.Header.Values("Vary"))
	if vary != "[Accept-Encoding]" {
		t.Fatalf("200 Vary %s, want [Accept-Encoding]", vary)
	}
	for _, rng := range []string{"bytes=0-99", "bytes=0-9,100-199"} {
		partial := get(t, c, "GET", srv.URL+"/page.html", "gzip", "Range", rng)
		if partial.StatusCode != http.StatusPartialContent {
			t.Fatalf("%s: status %d", rng, partial.StatusCode)
		}
		if got := fmt.Sprint(partial.Header.Values("Vary")); got != vary {
			t.Errorf("Range %s (Content-Type %s): 206 Vary %s, its 200 %s", rng, partial.Header.Get("Content-Type"), got, vary)
		}
	}
}

// TestReviewExplicitIdentityWeightIsNotOverriddenByStar: RFC 9110 §12.5.3:
// "*" matches only codings not listed. Here identity is listed at q=0.1
// and gzip at q=0.5, so the client prefers gzip; negotiate takes
// max(qs[identity], star) and lets "*;q=0.8" raise identity above gzip.
func TestReviewExplicitIdentityWeightIsNotOverriddenByStar(t *testing.T) {
	mw := mustNew(t, streamzip.WithEncodings("gzip"))
	srv, c := newServer(t, mw(serveBytes("application/json", jsonBody(8<<10))))
	resp := get(t, c, "GET", srv.URL, "gzip;q=0.5, identity;q=0.1, *;q=0.8")
	if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
		t.Errorf("Content-Encoding %q, want gzip (q=0.5 beats identity's explicit q=0.1)", ce)
	}
}

// TestReviewEmptyWriteStaysEmpty: item 10 says an empty body must never
// become 20 bytes of gzip with WithMinSize(0). A Write of zero bytes
// (w.Write(buf.Bytes()) of an empty buffer, io.WriteString(w, "")) with a
// declared type still does: the peek path sees len(p) >= limit (0 >= 0)
// and decides to encode on no body.
func TestReviewEmptyWriteStaysEmpty(t *testing.T) {
	mw := mustNew(t, streamzip.WithMinSize(0))
	srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(nil)
	})))
	resp := get(t, c, "GET", srv.URL, "gzip")
	raw, _ := io.ReadAll(resp.Body)
	if ce := resp.Header.Get("Content-Encoding"); ce != "" || len(raw) != 0 {
		t.Errorf("Content-Encoding %q and %d body bytes for an empty body", ce, len(raw))
	}
}

// TestReviewCompressibleTypesAreNotArchives: the family match is a bare
// substring search, so text types whose names merely contain a family
// are sent uncompressed: "library" contains "rar", OOXML's XML parts
// contain "openxmlformats", ODF flat XML contains "opendocument", a
// "zipcode" API type contains "zip". A structured suffix (+json, +xml) or
// -flat-xml says the body is text; match families as tokens, not
// substrings.
func TestReviewCompressibleTypesAreNotArchives(t *testing.T) {
	body := jsonBody(8 << 10)
	for _, mt := range []string{
		"application/vnd.acme.library+json",
		"application/x-shared-library-la",
		"application/vnd.openxmlformats-package.relationships+xml",
		"application/vnd.oasis.opendocument.text-flat-xml",
		"application/vnd.acme.zipcode+json",
		"application/vnd.acme.archived-orders+json",
	} {
		srv, c := newServer(t, streamzip.Middleware(serveBytes(mt, body)))
		if ce := get(t, c, "GET", srv.URL, "gzip").Header.Get("Content-Encoding"); ce != "gzip" {
			t.Errorf("%s: Content-Encoding %q, want gzip (it is text)", mt, ce)
		}
	}
}

// keep strings imported for later probes.
var _ = strings.Repeat

// unwrapLogger is the wrapper Go 1.20 recommends: it embeds the writer and
// offers Unwrap, leaving Flush and Hijack to http.ResponseController.
type unwrapLogger struct {
	http.ResponseWriter
	status int
}

func (l *unwrapLogger) WriteHeader(code int)        { l.status = code; l.ResponseWriter.WriteHeader(code) }
func (l *unwrapLogger) Unwrap() http.ResponseWriter { return l.ResponseWriter }

func rawExchange(t *testing.T, addr, request string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(stepTimeout))
	io.WriteString(conn, request)
	got, _ := io.ReadAll(conn)
	return string(got)
}

// hijackThenTail is a CONNECT-proxy-like handler: it sets a status (and
// optionally writes a body), takes the connection with hijack, and writes
// a raw tail on it.
func hijackThenTail(t *testing.T, body []byte, hijack func(http.ResponseWriter) (net.Conn, *bufio.ReadWriter, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if body != nil {
			w.Header().Set("Content-Type", "text/plain")
			w.Write(body)
		} else {
			w.WriteHeader(http.StatusOK)
		}
		conn, brw, err := hijack(w)
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("raw tail")
		brw.Flush()
	})
}

// TestReviewControllerHijackCommitsStatus: under a logger written the
// Go 1.20 way (embeds the writer, offers Unwrap, no Hijack), streamzip's
// writer has no Hijack method but has Unwrap, so
// http.ResponseController(w).Hijack() walks past streamzip to net/http and
// streamzip's hijack (which commits a pending status, as net/http does and
// CONNECT proxies rely on) never runs: the client never gets its
// "HTTP/1.1 200", and at return streamzip writes a header on the hijacked
// connection (net/http logs it). Without streamzip the status arrives.
func TestReviewControllerHijackCommitsStatus(t *testing.T) {
	h := hijackThenTail(t, nil, func(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter, error) {
		return http.NewResponseController(w).Hijack()
	})
	for name, stack := range map[string]http.Handler{
		"without streamzip": &loggerHandler{h},
		"with streamzip":    &loggerHandler{streamzip.Middleware(h)},
	} {
		srv, _ := newServer(t, stack)
		got := rawExchange(t, srv.Listener.Addr().String(), "GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
		if !strings.HasPrefix(got, "HTTP/1.1 200") || !strings.HasSuffix(got, "raw tail") {
			t.Errorf("%s: client read %q, want the 200 status line then the raw tail", name, got)
		}
	}
}

type loggerHandler struct{ next http.Handler }

func (l *loggerHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.next.ServeHTTP(&unwrapLogger{ResponseWriter: w}, r)
}

// TestReviewHijackAfterEncodedBodyLosesNothing: the body written before a
// Hijack reaches the client without streamzip (net/http flushes it before
// handing over the connection). Once streamzip encodes, the compressed
// bytes still inside the encoder are dropped by hijack (releaseEncoder):
// the client gets "Content-Encoding: gzip" and then only the raw tail.
// Every byte the handler wrote must arrive.
func TestReviewHijackAfterEncodedBodyLosesNothing(t *testing.T) {
	body := bytes.Repeat([]byte("body "), 1000)
	h := hijackThenTail(t, body, func(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter, error) {
		return w.(http.Hijacker).Hijack()
	})
	srv, _ := newServer(t, streamzip.Middleware(h))
	got := rawExchange(t, srv.Listener.Addr().String(), "GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
	head, rest, _ := strings.Cut(got, "\r\n\r\n")
	if !strings.Contains(head, "Content-Encoding: gzip") {
		t.Fatalf("not encoded: %q", head)
	}
	if rest == "raw tail" {
		t.Errorf("the %d body bytes written before Hijack never left the encoder: the client read only %q after the headers", len(body), rest)
	}
}

// TestReviewSharedHeaderValuesAreNotMutable: Content-Encoding, Vary,
// X-Accel-Buffering and Incremental are set to package-level slices shared
// by every response (len == cap guards only Add). http.Header gives the
// handler's stack those slices: a wrapper that edits values in place once
// the response is written (a logger masking values, a normaliser) is
// harmless without streamzip, but here it rewrites the package's copy, and
// every later response of the process carries the edited value: a
// Content-Encoding no client can decode. Give each response its own value
// slices (or document and test that in-place edits are unsupported).
func TestReviewSharedHeaderValuesAreNotMutable(t *testing.T) {
	masking := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			for _, vs := range w.Header() { // after the response went out: log, masked
				for i := range vs {
					vs[i] = "***"
				}
			}
		})
	}
	srv, c := newServer(t, masking(streamzip.Middleware(serveBytes("application/json", jsonBody(8<<10)))))
	for i := range 2 {
		resp := get(t, c, "GET", srv.URL, "gzip")
		if ce, vary := resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"); ce != "gzip" || vary != "Accept-Encoding" {
			t.Errorf("request %d: Content-Encoding %q, Vary %q; want gzip, Accept-Encoding", i, ce, vary)
		}
	}
}

// TestReviewSuperfluousWriteHeaderNamesTheHandler: net/http's
// "superfluous response.WriteHeader call from X" names the handler line
// that made the second call, so the developer can fix it. streamzip now
// replays the call from its own writeHeader (decision.go), and the log
// names streamzip instead: the diagnostic is gone. Log it at the time of
// the call with the handler's frame (the server's ErrorLog is in the
// request context under http.ServerContextKey).
func TestReviewSuperfluousWriteHeaderNamesTheHandler(t *testing.T) {
	var logs syncBuffer
	srv, c := newServer(t, streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "small body")
	})))
	srv.Config.ErrorLog = log.New(&logs, "", 0)
	readAll(t, get(t, c, "GET", srv.URL, "gzip"))
	deadline := time.Now().Add(stepTimeout)
	for !strings.Contains(logs.String(), "superfluous") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := logs.String(); !strings.Contains(got, "TestReviewSuperfluousWriteHeaderNamesTheHandler") {
		t.Errorf("net/http logged %q: it should name the handler that called WriteHeader twice", got)
	}
}

// TestReviewIdentityCodedStreamStillFlushedPerEvent: an event stream whose
// handler states "Content-Encoding: identity" (a common way to tell
// proxies and middleware "do not compress this") is plain text, exactly
// like a no-transform stream, which streamzip still flushes per event. But
// rules() returns on hasContentEncoding before it sets w.kind, so the
// stream gets no per-event flush and no X-Accel-Buffering: a handler that
// relies on the auto flush (README's "SSE handler that never flushes")
// has its events held back. Classify the stream before the
// Content-Encoding rule (scan only when the coding is identity).
func TestReviewIdentityCodedStreamStillFlushedPerEvent(t *testing.T) {
	l := newLockstep(3)
	srv, c := newServer(t, streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Encoding", "identity")
		for k := 0; k < l.Events; k++ {
			io.WriteString(w, event(k, "\n"))
			if err := l.WaitAck(k); err != nil {
				t.Error(err)
				return
			}
		}
	})))
	resp := get(t, c, "GET", srv.URL, "gzip")
	if err := l.Run(resp); err != nil {
		t.Errorf("events held back: %v", err)
	}
}
