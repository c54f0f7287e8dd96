package streamzip_test

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamzip/streamzip"
)

// This file injects faults into event streams, in bypass mode and in every
// compressed mode: handler panics before and after the first byte, client
// disconnects while the handler idles and while it is blocked in a flush,
// an exceeded write deadline, and panics alternating with normal requests.
// After each fault the same middleware must serve a normal stream that
// decodes exactly. faults_test.go covers panics in ordinary bodies.

// faultMode is one way a middleware can serve an event stream.
type faultMode struct {
	name     string
	accept   string // the request's Accept-Encoding
	encoding string // the Content-Encoding the stream must get
	opts     []streamzip.Option
}

var faultModes = []faultMode{
	{name: "bypass", accept: "gzip, br", encoding: ""},
	{name: "gzip", accept: "gzip", encoding: "gzip", opts: compressedStreams()},
	{name: "gzip-release0", accept: "gzip", encoding: "gzip", opts: append(compressedStreams(), streamzip.WithReleaseAfter(0))},
	{name: "br", accept: "br", encoding: "br", opts: compressedStreams()},
	{name: "zstd", accept: "zstd", encoding: "zstd", opts: compressedStreams()},
}

func compressedStreams() []streamzip.Option {
	return []streamzip.Option{
		streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithEncodings("zstd", "br", "gzip"),
	}
}

func (fm faultMode) middleware(t *testing.T) func(http.Handler) http.Handler {
	t.Helper()
	mw, err := streamzip.New(fm.opts...)
	if err != nil {
		t.Fatal(err)
	}
	return mw
}

// faultMux serves the fault under test on /fault and, on /normal, a
// five-event stream that must decode exactly after every fault.
func faultMux(mw func(http.Handler) http.Handler, fault http.HandlerFunc) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/fault", mw(fault))
	mux.Handle("/normal", mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, normalStream)
	})))
	return mux
}

var normalStream = func() string {
	var b strings.Builder
	for k := range 5 {
		b.WriteString(event(k, "\n"))
	}
	return b.String()
}()

// checkNormal requests /normal and checks that it decodes exactly and ends
// cleanly (with a valid trailer when encoded).
func checkNormal(t *testing.T, c *http.Client, base string, fm faultMode) {
	t.Helper()
	resp := get(t, c, "GET", base+"/normal", fm.accept)
	if got := resp.Header.Get("Content-Encoding"); got != fm.encoding {
		t.Fatalf("normal stream: Content-Encoding %q, want %q", got, fm.encoding)
	}
	if got := readAll(t, resp); string(got) != normalStream {
		t.Fatalf("normal stream after a fault decoded to %d bytes, want %d:\n%q", len(got), len(normalStream), clip(got))
	}
}

// TestPanicInEventStream: a handler panics, with http.ErrAbortHandler or a
// value, before it writes anything or after the client decoded its first
// event (with half of the next event pending in the encoder). Before: the
// client gets no response. After: it keeps the first event, and the body
// never ends cleanly. Then the same middleware serves a normal stream.
func TestPanicInEventStream(t *testing.T) {
	for _, fm := range faultModes {
		for _, when := range []string{"before", "after"} {
			for _, value := range []any{http.ErrAbortHandler, "boom"} {
				name := fmt.Sprintf("%s/%s/%v", fm.name, when, value)
				t.Run(name, func(t *testing.T) {
					acked := make(chan struct{})
					srv, c := newServer(t, faultMux(fm.middleware(t), func(w http.ResponseWriter, r *http.Request) {
						w.Header().Set("Content-Type", "text/event-stream")
						if when == "after" {
							io.WriteString(w, event(0, "\n"))
							select {
							case <-acked:
							case <-time.After(stepTimeout):
							}
							half := event(1, "\n")
							io.WriteString(w, half[:len(half)/2])
						}
						panic(value)
					}))
					srv.Config.ErrorLog = quietLog
					saw := panicClient(t, c, srv.URL+"/fault", fm, when, acked)
					t.Logf("client saw: %s", saw)
					checkNormal(t, c, srv.URL, fm)
				})
			}
		}
	}
}

