package demo

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// liveness bounds every wait. It is never a timing assertion: an event a
// middleware holds back does not arrive however long one waits, so the
// test fails on it instead of hanging.
const liveness = 5 * time.Second

// testTokens keeps the streams short; the behaviour does not depend on
// their length.
var testTokens = []string{"one", " two", " three", " four", " five", " six"}

func start(t *testing.T, cfg Config) (*httptest.Server, *http.Client) {
	t.Helper()
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.DisableCompression = true // see the encoding; decode it ourselves
	return srv, &http.Client{Transport: tr}
}

func open(t *testing.T, c *http.Client, url string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "gzip, br")
	ctx, cancel := context.WithTimeout(context.Background(), liveness)
	defer cancel()
	got := make(chan *http.Response, 1)
	fail := make(chan error, 1)
	go func() {
		resp, err := c.Do(req)
		if err != nil {
			fail <- err
			return
		}
		got <- resp
	}()
	select {
	case resp := <-got:
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	case err := <-fail:
		t.Fatal(err)
	case <-ctx.Done():
		t.Fatalf("GET %s: no response headers within %v", url, liveness)
	}
	return nil
}

func decoded(t *testing.T, resp *http.Response) io.Reader {
	t.Helper()
	r, err := decode(resp)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// decode returns the decoded body. For gzip it reads the gzip header, so
// call it where blocking until the first body bytes is fine.
func decode(resp *http.Response) (io.Reader, error) {
	switch enc := resp.Header.Get("Content-Encoding"); enc {
	case "":
		return resp.Body, nil
	case "br":
		return brotli.NewReader(resp.Body), nil
	case "gzip":
		return gzip.NewReader(resp.Body)
	default:
		return nil, fmt.Errorf("unexpected Content-Encoding %q", enc)
	}
}

// readEvents sends the id of every event it decodes to ids, then closes it.
func readEvents(r io.Reader, ids chan<- int) {
	defer close(ids)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var k int
		if _, err := fmt.Sscanf(sc.Text(), "id: %d", &k); err == nil {
			ids <- k
		}
	}
}

// TestStreamsArriveEventByEvent runs each streaming column in lockstep:
// the server writes event k+1 only once the client decoded event k, so a
// column that held events back would stall instead of passing.
func TestStreamsArriveEventByEvent(t *testing.T) {
	wantEncoding := map[string]string{StackPlain: "", StackBypass: "", StackGzip: "gzip", StackBr: "br"}
	for _, stack := range []string{StackPlain, StackBypass, StackGzip, StackBr} {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			acks := make(chan int)
			srv, c := start(t, Config{Tokens: testTokens, Step: func(ctx context.Context, _ string, k int) error {
				if k == 0 {
					return nil
				}
				select {
				case got := <-acks:
					if got != k-1 {
						return fmt.Errorf("client acked %d, want %d", got, k-1)
					}
					return nil
				case <-time.After(liveness):
					return fmt.Errorf("client never decoded event %d: held back", k-1)
				case <-ctx.Done():
					return ctx.Err()
				}
			}})
			resp := open(t, c, srv.URL+"/stream/"+stack+"?run=lockstep")
			if got := resp.Header.Get("Content-Encoding"); got != wantEncoding[stack] {
				t.Errorf("Content-Encoding %q, want %q", got, wantEncoding[stack])
			}
			ids := make(chan int)
			go readEvents(decoded(t, resp), ids)
			for k := 0; k <= len(testTokens); k++ {
				select {
				case got, ok := <-ids:
					if !ok {
						t.Fatalf("stream ended before event %d", k)
					}
					if got != k {
						t.Fatalf("event %d arrived, want %d", got, k)
					}
				case <-time.After(liveness):
					t.Fatalf("event %d not decoded within %v: the stream is buffered", k, liveness)
				}
				if k < len(testTokens) {
					acks <- k
				}
			}
			wire := waitDone(t, c, srv.URL, "lockstep", stack)
			if len(wire.Events) != len(testTokens)+1 {
				t.Fatalf("/api/wire has %d events, want %d", len(wire.Events), len(testTokens)+1)
			}
			for _, e := range wire.Events {
				if e.Wire == 0 {
					t.Errorf("event %d reached the wire with 0 bytes by the time the handler moved on", e.K)
				}
			}
			t.Logf("%s: %s per event on the wire", stack, wireSummary(wire))
		})
	}
}

