package streamzip_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/streamzip/streamzip"
	"github.com/streamzip/streamzip/internal/naivegzip"
)

// sseHandler writes l.Events events with the given line ends, split into
// writes by split, flushing per flush, and waits for the client's ack
// after each event.
func sseHandler(t *testing.T, l *lockstep, eol string, split func(string) []string, flush func(http.ResponseWriter)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		for k := 0; k < l.Events; k++ {
			for _, part := range split(event(k, eol)) {
				if _, err := io.WriteString(w, part); err != nil {
					t.Errorf("write event %d: %v", k, err)
					return
				}
			}
			flush(w)
			if err := l.WaitAck(k); err != nil {
				t.Errorf("handler: %v", err)
				return
			}
		}
	}
}

func whole(s string) []string { return []string{s} }

func byteByByte(s string) []string {
	parts := make([]string, len(s))
	for i := range s {
		parts[i] = s[i : i+1]
	}
	return parts
}

func noFlush(http.ResponseWriter) {}

func flusherFlush(w http.ResponseWriter) { w.(http.Flusher).Flush() }

func controllerFlush(w http.ResponseWriter) {
	if err := http.NewResponseController(w).Flush(); err != nil {
		panic(err)
	}
}

// TestEventStreamsArriveOneByOne proves the bypass mode streams: the client
// decodes each event before the handler writes the next one, whatever the
// line ends, the write splits, the flush style, the router or the protocol.
func TestEventStreamsArriveOneByOne(t *testing.T) {
	cases := []struct {
		name  string
		eol   string
		split func(string) []string
		flush func(http.ResponseWriter)
	}{
		{"LF, handler never flushes", "\n", whole, noFlush},
		{"CRLF, handler never flushes", "\r\n", whole, noFlush},
		{"CR, handler never flushes", "\r", whole, noFlush},
		{"LF split byte by byte", "\n", byteByByte, noFlush},
		{"CRLF split byte by byte", "\r\n", byteByByte, noFlush},
		{"http.Flusher", "\n", whole, flusherFlush},
		{"ResponseController.Flush", "\n", whole, controllerFlush},
	}
	stacks := []struct {
		name  string
		wrap  func(http.Handler) http.Handler
		h2tls bool
	}{
		{"net/http", streamzip.Middleware, false},
		{"ServeMux pattern", muxWith(streamzip.Middleware), false},
		{"Compress(5) under StripPrefix", stripWith(streamzip.Compress(5)), false},
		{"HTTP/2 TLS", streamzip.Middleware, true},
	}
	for _, st := range stacks {
		for _, tc := range cases {
			t.Run(st.name+"/"+tc.name, func(t *testing.T) {
				l := newLockstep(5)
				h := st.wrap(sseHandler(t, l, tc.eol, tc.split, tc.flush))
				srv, c := newServer(t, h)
				if st.h2tls {
					srv, c = newTLSServer(t, h)
				}
				resp := get(t, c, "GET", srv.URL+"/events", "gzip, deflate, br, zstd")
				if st.h2tls && resp.ProtoMajor != 2 {
					t.Fatalf("protocol %s, want HTTP/2", resp.Proto)
				}
				if ce := resp.Header.Get("Content-Encoding"); ce != "" {
					t.Errorf("event stream got Content-Encoding %q in bypass mode", ce)
				}
				if got := resp.Header.Get("X-Accel-Buffering"); got != "no" {
					t.Errorf("X-Accel-Buffering = %q, want no", got)
				}
				if err := l.Run(resp); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// muxWith mounts mw(h) on a Go 1.22 ServeMux pattern. Routers from other
// modules (chi, gorilla…) are tested in the compat module.
func muxWith(mw func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("GET /{path...}", mw(h))
		return mux
	}
}

// stripWith puts http.StripPrefix between the middleware and the handler.
func stripWith(mw func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler { return mw(http.StripPrefix("/events", h)) }
}

// TestNDJSONFlushesPerLine: application/x-ndjson records arrive one by one.
func TestNDJSONFlushesPerLine(t *testing.T) {
	l := newLockstep(4)
	h := streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		for k := 0; k < l.Events; k++ {
			io.WriteString(w, `{"k":`+string(rune('0'+k))+"}\n")
			if err := l.WaitAck(k); err != nil {
				t.Error(err)
				return
			}
		}
	}))
	srv, c := newServer(t, h)
	resp := get(t, c, "GET", srv.URL, "gzip")
	buf := make([]byte, 0, 64)
	r := decoder(t, resp)
	for k := 0; k < l.Events; k++ {
		line, err := readLine(r, buf[:0])
		if err != nil {
			t.Fatalf("record %d: %v", k, err)
		}
		if want := `{"k":` + string(rune('0'+k)) + "}"; string(line) != want {
			t.Fatalf("record %d = %q, want %q", k, line, want)
		}
		l.Acks <- k
	}
}

func readLine(r io.Reader, buf []byte) ([]byte, error) {
	var b [1]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return buf, err
		}
		if b[0] == '\n' {
			return buf, nil
		}
		buf = append(buf, b[0])
	}
}

// TestLockstepDetectsBuffering is the negative control: the same lockstep
// exchange through a buffering gzip middleware must fail, so a pass above
// means the events really arrived one by one.
func TestLockstepDetectsBuffering(t *testing.T) {
	l := newLockstep(3)
	l.Timeout = time.Second // the control must time out; keep it short
	stop := make(chan struct{})
	acked := make(chan bool, 1)
	h := naivegzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, event(0, "\n"))
		w.(http.Flusher).Flush() // passes headers and nothing else: the bug
		select {
		case <-l.Acks:
			acked <- true
		case <-stop: // the client gave up first, as it must
			acked <- false
		}
	}))
	srv, c := newServer(t, h)
	resp := get(t, c, "GET", srv.URL, "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatal("control middleware did not gzip")
	}
	err := l.Run(resp)
	close(stop)
	if err == nil {
		t.Fatal("lockstep passed through a buffering middleware: the test cannot see buffering")
	}
	t.Logf("buffering middleware detected as expected: %v", err)
	if <-acked {
		t.Error("the client acked an event the middleware held back")
	}
}

// TestCompressedEventStreamsArriveOneByOne: with CompressEventStreams each
// event is decodable on arrival, in every coding, with and without handler
// flushes, over HTTP/1 and HTTP/2.
func TestCompressedEventStreamsArriveOneByOne(t *testing.T) {
	mw, err := streamzip.New(
		streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithEncodings("zstd", "br", "gzip"),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ accept, want string }{
		{"gzip, br, zstd", "gzip"}, // gzip first for streams: its idle state can be released
		{"br", "br"},
		{"zstd", "zstd"},
		{"br;q=1, gzip;q=0.5", "br"},
		{"identity", ""},
	} {
		for _, h2 := range []bool{false, true} {
			for _, split := range []func(string) []string{whole, byteByByte} {
				t.Run(tc.accept, func(t *testing.T) {
					l := newLockstep(5)
					h := mw(sseHandler(t, l, "\n", split, noFlush))
					srv, c := newServer(t, h)
					if h2 {
						srv, c = newTLSServer(t, h)
					}
					resp := get(t, c, "GET", srv.URL, tc.accept)
					if got := resp.Header.Get("Content-Encoding"); got != tc.want {
						t.Fatalf("Content-Encoding = %q, want %q", got, tc.want)
					}
					if got := resp.Header.Get("X-Accel-Buffering"); got != "no" {
						t.Errorf("X-Accel-Buffering = %q", got)
					}
					if err := l.Run(resp); err != nil {
						t.Fatal(err)
					}
				})
			}
		}
	}
}