// panicClient reads the panicking stream and describes what it saw.
func panicClient(t *testing.T, c *http.Client, url string, fm faultMode, when string, acked chan struct{}) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept-Encoding", fm.accept)
	resp, err := c.Do(req)
	if when == "before" {
		if err == nil {
			resp.Body.Close()
			t.Fatalf("panic before the first byte, yet a %d response arrived", resp.StatusCode)
		}
		return "no response: " + err.Error()
	}
	if err != nil {
		t.Fatalf("panic after the first event: no response: %v", err)
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("Content-Encoding"); got != fm.encoding {
		t.Fatalf("Content-Encoding %q, want %q", got, fm.encoding)
	}
	body, err := decode(resp.Header.Get("Content-Encoding"), resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	er := newEventReader(body)
	ev, err := er.Next()
	if err != nil || !strings.HasPrefix(ev, "id: 0\n") {
		t.Fatalf("first event: %q, %v", ev, err)
	}
	close(acked)
	rest, err := io.ReadAll(er.Rest())
	if err == nil {
		t.Fatalf("the body ended cleanly after a panic (%d more bytes): a truncated stream looks complete", len(rest))
	}
	if !strings.HasPrefix(event(1, "\n"), string(rest)) {
		t.Fatalf("after the first event the client decoded %q, not a prefix of the next event", rest)
	}
	return fmt.Sprintf("status %d, %q, event 0 decoded, then %d bytes of event 1 and %v", resp.StatusCode,
		resp.Header.Get("Content-Encoding"), len(rest), err)
}

// TestClientDisconnectMidStream: the client reads three events and hangs
// up while the handler idles between events. The handler must see its
// context end (and its next writes fail) and return; the middleware then
// serves a normal stream.
func TestClientDisconnectMidStream(t *testing.T) {
	for _, fm := range faultModes {
		t.Run(fm.name, func(t *testing.T) {
			l := newLockstep(3)
			handlerSaw := make(chan string, 1)
			srv, c := newServer(t, faultMux(fm.middleware(t), func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				for k := range 3 {
					io.WriteString(w, event(k, "\n"))
					if err := l.WaitAck(k); err != nil {
						handlerSaw <- "lockstep: " + err.Error()
						return
					}
				}
				select {
				case <-r.Context().Done():
				case <-time.After(stepTimeout):
					handlerSaw <- "context still live after the client left"
					return
				}
				// Writes after the hang-up: the first may still be accepted
				// by the kernel; a later one must fail.
				var werr error
				for k := 3; k < 100 && werr == nil; k++ {
					if _, werr = io.WriteString(w, event(k, "\n")); werr == nil {
						werr = http.NewResponseController(w).Flush()
					}
				}
				handlerSaw <- fmt.Sprintf("context: %v; write after hang-up: %v", r.Context().Err(), werr)
			}))
			resp := get(t, c, "GET", srv.URL+"/fault", fm.accept)
			if err := l.Run(resp); err != nil {
				t.Fatal(err)
			}
			resp.Body.Close() // unread body on HTTP/1.1: the connection is closed
			select {
			case saw := <-handlerSaw:
				t.Logf("handler saw: %s", saw)
				if !strings.HasPrefix(saw, "context: context canceled; write after hang-up: ") || strings.HasSuffix(saw, "<nil>") {
					t.Fatalf("handler: %s", saw)
				}
			case <-time.After(2 * stepTimeout):
				t.Fatal("handler did not return after the client left")
			}
			checkNormal(t, c, srv.URL, fm)
		})
	}
}

// blockingHandler writes large incompressible events and flushes each one
// until a write or flush fails, counting its progress so the test can see
// when it is blocked; it reports the error it got.
func blockingHandler(progress *atomic.Int64, result chan<- error, setup func(*http.ResponseController)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		if setup != nil {
			setup(rc)
		}
		raw := make([]byte, 48<<10)
		payload := make([]byte, base64.StdEncoding.EncodedLen(len(raw)))
		for k := 0; ; k++ {
			rand.Read(raw)
			base64.StdEncoding.Encode(payload, raw)
			_, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", k, payload)
			if err == nil {
				err = rc.Flush()
			}
			progress.Add(1)
			if err != nil {
				result <- err
				return
			}
		}
	}
}

// waitBlocked waits until progress stops moving for a while: the handler
// is then blocked in a write or flush on full socket buffers. This is a
// sequencing aid, not a timing assertion.
func waitBlocked(t *testing.T, progress *atomic.Int64) int64 {
	t.Helper()
	deadline := time.Now().Add(4 * stepTimeout)
	last := progress.Load()
	for time.Now().Before(deadline) {
		time.Sleep(300 * time.Millisecond)
		now := progress.Load()
		if now == last && now > 0 {
			return now
		}
		last = now
	}
	t.Fatal("handler never blocked on a client that does not read")
	return 0
}

