package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamzip/streamzip"
	"github.com/streamzip/streamzip/examples/sse/demo"
)

// liveness bounds waits; never a timing assertion.
const liveness = 10 * time.Second

// Verdict thresholds for the tests, and the server pauses that make them
// hold whatever the machine's load: a streamed event is written only after
// the probe reported the previous one, then after stepPause (> burst), so
// no two can arrive together; a buffered stream is released after
// holdPause (> silence) since the request, so its burst follows a silence.
const (
	testBurst   = 50 * time.Millisecond
	testSilence = 300 * time.Millisecond
	stepPause   = 2 * testBurst
	holdPause   = testSilence + 100*time.Millisecond
)

var testTokens = []string{"Hello", ",", " world", " of", " tokens", "!"}

// probeJSON runs the command with -json and hands every event line to
// onEvent as it is printed. It returns the exit status, the summary and
// what went to stderr.
func probeJSON(t *testing.T, onEvent func(jsonEvent), args ...string) (int, jsonSummary, string) {
	t.Helper()
	pr, pw := io.Pipe()
	var (
		sum     jsonSummary
		events  []jsonEvent
		readErr error
		wg      sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(pr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var probe struct{ Type string }
			if err := json.Unmarshal(sc.Bytes(), &probe); err != nil {
				readErr = fmt.Errorf("not JSON: %q", sc.Text())
				continue
			}
			switch probe.Type {
			case "event":
				var e jsonEvent
				_ = json.Unmarshal(sc.Bytes(), &e)
				events = append(events, e)
				if onEvent != nil {
					onEvent(e)
				}
			case "summary":
				_ = json.Unmarshal(sc.Bytes(), &sum)
			default:
				readErr = fmt.Errorf("unknown line %q", sc.Text())
			}
		}
	}()
	var stderr bytes.Buffer
	args = append([]string{"-json", "-burst", testBurst.String(), "-silence", testSilence.String()}, args...)
	code := run(context.Background(), args, pw, &stderr)
	pw.Close()
	wg.Wait()
	if readErr != nil {
		t.Fatal(readErr)
	}
	if sum.Type != "summary" {
		t.Fatalf("no summary line; stderr: %s", stderr.String())
	}
	if sum.ExitCode != code {
		t.Errorf("summary exit_code %d, process %d", sum.ExitCode, code)
	}
	if sum.Events != len(events) {
		t.Errorf("summary says %d events, %d lines printed", sum.Events, len(events))
	}
	return code, sum, stderr.String()
}