// TestNaiveHoldsEventsUntilTheEnd shows the bug the demo is about: the
// handler has written and flushed every event, yet none reached the
// connection; they all arrive when the handler returns.
func TestNaiveHoldsEventsUntilTheEnd(t *testing.T) {
	written := make(chan struct{})
	release := make(chan struct{})
	srv, c := start(t, Config{
		Tokens: testTokens,
		Step:   func(context.Context, string, int) error { return nil },
		Done: func(ctx context.Context, _ string) {
			close(written)
			select {
			case <-release:
			case <-ctx.Done():
			}
		},
	})
	// Headers arrive: the naive Flush passes them through.
	resp := open(t, c, srv.URL+"/stream/"+StackNaive+"?run=naive")
	if got := resp.Header.Get("Content-Encoding"); got != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", got)
	}
	var decodedCount atomic.Int32
	ids := make(chan int, len(testTokens)+1)
	go func() {
		body, err := decode(resp) // blocks on the gzip header
		if err != nil {
			close(ids)
			return
		}
		inner := make(chan int)
		go readEvents(body, inner)
		for k := range inner {
			decodedCount.Add(1)
			ids <- k
		}
		close(ids)
	}()
	select {
	case <-written:
	case <-time.After(liveness):
		t.Fatal("handler did not write its events")
	}
	// The handler is parked after its last Flush. Whatever the middleware
	// handed to the connection is all the client can ever have now.
	wire := wireOf(t, c, srv.URL, "naive", StackNaive)
	var onWire int64
	for _, e := range wire.Events {
		onWire += e.Wire
	}
	if onWire >= int64(wire.Events[0].Plain) {
		t.Errorf("%d bytes reached the wire before the handler returned: the naive middleware is not buffering", onWire)
	}
	if n := decodedCount.Load(); n != 0 {
		t.Errorf("client decoded %d events before the handler returned, want 0", n)
	}
	t.Logf("before return: %d events written, %d body bytes on the wire, %d decoded", len(wire.Events), onWire, decodedCount.Load())
	close(release)
	for k := 0; k <= len(testTokens); k++ {
		select {
		case got, ok := <-ids:
			if !ok || got != k {
				t.Fatalf("after return: got event %d (ok=%v), want %d", got, ok, k)
			}
		case <-time.After(liveness):
			t.Fatalf("event %d never arrived", k)
		}
	}
	wire = waitDone(t, c, srv.URL, "naive", StackNaive)
	if wire.Tail <= 0 {
		t.Errorf("tail = %d: the events should reach the wire when the handler returns", wire.Tail)
	}
	t.Logf("at return: %d bytes", wire.Tail)
}

type wireStream struct {
	Encoding string      `json:"encoding"`
	Events   []eventStat `json:"events"`
	Tail     int64       `json:"tail"`
	Done     bool        `json:"done"`
}

func wireOf(t *testing.T, c *http.Client, base, run, stack string) wireStream {
	t.Helper()
	resp, err := c.Get(base + "/api/wire?run=" + run)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep struct {
		Streams map[string]wireStream `json:"streams"`
	}
	if err := json.NewDecoder(decoded(t, resp)).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	s, ok := rep.Streams[stack]
	if !ok {
		t.Fatalf("/api/wire?run=%s has no %s stream", run, stack)
	}
	return s
}

// waitDone polls /api/wire until the stream's handler has returned: the
// client can see the last event a moment before the server counts it.
func waitDone(t *testing.T, c *http.Client, base, run, stack string) wireStream {
	t.Helper()
	deadline := time.Now().Add(liveness)
	for {
		s := wireOf(t, c, base, run, stack)
		if s.Done || time.Now().After(deadline) {
			if !s.Done {
				t.Fatalf("%s stream not done after %v", stack, liveness)
			}
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func wireSummary(s wireStream) string {
	parts := make([]string, len(s.Events))
	for i, e := range s.Events {
		parts[i] = fmt.Sprintf("%d/%d", e.Wire, e.Plain)
	}
	return strings.Join(parts, " ")
}