// TestClientDisconnectMidFlush: the client stops reading, the handler
// blocks inside a flush on full socket buffers, and then the client hangs
// up. The blocked flush must fail and the handler return; the middleware
// then serves a normal stream.
func TestClientDisconnectMidFlush(t *testing.T) {
	for _, fm := range faultModes {
		t.Run(fm.name, func(t *testing.T) {
			var progress atomic.Int64
			result := make(chan error, 1)
			srv, c := newServer(t, faultMux(fm.middleware(t), blockingHandler(&progress, result, nil)))
			resp := get(t, c, "GET", srv.URL+"/fault", fm.accept)
			events := waitBlocked(t, &progress)
			resp.Body.Close()
			select {
			case err := <-result:
				t.Logf("handler blocked after %d events; after the hang-up its flush returned: %v", events, err)
			case <-time.After(2 * stepTimeout):
				t.Fatal("handler still blocked after the client hung up")
			}
			checkNormal(t, c, srv.URL, fm)
		})
	}
}

// TestWriteDeadlineExceeded: the handler sets a write deadline through
// http.ResponseController and the client stops reading. A write or flush
// must fail once the deadline passes, so the handler returns in bounded
// time; the client sees the events sent so far and then a truncated body.
func TestWriteDeadlineExceeded(t *testing.T) {
	for _, fm := range faultModes {
		t.Run(fm.name, func(t *testing.T) {
			var progress atomic.Int64
			result := make(chan error, 1)
			srv, c := newServer(t, faultMux(fm.middleware(t), blockingHandler(&progress, result, func(rc *http.ResponseController) {
				if err := rc.SetWriteDeadline(time.Now().Add(500 * time.Millisecond)); err != nil {
					panic(err)
				}
			})))
			resp := get(t, c, "GET", srv.URL+"/fault", fm.accept)
			select {
			case err := <-result:
				if !errors.Is(err, errDeadline) {
					t.Logf("note: the error does not wrap os.ErrDeadlineExceeded")
				}
				t.Logf("handler's write failed after %d events: %v", progress.Load(), err)
			case <-time.After(4 * stepTimeout):
				resp.Body.Close()
				t.Fatal("the write deadline passed but the handler's writes never failed")
			}
			body, _ := decode(resp.Header.Get("Content-Encoding"), resp.Body)
			n, err := io.Copy(io.Discard, body)
			resp.Body.Close()
			if err == nil {
				t.Fatalf("client read a clean end (%d bytes) from a stream cut by a write deadline", n)
			}
			t.Logf("client decoded %d bytes, then: %v", n, err)
			checkNormal(t, c, srv.URL, fm)
		})
	}
}

// TestAlternatingPanicsKeepStreamsClean alternates panicking streams —
// mid-event with bytes pending in the encoder, and right after a flush —
// with normal ones on one middleware: every normal stream must decode
// exactly, so no encoder (or released compressor) comes back dirty.
func TestAlternatingPanicsKeepStreamsClean(t *testing.T) {
	for _, fm := range faultModes {
		t.Run(fm.name, func(t *testing.T) {
			srv, c := newServer(t, faultMux(fm.middleware(t), func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, event(0, "\n"))
				if r.URL.Query().Get("at") == "mid-event" {
					io.WriteString(w, strings.Repeat("data: pending\n", 200))
				}
				if r.URL.Query().Get("v") == "abort" {
					panic(http.ErrAbortHandler)
				}
				panic(fmt.Sprintf("boom %s", r.URL.RawQuery))
			}))
			srv.Config.ErrorLog = quietLog
			for round := range 8 {
				at := []string{"mid-event", "after-flush"}[round%2]
				v := []string{"abort", "value"}[round/2%2]
				req, _ := http.NewRequest("GET", srv.URL+"/fault?at="+at+"&v="+v, nil)
				req.Header.Set("Accept-Encoding", fm.accept)
				if resp, err := c.Do(req); err == nil {
					got, err := io.ReadAll(decoderOrRaw(resp))
					resp.Body.Close()
					if err == nil {
						t.Fatalf("round %d: panicking stream ended cleanly with %d bytes", round, len(got))
					}
				}
				checkNormal(t, c, srv.URL, fm)
			}
		})
	}
}

// errDeadline is what an exceeded write deadline wraps.
var errDeadline = os.ErrDeadlineExceeded

// quietLog drops net/http's "panic serving" reports, which these tests
// cause on purpose.
var quietLog = log.New(io.Discard, "", 0)
