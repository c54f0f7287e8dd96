package streamzip_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/streamzip/streamzip"
)

// Adversarial review 2 (after the merge of late writes, stream budgets,
// RFC 9842 dictionaries and the Transport). Each test shows one way the
// middleware is less correct than the same stack without it, and fails
// until it is fixed.

// TestReview2DczStreamKeepsPartialEvent: a dcz event stream's release
// timer is armed at each flush and never disarmed by a write, so when the
// handler writes part of an event ("data: hel", no boundary yet, hence no
// flush) and the rest comes after releaseAfter, releaseIdle gives the
// encoder back to the pool with the partial event still in its buffer:
// those bytes are never written, and the client decodes "lo" with the
// start missing. Without the middleware every byte arrives (principle
// "every byte the handler wrote arrives"). The gzip releasingStream has
// the event phase for exactly this; the dcz stream needs it too: the timer
// must not release while bytes were written since the last flush.
func TestReview2DczStreamKeepsPartialEvent(t *testing.T) {
	raw := eventsDictionary()
	d, err := streamzip.NewDictionary(raw, "/events", "")
	if err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{}, 16)
	streamzip.SetDictionaryStreamReleased(func() { released <- struct{}{} })
	t.Cleanup(func() { streamzip.SetDictionaryStreamReleased(nil) })
	mw, err := streamzip.New(streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithDictionaries(d), streamzip.WithReleaseAfter(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: zero\n\n") // flushed: the release timer is armed
		io.WriteString(w, "data: hel")      // part of the next event: not flushed
		// Wait until the stream has released (the bug), or long enough
		// for it to have released had it been going to: this bounds the
		// wait, it asserts nothing.
		select {
		case <-released:
		case <-time.After(time.Second):
		}
		io.WriteString(w, "lo\n\n")
	})))
	resp := get(t, c, "GET", srv.URL+"/events", chromiumAccept, "Available-Dictionary", availableDictionary(raw))
	if ce := resp.Header.Get("Content-Encoding"); ce != "dcz" {
		t.Fatalf("Content-Encoding %q, want dcz", ce)
	}
	got, err := io.ReadAll(dczReader(t, resp.Body, raw))
	if want := "data: zero\n\ndata: hello\n\n"; err != nil || string(got) != want {
		t.Errorf("decoded %q, %v; want %q", got, err, want)
	}
}

// TestReview2LateWriteAfterWriteHeaderOnly: a handler that only called
// WriteHeader (a 404 with no body, say) and returned leaves a later writer
// (echo's error handler, a logging or recovering middleware that appends
// a body) a failing Write: errWriteAfterDone. Without the middleware the
// status went to net/http and the later Write appends to the body. The
// principle is "no write fails that would not fail without us"; the
// decided identity response of an empty body could pass later bytes on
// (stateLate after the header was committed) instead of failing them.
func TestReview2LateWriteAfterWriteHeaderOnly(t *testing.T) {
	const late = "not found, rendered late"
	for _, accept := range []string{"", "gzip"} {
		t.Run("accept "+accept, func(t *testing.T) {
			var lateErr error
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var kept http.ResponseWriter
				streamzip.Middleware(http.HandlerFunc(func(zw http.ResponseWriter, r *http.Request) {
					kept = zw
					zw.Header().Set("Content-Type", "text/plain")
					zw.WriteHeader(http.StatusNotFound)
				})).ServeHTTP(w, r)
				_, lateErr = kept.Write([]byte(late))
			})
			srv, c := newServer(t, h)
			resp := get(t, c, "GET", srv.URL, accept)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("status %d", resp.StatusCode)
			}
			body := string(readAll(t, resp))
			if lateErr != nil {
				t.Errorf("late Write failed: %v (succeeds without the middleware)", lateErr)
			}
			if body != late {
				t.Errorf("body %q, want %q as without the middleware", body, late)
			}
		})
	}
}

// TestReview2RecovererAfterWriteHeaderThenPanic: a handler that called
// WriteHeader(200) and panicked before writing leaves a recovering
// middleware's error page with a failing Write, and the client gets the
// recoverer's 500 with an empty body; without streamzip the client gets
// the recoverer's page (after the 200 the handler committed). abandon
// treats "status set, nothing written, undecided" as done, though nothing
// reached the ResponseWriter yet: it is the same situation as "nothing
// written" that stateLate handles.
func TestReview2RecovererAfterWriteHeaderThenPanic(t *testing.T) {
	const page = "internal error page"
	run := func(t *testing.T, mw func(http.Handler) http.Handler) (int, string, error) {
		var lateErr error
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var kept http.ResponseWriter
			func() {
				defer func() { _ = recover() }()
				mw(http.HandlerFunc(func(zw http.ResponseWriter, r *http.Request) {
					kept = zw
					zw.WriteHeader(http.StatusOK)
					panic("boom")
				})).ServeHTTP(w, r)
			}()
			kept.Header().Set("Content-Type", "text/plain")
			kept.WriteHeader(http.StatusInternalServerError)
			_, lateErr = kept.Write([]byte(page))
		})
		srv, c := newServer(t, h)
		resp := get(t, c, "GET", srv.URL, "gzip")
		return resp.StatusCode, string(readAll(t, resp)), lateErr
	}
	identity := func(h http.Handler) http.Handler { return h }
	wantStatus, wantBody, wantErr := run(t, identity)
	status, body, err := run(t, streamzip.Middleware)
	if status != wantStatus || body != wantBody || (err == nil) != (wantErr == nil) {
		t.Errorf("with streamzip: %d %q (write error %v); without: %d %q (write error %v)",
			status, body, err, wantStatus, wantBody, wantErr)
	}
}

var _ = strings.Repeat