// lockstepDemo starts the demo with the server writing event k only after
// the probe printed event k-1.
func lockstepDemo(t *testing.T) (*httptest.Server, func(jsonEvent)) {
	t.Helper()
	printed := make(chan int, len(testTokens)+1)
	h, err := demo.New(demo.Config{Tokens: testTokens, Step: func(ctx context.Context, _ string, k int) error {
		if k == 0 {
			return nil
		}
		select {
		case n := <-printed:
			if n != k {
				return fmt.Errorf("probe printed event %d, want %d", n, k)
			}
		case <-time.After(liveness):
			return fmt.Errorf("probe never printed event %d: held back", k)
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case <-time.After(stepPause):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, func(e jsonEvent) { printed <- e.N }
}

// TestDemoStreamedColumns: every column but the naive one is "streamed".
func TestDemoStreamedColumns(t *testing.T) {
	for stack, enc := range map[string]string{demo.StackPlain: "", demo.StackBypass: "", demo.StackGzip: "gzip", demo.StackBr: "br"} {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			srv, onEvent := lockstepDemo(t)
			code, sum, stderr := probeJSON(t, onEvent, srv.URL+"/stream/"+stack)
			if code != exitStreamed || sum.Verdict != verdictStreamed {
				t.Fatalf("exit %d, verdict %q (%s); stderr %s", code, sum.Verdict, sum.Detail, stderr)
			}
			if sum.Events != len(testTokens)+1 || sum.Headers["Content-Encoding"] != enc {
				t.Errorf("events %d, Content-Encoding %q; want %d, %q", sum.Events, sum.Headers["Content-Encoding"], len(testTokens)+1, enc)
			}
			if len(sum.Fixes) != 0 {
				t.Errorf("fixes for a streamed column: %q", sum.Fixes)
			}
			t.Log(sum.Detail)
		})
	}
}

// TestDemoNaiveColumn: the buffering column is "buffered", with fixes.
func TestDemoNaiveColumn(t *testing.T) {
	h, err := demo.New(demo.Config{
		Tokens: testTokens,
		Step:   func(context.Context, string, int) error { return nil },
		Done: func(ctx context.Context, _ string) {
			select { // hold the handler: the naive middleware holds the events
			case <-time.After(holdPause):
			case <-ctx.Done():
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	code, sum, _ := probeJSON(t, nil, srv.URL+"/stream/"+demo.StackNaive)
	if code != exitBuffered || sum.Verdict != verdictBuffered {
		t.Fatalf("exit %d, verdict %q (%s)", code, sum.Verdict, sum.Detail)
	}
	want := fmt.Sprintf("buffered: %d events arrived within", len(testTokens)+1)
	if !strings.HasPrefix(sum.Detail, want) || !strings.Contains(sum.Detail, "of silence — likely a compression or proxy buffer") {
		t.Errorf("detail %q", sum.Detail)
	}
	if sum.Headers["Content-Encoding"] != "gzip" || len(sum.Fixes) != 4 || !strings.Contains(sum.Fixes[0], "streamzip") {
		t.Errorf("headers %v, fixes %q", sum.Headers, sum.Fixes)
	}
	t.Log(sum.Detail)
}

// TestZstdStreamedPerEvent: a zstd stream compressed per event is decoded
// per event (a read-ahead decoder would stall the lockstep).
func TestZstdStreamedPerEvent(t *testing.T) {
	mw, err := streamzip.New(streamzip.WithEncodings("zstd"), streamzip.WithEventStreams(streamzip.CompressEventStreams))
	if err != nil {
		t.Fatal(err)
	}
	printed := make(chan int, 8)
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for k := 1; k <= 4; k++ {
			fmt.Fprintf(w, "data: %d %s\n\n", k, strings.Repeat("zstd ", 50))
			select {
			case <-printed:
			case <-time.After(liveness):
				return
			}
			time.Sleep(stepPause)
		}
	})))
	defer srv.Close()
	code, sum, _ := probeJSON(t, func(e jsonEvent) { printed <- e.N }, "-accept", "zstd", srv.URL)
	if code != exitStreamed || sum.Headers["Content-Encoding"] != "zstd" {
		t.Fatalf("exit %d, %s, headers %v", code, sum.Detail, sum.Headers)
	}
}

func TestStopsAtMax(t *testing.T) {
	srv, onEvent := lockstepDemo(t)
	code, sum, _ := probeJSON(t, onEvent, "-max", "2", srv.URL+"/stream/plain")
	if code != exitInconclusive || sum.Events != 2 || sum.End != "-max reached" {
		t.Fatalf("exit %d, %d events, end %q", code, sum.Events, sum.End)
	}
}

// TestSilentStream: headers, then nothing until -duration: inconclusive,
// with the hint and the fixes.
func TestSilentStream(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	code, sum, _ := probeJSON(t, nil, "-duration", "300ms", srv.URL)
	if code != exitInconclusive || !strings.Contains(sum.Detail, "a buffer may be holding the stream back") || len(sum.Fixes) == 0 {
		t.Fatalf("exit %d, %q, fixes %q", code, sum.Detail, sum.Fixes)
	}
}

func TestRequestOptions(t *testing.T) {
	got := make(chan *http.Request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.Header.Set("X-Body", string(body))
		got <- r
		w.Header().Set("Content-Type", "text/event-stream")
	}))
	defer srv.Close()
	probeJSON(t, nil, "-accept", "", "-H", "Authorization: Bearer x", "-data", `{"stream":true}`, srv.URL)
	r := <-got
	if r.Method != "POST" || r.Header.Get("Authorization") != "Bearer x" || r.Header.Get("X-Body") != `{"stream":true}` ||
		r.Header.Get("Accept-Encoding") != "" || r.Header.Get("Accept") != "text/event-stream" {
		t.Errorf("request %s %v", r.Method, r.Header)
	}
}

