package streamzip_test

import (
	"bufio"
	"compress/gzip"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/streamzip/streamzip"
)

// TestNoTransformEventStreamStillFlushed: the classic workaround
// header "Cache-Control: no-cache, no-transform" on an SSE response must not
// turn off streamzip's per-event flushing (design §3) nor X-Accel-Buffering.
func TestNoTransformEventStreamStillFlushed(t *testing.T) {
	for _, cc := range []string{"no-cache, no-transform", ""} {
		t.Run("cache-control="+cc, func(t *testing.T) {
			ls := newLockstep(3)
			done := make(chan error, 1)
			srv, c := newServer(t, streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				if cc != "" {
					w.Header().Set("Cache-Control", cc)
				}
				for k := 0; k < ls.Events; k++ {
					io.WriteString(w, event(k, "\n")) // never calls Flush
					if err := ls.WaitAck(k); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			})))
			resp := get(t, c, "GET", srv.URL, "gzip, br")
			if got := resp.Header.Get("X-Accel-Buffering"); got != "no" {
				t.Errorf("X-Accel-Buffering = %q, want no", got)
			}
			if err := ls.Run(resp); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestWriteHeaderThenHijackSendsTheStatus: a CONNECT-style handler writes its status
// with WriteHeader, then hijacks. net/http puts the status line on the
// connection before handing it over; streamzip must too.
func TestWriteHeaderThenHijackSendsTheStatus(t *testing.T) {
	for name, mw := range map[string]func(http.Handler) http.Handler{
		"none":      func(h http.Handler) http.Handler { return h },
		"streamzip": streamzip.Middleware,
	} {
		t.Run(name, func(t *testing.T) {
			srv, _ := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				conn, brw, err := http.NewResponseController(w).Hijack()
				if err != nil {
					t.Error(err)
					return
				}
				defer conn.Close()
				brw.WriteString("tunnel")
				brw.Flush()
			})))
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
			line, err := bufio.NewReader(conn).ReadString('\n')
			if err != nil && line == "" {
				t.Fatal(err)
			}
			if !strings.HasPrefix(line, "HTTP/1.1 200") {
				t.Errorf("first line %q, want the 200 status line before the tunnel bytes", line)
			}
		})
	}
}

// TestCloseNotifierPassesThrough: net/http's writers (HTTP/1 and HTTP/2)
// implement the deprecated http.CloseNotifier, and many SSE handlers still
// assert it; the wrapper hides it, so w.(http.CloseNotifier) panics.
func TestCloseNotifierPassesThrough(t *testing.T) {
	for name, mw := range map[string]func(http.Handler) http.Handler{
		"none":      func(h http.Handler) http.Handler { return h },
		"streamzip": streamzip.Middleware,
	} {
		t.Run(name, func(t *testing.T) {
			got := make(chan bool, 1)
			srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, ok := w.(http.CloseNotifier) //nolint:staticcheck // what old SSE code does
				got <- ok
			})))
			get(t, c, "GET", srv.URL, "gzip")
			if !<-got {
				t.Error("w does not implement http.CloseNotifier")
			}
		})
	}
}

// TestNotModifiedKeepsVaryAndETag: RFC 9110 §15.4.5 — a 304 MUST carry the
// Vary and ETag a 200 to the same request would have carried.
func TestNotModifiedKeepsVaryAndETag(t *testing.T) {
	body := strings.Repeat("compressible text ", 200)
	srv, c := newServer(t, streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") != "" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		io.WriteString(w, body)
	})))
	full := get(t, c, "GET", srv.URL, "gzip")
	readAll(t, full)
	nm := get(t, c, "GET", srv.URL, "gzip", "If-None-Match", full.Header.Get("ETag"))
	if nm.StatusCode != http.StatusNotModified {
		t.Fatalf("status %d", nm.StatusCode)
	}
	t.Logf("200: Vary=%q ETag=%q; 304: Vary=%q ETag=%q", full.Header.Get("Vary"), full.Header.Get("ETag"), nm.Header.Get("Vary"), nm.Header.Get("ETag"))
	if nm.Header.Get("Vary") != full.Header.Get("Vary") {
		t.Errorf("304 Vary %q, 200 Vary %q", nm.Header.Get("Vary"), full.Header.Get("Vary"))
	}
	if nm.Header.Get("ETag") != full.Header.Get("ETag") {
		t.Errorf("304 ETag %q, 200 ETag %q", nm.Header.Get("ETag"), full.Header.Get("ETag"))
	}
}

// TestJitterCoversReflectedInputInOneWrite: BREACH padding must change when
// the reflected input changes, also past the first min-size bytes, when the
// body comes in one Write (a 2 KiB static head, then input next to a secret).
func TestJitterCoversReflectedInputInOneWrite(t *testing.T) {
	mw, err := streamzip.New(streamzip.WithRandomJitter(256))
	if err != nil {
		t.Fatal(err)
	}
	head := strings.Repeat("<p>static layout</p>\n", 100)
	srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(head + "<input value=\"" + r.URL.Query().Get("q") + "\"> csrf=s3cr3t"))
	})))
	pads := map[int]bool{}
	for _, q := range []string{"a", "b", "csrf=s", "csrf=x", "zz", "s3", "s4", "qq"} {
		resp := get(t, c, "GET", srv.URL+"/?q="+q, "gzip")
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		pads[len(zr.Header.Comment)] = true
	}
	if len(pads) == 1 {
		t.Errorf("8 different reflected inputs all got the same padding %v: the jitter hides nothing", pads)
	}
}
