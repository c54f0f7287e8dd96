package streamzip_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/streamzip/streamzip"
)

// lateWriter renders a response after the wrapped chain returned, with
// the writer the chain was given, as echo's HTTPErrorHandler does with a
// returned error, and as a recovering middleware does after a panic.
func lateWriter(inner func(http.Handler) http.Handler, handler func(http.ResponseWriter), body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var kept http.ResponseWriter
		func() {
			defer func() { _ = recover() }()
			inner(http.HandlerFunc(func(zw http.ResponseWriter, r *http.Request) {
				kept = zw
				handler(zw)
			})).ServeHTTP(w, r)
		}()
		kept.Header().Set("Content-Type", "text/plain")
		kept.WriteHeader(http.StatusTeapot)
		if _, err := kept.Write([]byte(body)); err != nil {
			panic(err)
		}
	})
}

// TestLateResponseAfterNothingWritten: a handler that returned or
// panicked without writing leaves the response to whoever renders it
// next, untouched — not an empty 200 and a write error.
func TestLateResponseAfterNothingWritten(t *testing.T) {
	body := strings.Repeat("an error page long enough to be compressed ", 100)
	for _, tc := range []struct {
		name    string
		handler func(http.ResponseWriter)
	}{
		{"returned", func(http.ResponseWriter) {}},
		{"set a header and returned", func(w http.ResponseWriter) { w.Header().Set("X-Handler", "1") }},
		{"panicked", func(http.ResponseWriter) { panic("boom") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newServer(t, lateWriter(streamzip.Middleware, tc.handler, body))
			resp := get(t, c, "GET", srv.URL, "gzip, br, zstd")
			if resp.StatusCode != http.StatusTeapot {
				t.Errorf("status %d, want %d", resp.StatusCode, http.StatusTeapot)
			}
			if ce := resp.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("Content-Encoding %q on a response streamzip never saw", ce)
			}
			if got := string(readAll(t, resp)); got != body {
				t.Errorf("body %q, want the late writer's", got)
			}
		})
	}
}

// TestLateWriteAfterBodyStillFails: once the handler wrote a body (here
// compressed and closed), a later write cannot append to it.
func TestLateWriteAfterBodyStillFails(t *testing.T) {
	var lateErr error
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var kept http.ResponseWriter
		streamzip.Middleware(http.HandlerFunc(func(zw http.ResponseWriter, r *http.Request) {
			kept = zw
			zw.Header().Set("Content-Type", "text/plain")
			_, _ = zw.Write([]byte(strings.Repeat("compressible ", 200)))
		})).ServeHTTP(w, r)
		_, lateErr = kept.Write([]byte("appended"))
	})
	srv, c := newServer(t, h)
	resp := get(t, c, "GET", srv.URL, "gzip")
	if got := string(readAll(t, resp)); got != strings.Repeat("compressible ", 200) {
		t.Errorf("body changed by a late write: %q", got)
	}
	if lateErr == nil {
		t.Error("a write after a compressed body ended succeeded")
	}
}