// TestErrors: each failure has its exit status and a message that names
// the cause.
func TestErrors(t *testing.T) {
	refused := func() string { // a port nothing listens on
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return "http://" + addr + "/"
	}()
	tlsSrv := httptest.NewUnstartedServer(sseHandler("data: hi\n\n"))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	plain := httptest.NewServer(sseHandler("data: hi\n\n"))
	defer plain.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // the probe hangs up when it gives up
	}))
	defer slow.Close()
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	jsonSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"error":"use stream=true"}`)
	}))
	defer jsonSrv.Close()
	oddEncoding := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Encoding", "compress")
	}))
	defer oddEncoding.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close() // mid-chunk: the body ends without its last chunk
	}))
	defer broken.Close()

	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no URL", nil, exitUsage, "want one URL"},
		{"bad flag", []string{"-nope", plain.URL}, exitUsage, "flag provided but not defined"},
		{"not http", []string{"ftp://example.com/x"}, exitUsage, "want an http:// or https:// URL"},
		{"no scheme", []string{"localhost:8080/events"}, exitUsage, "did you mean http://localhost:8080/events"},
		{"no host", []string{"http:///events"}, exitUsage, "no host"},
		{"unparsable", []string{"http://[::1/x"}, exitUsage, "bad URL"},
		{"bad header", []string{"-H", "nocolon", plain.URL}, exitUsage, "Name: value"},
		{"refused", []string{refused}, exitConnection, "cannot connect to"},
		{"untrusted certificate", []string{tlsSrv.URL}, exitConnection, "TLS: the certificate of"},
		{"https to http", []string{strings.Replace(plain.URL, "http:", "https:", 1)}, exitConnection, "does not speak TLS"},
		{"timeout", []string{"-timeout", "200ms", slow.URL}, exitConnection, "timeout: no response headers"},
		{"404", []string{notFound.URL}, exitNotStream, "the server answered 404 Not Found; the body starts with: 404 page not found"},
		{"json", []string{jsonSrv.URL}, exitNotStream, `Content-Type is "application/json", want text/event-stream; the body starts with: {"error":"use stream=true"}`},
		{"unknown encoding", []string{oddEncoding.URL}, exitNotStream, `cannot decode Content-Encoding "compress"`},
		{"broken stream", []string{broken.URL}, exitConnection, "stream broke after 1 event"},
		{"insecure accepted", []string{"-insecure", tlsSrv.URL}, exitInconclusive, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.msg) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tt.code, tt.msg)
			}
			if code != exitUsage && tt.code != exitUsage {
				// -json says the same in its summary.
				_, sum, _ := probeJSON(t, nil, tt.args...)
				if sum.ExitCode != tt.code || (tt.msg != "" && !strings.Contains(sum.Error, tt.msg)) {
					t.Errorf("-json summary: exit_code %d, error %q", sum.ExitCode, sum.Error)
				}
			}
		})
	}
}

func sseHandler(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, body)
	})
}

// TestHelpListsExitCodes: -h documents the exit statuses and exits 0.
func TestHelpListsExitCodes(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 {
		t.Fatalf("-h exit %d", code)
	}
	for _, want := range []string{"exit status:", "0  streamed", "1  buffered", "2  usage", "3  connection", "4  not an event stream", "5  inconclusive", "-accept"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-h output lacks %q", want)
		}
	}
}

// TestTextOutput: the table and the verdict people read.
func TestTextOutput(t *testing.T) {
	srv := httptest.NewServer(sseHandler(": hello\n\nevent: ping\ndata: 1\n\ndata: 2\n\ndata: 3\n\n"))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{srv.URL}, &stdout, &stderr)
	out := stdout.String()
	for _, want := range []string{"GET " + srv.URL, "Accept-Encoding: gzip, br, zstd", "HTTP/1.1 200 OK", "Content-Type:      text/event-stream",
		"X-Accel-Buffering: (not set)", "arrival", "[ping] 1", "3 events (+1 comment)", "verdict: "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code != exitStreamed && code != exitBuffered {
		t.Errorf("exit %d; stderr %s", code, stderr.String())
	}
}

// TestRefusedCompressedBody: the excerpt of a refused body is decoded.
func TestRefusedCompressedBody(t *testing.T) {
	srv := httptest.NewServer(streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprintf(w, `{"error":"rate limited","pad":%q}`, strings.Repeat("x", 2000))
	})))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{srv.URL}, &stdout, &stderr)
	if code != exitNotStream || !strings.Contains(stderr.String(), `429 Too Many Requests; the body starts with: {"error":"rate limited"`) {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}
