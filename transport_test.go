package streamzip_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/streamzip/streamzip"
)

// wire is a RoundTripper under the Transport that records what crossed
// the network: the Accept-Encoding the request carried and the
// Content-Encoding the response came with, before the Transport decoded it.
type wire struct {
	next http.RoundTripper

	mu             sync.Mutex
	acceptEncoding []string // nil when the request had none
	contentEncode  string
}

func (w *wire) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := w.next.RoundTrip(req)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.acceptEncoding = req.Header.Values("Accept-Encoding")
	if resp != nil {
		w.contentEncode = resp.Header.Get("Content-Encoding")
	}
	return resp, err
}

func (w *wire) seen() (acceptEncoding []string, contentEncoding string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.acceptEncoding, w.contentEncode
}

// transportClient is a client whose Transport wraps base, with the wire
// recorder in between.
func transportClient(base *http.Client) (*http.Client, *wire) {
	w := &wire{next: base.Transport}
	return &http.Client{Transport: streamzip.Transport(w)}, w
}

// TestTransportStreamsEventsInLockstep: through the Transport, a client
// reads and parses each compressed event before the handler writes the
// next one, in every coding, for gzip streams released after every event
// too, over HTTP/1.1 and HTTP/2. The handler writes events whole and byte
// by byte and never flushes: streamzip flushes per event, and the
// Transport must decode what arrived without waiting for more.
func TestTransportStreamsEventsInLockstep(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []streamzip.Option
		want string // the coding on the wire
	}{
		{"server-preference", []streamzip.Option{streamzip.WithEncodings("zstd", "br", "gzip")}, "gzip"},
		{"gzip", []streamzip.Option{streamzip.WithEncodings("gzip")}, "gzip"},
		{"br", []streamzip.Option{streamzip.WithEncodings("br")}, "br"},
		{"zstd", []streamzip.Option{streamzip.WithEncodings("zstd")}, "zstd"},
		{"gzip-released", []streamzip.Option{streamzip.WithEncodings("gzip"), streamzip.WithReleaseAfter(0)}, "gzip"},
	} {
		mw, err := streamzip.New(append(tc.opts, streamzip.WithEventStreams(streamzip.CompressEventStreams))...)
		if err != nil {
			t.Fatal(err)
		}
		for _, h2 := range []bool{false, true} {
			for _, split := range []struct {
				name  string
				bytes bool
			}{{"whole", false}, {"byte-by-byte", true}} {
				name := tc.name + "/http1/" + split.name
				if h2 {
					name = tc.name + "/http2/" + split.name
				}
				t.Run(name, func(t *testing.T) {
					l := newLockstep(5)
					h := mw(eventsHandler(t, l, split.bytes))
					srv, base := newServer(t, h)
					if h2 {
						srv, base = newTLSServer(t, h)
					}
					c, w := transportClient(base)
					resp := get(t, c, "GET", srv.URL, "")
					ae, ce := w.seen()
					if len(ae) != 1 || ae[0] != streamzip.TransportAcceptEncoding {
						t.Errorf("Accept-Encoding sent %q, want %q", ae, streamzip.TransportAcceptEncoding)
					}
					if ce != tc.want {
						t.Fatalf("Content-Encoding on the wire %q, want %q", ce, tc.want)
					}
					checkDecodedHeaders(t, resp)
					if err := l.Run(resp); err != nil {
						t.Fatal(err)
					}
				})
			}
		}
	}
}

// eventsHandler writes l.Events events, whole or one byte per Write,
// never flushing (streamzip flushes at every event boundary), and waits
// for the client's ack after each.
func eventsHandler(t *testing.T, l *lockstep, byteByByte bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		for k := range l.Events {
			ev := event(k, "\n")
			parts := []string{ev}
			if byteByByte {
				parts = strings.Split(ev, "")
			}
			for _, part := range parts {
				if _, err := io.WriteString(w, part); err != nil {
					t.Errorf("write event %d: %v", k, err)
					return
				}
			}
			if err := l.WaitAck(k); err != nil {
				t.Errorf("handler: %v", err)
				return
			}
		}
	}
}

// checkDecodedHeaders asserts the response looks like http.Transport's
// transparently decoded gzip.
func checkDecodedHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	if got := resp.Header.Get("Content-Encoding"); got != "" {
		t.Errorf("Content-Encoding %q left on a decoded response", got)
	}
	if got := resp.Header.Get("Content-Length"); got != "" {
		t.Errorf("Content-Length %q left on a decoded response", got)
	}
	if resp.ContentLength != -1 {
		t.Errorf("ContentLength = %d, want -1", resp.ContentLength)
	}
	if !resp.Uncompressed {
		t.Error("Uncompressed = false on a decoded response")
	}
}

// bigBody is compressible and above the default minimum size.
var bigBody = strings.Repeat("streamzip decodes this body. ", 200)

func bodyHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("ETag", `"v1"`)
	if r.Header.Get("If-None-Match") != "" {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	io.WriteString(w, bigBody)
}

// TestTransportDecodesWholeBodies: a plain compressed response decodes to
// the handler's body in every coding, with the headers of a decoded one,
// and the caller's request is left as it was.
func TestTransportDecodesWholeBodies(t *testing.T) {
	for _, coding := range []string{"gzip", "br", "zstd"} {
		t.Run(coding, func(t *testing.T) {
			mw, err := streamzip.New(streamzip.WithEncodings(coding))
			if err != nil {
				t.Fatal(err)
			}
			srv, base := newServer(t, mw(http.HandlerFunc(bodyHandler)))
			c, w := transportClient(base)
			req, err := http.NewRequest("GET", srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if _, ce := w.seen(); ce != coding {
				t.Fatalf("Content-Encoding on the wire %q, want %q", ce, coding)
			}
			checkDecodedHeaders(t, resp)
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if string(b) != bigBody {
				t.Fatalf("decoded %d bytes, want the handler's %d", len(b), len(bigBody))
			}
			if _, set := req.Header["Accept-Encoding"]; set {
				t.Error("the Transport added Accept-Encoding to the caller's request")
			}
			if resp.Request != req {
				t.Error("resp.Request is not the caller's request")
			}
		})
	}
}

// TestTransportLeavesCallerAcceptEncodingAlone: a caller that set
// Accept-Encoding gets exactly that on the wire and the encoded body back,
// headers and all, as with http.Transport.
func TestTransportLeavesCallerAcceptEncodingAlone(t *testing.T) {
	srv, base := newServer(t, streamzip.Middleware(http.HandlerFunc(bodyHandler)))
	c, w := transportClient(base)
	resp := get(t, c, "GET", srv.URL, "gzip")
	ae, ce := w.seen()
	if len(ae) != 1 || ae[0] != "gzip" {
		t.Errorf("Accept-Encoding sent %q, want the caller's gzip", ae)
	}
	if ce != "gzip" || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding on the wire %q, to the caller %q; want gzip for both", ce, resp.Header.Get("Content-Encoding"))
	}
	if resp.Uncompressed {
		t.Error("Uncompressed = true on a body left encoded")
	}
	if string(readAll(t, resp)) != bigBody {
		t.Fatal("the encoded body does not decode to the handler's")
	}

	// An empty Accept-Encoding is the caller's too: identity only.
	resp = get(t, c, "GET", srv.URL, "", "Accept-Encoding", "")
	if ae, ce := w.seen(); len(ae) != 1 || ae[0] != "" || ce != "" {
		t.Errorf("empty Accept-Encoding: sent %q, got Content-Encoding %q; want it untouched and identity", ae, ce)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != bigBody {
		t.Error("identity body differs from the handler's")
	}
}

// TestTransportBodylessResponses: HEAD is not advertised for (like
// http.Transport) and reads empty; 204 and 304 read empty with no error,
// and a 304 that names its 200's Content-Encoding loses it like the 200.
func TestTransportBodylessResponses(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/body", streamzip.Middleware(http.HandlerFunc(bodyHandler)))
	mux.HandleFunc("/204", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/304-gzip", func(w http.ResponseWriter, r *http.Request) {
		// Some servers repeat the 200's Content-Encoding on a 304.
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("ETag", `"v1"`)
		w.WriteHeader(http.StatusNotModified)
	})
	srv, base := newServer(t, mux)
	c, w := transportClient(base)

	expectEmpty := func(t *testing.T, resp *http.Response, status int) {
		t.Helper()
		if resp.StatusCode != status {
			t.Fatalf("status %d, want %d", resp.StatusCode, status)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil || len(b) != 0 {
			t.Fatalf("body %q, %v; want empty, no error", b, err)
		}
	}

	t.Run("HEAD", func(t *testing.T) {
		resp := get(t, c, "HEAD", srv.URL+"/body", "")
		expectEmpty(t, resp, http.StatusOK)
		if ae, ce := w.seen(); ae != nil || ce != "" {
			t.Errorf("HEAD sent Accept-Encoding %q and got Content-Encoding %q; want neither", ae, ce)
		}
	})
	t.Run("304-from-middleware", func(t *testing.T) {
		resp := get(t, c, "GET", srv.URL+"/body", "", "If-None-Match", `"v1"`)
		expectEmpty(t, resp, http.StatusNotModified)
		if got := resp.Header.Get("Content-Encoding"); got != "" {
			t.Errorf("304 Content-Encoding %q", got)
		}
	})
	t.Run("304-with-content-encoding", func(t *testing.T) {
		resp := get(t, c, "GET", srv.URL+"/304-gzip", "")
		expectEmpty(t, resp, http.StatusNotModified)
		if _, ce := w.seen(); ce != "gzip" {
			t.Fatalf("the server's 304 Content-Encoding %q, want gzip", ce)
		}
		if got := resp.Header.Get("Content-Encoding"); got != "" {
			t.Errorf("304 Content-Encoding %q kept; its decoded 200 has none", got)
		}
		if !resp.Uncompressed {
			t.Error("Uncompressed = false")
		}
	})
	t.Run("204", func(t *testing.T) {
		expectEmpty(t, get(t, c, "GET", srv.URL+"/204", ""), http.StatusNoContent)
	})
}

// TestTransportPassesIdentityThrough: a response the server did not
// encode (too small to compress, or a Range request the Transport did not
// advertise for) keeps its body and Content-Length.
func TestTransportPassesIdentityThrough(t *testing.T) {
	const small = "short body"
	srv, base := newServer(t, streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		http.ServeContent(w, r, "", time.Time{}, strings.NewReader(small))
	})))
	c, w := transportClient(base)

	resp := get(t, c, "GET", srv.URL, "")
	if ae, ce := w.seen(); len(ae) != 1 || ce != "" {
		t.Fatalf("sent Accept-Encoding %q, got Content-Encoding %q; want ours and identity", ae, ce)
	}
	if resp.ContentLength != int64(len(small)) || resp.Uncompressed {
		t.Errorf("ContentLength %d, Uncompressed %v; want %d, false", resp.ContentLength, resp.Uncompressed, len(small))
	}
	if b, err := io.ReadAll(resp.Body); err != nil || string(b) != small {
		t.Fatalf("body %q, %v", b, err)
	}

	resp = get(t, c, "GET", srv.URL, "", "Range", "bytes=0-4")
	if ae, _ := w.seen(); ae != nil {
		t.Errorf("Range request sent Accept-Encoding %q; a range of encoded bytes cannot be decoded", ae)
	}
	if b, err := io.ReadAll(resp.Body); err != nil || string(b) != small[:5] || resp.StatusCode != http.StatusPartialContent {
		t.Fatalf("range: %d %q, %v", resp.StatusCode, b, err)
	}
}

// TestTransportReportsCorruptAndTruncatedBodies: a body that is not what
// its Content-Encoding says, or that ends early while the HTTP message
// itself ends cleanly, is an error from Read, never a short body.
func TestTransportReportsCorruptAndTruncatedBodies(t *testing.T) {
	for _, coding := range []string{"gzip", "br", "zstd"} {
		encoded := encodeBody(t, coding, bigBody)
		for _, tc := range []struct {
			name string
			body []byte
		}{
			{"corrupt", corrupt(encoded)},
			{"truncated", encoded[:len(encoded)/2]},
			{"garbage", []byte("this is not " + coding + " at all, not even close....")},
		} {
			t.Run(coding+"/"+tc.name, func(t *testing.T) {
				srv, base := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Encoding", coding)
					w.Write(tc.body)
				}))
				c, _ := transportClient(base)
				resp := get(t, c, "GET", srv.URL, "")
				b, err := io.ReadAll(resp.Body)
				if err == nil {
					t.Fatalf("read %d bytes with no error", len(b))
				}
				if _, err2 := resp.Body.Read(make([]byte, 1)); err2 == nil {
					t.Error("a Read after the error succeeded")
				}
				t.Logf("%d bytes, then %v", len(b), err)
			})
		}
	}
}

// encodeBody fetches s through streamzip in the given coding, raw.
func encodeBody(t *testing.T, coding, s string) []byte {
	t.Helper()
	mw, err := streamzip.New(streamzip.WithEncodings(coding))
	if err != nil {
		t.Fatal(err)
	}
	srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, s)
	})))
	resp := get(t, c, "GET", srv.URL, coding)
	if resp.Header.Get("Content-Encoding") != coding {
		t.Fatalf("no %s from the middleware", coding)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// corrupt flips bits in the middle of an encoded body, past any header.
func corrupt(b []byte) []byte {
	c := bytes.Clone(b)
	for i := len(c) / 3; i < len(c)/3+8; i++ {
		c[i] ^= 0x5a
	}
	return c
}

// TestTransportCloseUnblocksRead: closing the body while a Read waits for
// an event that never comes ends that Read, and later Reads fail.
func TestTransportCloseUnblocksRead(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	mw, err := streamzip.New(streamzip.WithEventStreams(streamzip.CompressEventStreams))
	if err != nil {
		t.Fatal(err)
	}
	srv, base := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, event(0, "\n"))
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})))
	c, _ := transportClient(base)
	resp := get(t, c, "GET", srv.URL, "")
	ev, err := newEventReader(resp.Body).Next()
	if err != nil || !strings.HasPrefix(ev, "id: 0") {
		t.Fatalf("first event %q, %v", ev, err)
	}
	readErr := make(chan error, 1)
	go func() {
		_, err := resp.Body.Read(make([]byte, 64))
		readErr <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the Read block; not a timing assertion
	if err := resp.Body.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-readErr:
		if err == nil {
			t.Fatal("the blocked Read returned no error after Close")
		}
	case <-time.After(stepTimeout):
		t.Fatal("Close did not unblock a Read waiting for the next event")
	}
	if _, err := resp.Body.Read(make([]byte, 1)); err == nil {
		t.Fatal("Read after Close succeeded")
	}
}

// memoryTransport answers every request with the same encoded body, with
// no network: a test can count goroutines around it.
type memoryTransport struct {
	coding string
	body   []byte
}

func (m memoryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode:    http.StatusOK,
		Header:        http.Header{"Content-Encoding": {m.coding}},
		Body:          io.NopCloser(bytes.NewReader(m.body)),
		ContentLength: int64(len(m.body)),
		Request:       req,
	}, nil
}

// TestTransportDecodersStartNoGoroutine: decoding, finishing, abandoning
// half-way and closing bodies in every coding leaves the goroutine count
// where it was (zstd decodes synchronously, nothing runs in the
// background), and pooled decoders decode the next body correctly.
func TestTransportDecodersStartNoGoroutine(t *testing.T) {
	codings := []string{"gzip", "br", "zstd"}
	encoded := map[string][]byte{}
	for _, coding := range codings {
		encoded[coding] = encodeBody(t, coding, bigBody)
	}
	before := runtime.NumGoroutine()
	for _, coding := range codings {
		c := &http.Client{Transport: streamzip.Transport(memoryTransport{coding, encoded[coding]})}
		for i := range 20 {
			resp, err := c.Get("http://in.memory/")
			if err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				b, err := io.ReadAll(resp.Body)
				if err != nil || string(b) != bigBody {
					t.Fatalf("%s body %d: %d bytes, %v", coding, i, len(b), err)
				}
			} else {
				// Abandoned mid-body: Close must still give the decoder back
				// in a state the next body can use.
				if _, err := resp.Body.Read(make([]byte, 100)); err != nil {
					t.Fatal(err)
				}
			}
			if err := resp.Body.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := resp.Body.Read(make([]byte, 1)); err == nil {
				t.Fatal("Read after Close succeeded")
			}
		}
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("%d goroutines after decoding, %d before", after, before)
	}
}

// readAhead is the negative control for the lockstep: a body under the
// Transport that fills every Read completely before returning, as a
// decoder reading ahead would. Events then stay in it until the stream
// ends, and the lockstep must time out.
type readAhead struct{ next http.RoundTripper }

func (r readAhead) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err == nil {
		resp.Body = struct {
			io.Reader
			io.Closer
		}{fullReader{resp.Body}, resp.Body}
	}
	return resp, err
}

// fullReader returns only full buffers. What it holds when the body is
// closed is dropped with the error, so nothing reaches the client after
// the lockstep gave up.
type fullReader struct{ r io.Reader }

func (f fullReader) Read(p []byte) (int, error) {
	n, err := io.ReadFull(f.r, p)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// TestTransportLockstepDetectsReadAhead: the lockstep fails when the
// bytes below the decoder are held back, so its passing above proves the
// Transport decodes what arrived.
func TestTransportLockstepDetectsReadAhead(t *testing.T) {
	mw, err := streamzip.New(streamzip.WithEventStreams(streamzip.CompressEventStreams))
	if err != nil {
		t.Fatal(err)
	}
	l := newLockstep(3)
	l.Timeout = 500 * time.Millisecond // the control must wait it out
	stop := make(chan struct{})
	acked := make(chan bool, 1)
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, event(0, "\n"))
		select {
		case <-l.Acks:
			acked <- true
		case <-stop: // the client gave up first, as it must
			acked <- false
		}
	}))
	srv, base := newServer(t, h)
	c := &http.Client{Transport: streamzip.Transport(readAhead{base.Transport})}
	resp := get(t, c, "GET", srv.URL, "")
	err = l.Run(resp)
	close(stop)
	if err == nil {
		t.Fatal("the lockstep passed through a read-ahead body: it cannot detect one")
	}
	t.Logf("read-ahead detected as expected: %v", err)
	if <-acked {
		t.Error("the client acked an event held back below the decoder")
	}
}

// idleCounter counts CloseIdleConnections calls.
type idleCounter struct {
	http.RoundTripper
	closed int
}

func (c *idleCounter) CloseIdleConnections() { c.closed++ }

// TestTransportForwardsCloseIdleConnections: http.Client's
// CloseIdleConnections reaches the wrapped transport.
func TestTransportForwardsCloseIdleConnections(t *testing.T) {
	inner := &idleCounter{}
	(&http.Client{Transport: streamzip.Transport(inner)}).CloseIdleConnections()
	if inner.closed != 1 {
		t.Fatalf("wrapped CloseIdleConnections called %d times, want 1", inner.closed)
	}
}

// TestTransportStreamsOneMemberPerEvent: a server that encodes each event
// as its own gzip member or zstd frame (concatenation is one valid body)
// is read in lockstep too: the end of a member is returned before the next
// member's header has arrived.
func TestTransportStreamsOneMemberPerEvent(t *testing.T) {
	for _, tc := range []struct {
		coding string
		encode func(string) []byte
	}{
		{"gzip", func(s string) []byte {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			io.WriteString(zw, s)
			zw.Close()
			return b.Bytes()
		}},
		{"zstd", func(s string) []byte {
			zw, err := zstd.NewWriter(nil)
			if err != nil {
				t.Fatal(err)
			}
			defer zw.Close()
			return zw.EncodeAll([]byte(s), nil)
		}},
	} {
		t.Run(tc.coding, func(t *testing.T) {
			l := newLockstep(5)
			srv, base := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				w.Header().Set("Content-Encoding", tc.coding)
				for k := range l.Events {
					w.Write(tc.encode(event(k, "\n")))
					w.(http.Flusher).Flush()
					if err := l.WaitAck(k); err != nil {
						t.Errorf("handler: %v", err)
						return
					}
				}
			}))
			c, _ := transportClient(base)
			resp := get(t, c, "GET", srv.URL, "")
			checkDecodedHeaders(t, resp)
			if err := l.Run(resp); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// trickle returns one byte per Read, as a slow network might.
type trickle struct{ r io.Reader }

func (t trickle) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return t.r.Read(p)
}

// trickleTransport answers with an encoded body delivered byte by byte.
type trickleTransport struct{ memoryTransport }

func (m trickleTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, _ := m.memoryTransport.RoundTrip(req)
	resp.Body = io.NopCloser(trickle{bytes.NewReader(m.body)})
	return resp, nil
}

// TestTransportDecodesByteByByteArrival: every decoder copes with a body
// that arrives one byte per Read, headers and blocks split anywhere.
func TestTransportDecodesByteByByteArrival(t *testing.T) {
	for _, coding := range []string{"gzip", "br", "zstd"} {
		t.Run(coding, func(t *testing.T) {
			c := &http.Client{Transport: streamzip.Transport(trickleTransport{memoryTransport{coding, encodeBody(t, coding, bigBody)}})}
			resp, err := c.Get("http://in.memory/")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil || string(b) != bigBody {
				t.Fatalf("%d bytes, %v; want the %d-byte body", len(b), err, len(bigBody))
			}
		})
	}
}

// TestGoTransportHoldsMemberPerEventGzip is the control for
// TestTransportStreamsOneMemberPerEvent: Go's own transparent gzip
// (compress/gzip in multistream mode) reads the next member's header
// before it returns the end of the current one, so an event sent as one
// gzip member stays held until the next arrives. If a Go release changes
// that, this test says so, and README's Client section should follow.
func TestGoTransportHoldsMemberPerEventGzip(t *testing.T) {
	stop := make(chan struct{})
	srv, _ := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Encoding", "gzip")
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		io.WriteString(zw, event(0, "\n"))
		zw.Close()
		w.Write(b.Bytes())
		w.(http.Flusher).Flush()
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	c := &http.Client{Transport: &http.Transport{}} // asks for gzip and decodes it
	defer c.CloseIdleConnections()
	resp := get(t, c, "GET", srv.URL, "")
	if !resp.Uncompressed {
		t.Fatal("http.Transport did not decode the gzip body")
	}
	got := make(chan error, 1) // buffered: the reader never blocks on it
	go func() {
		_, err := newEventReader(resp.Body).Next()
		got <- err
	}()
	select {
	case err := <-got:
		close(stop)
		t.Fatalf("Go's transparent gzip returned the member before the next header arrived (err %v); README's Client section says it does not", err)
	case <-time.After(500 * time.Millisecond): // the control must wait it out
	}
	resp.Body.Close()
	close(stop)
	<-got
	t.Log("Go's transparent gzip held the member back, as documented")
}

// flushedStream encodes events with one writer flush per event, as a
// streaming server does, and returns the bytes of each flush.
func flushedStream(t *testing.T, coding string, events int) [][]byte {
	t.Helper()
	var out bytes.Buffer
	var w interface {
		io.Writer
		Flush() error
		Close() error
	}
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&out)
	case "zstd":
		zw, err := zstd.NewWriter(&out)
		if err != nil {
			t.Fatal(err)
		}
		w = zw
	default:
		t.Fatalf("no writer for %s", coding)
	}
	var flushes [][]byte
	for k := range events {
		io.WriteString(w, event(k, "\n"))
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		flushes = append(flushes, bytes.Clone(out.Bytes()))
		out.Reset()
	}
	w.Close()
	return append(flushes, bytes.Clone(out.Bytes()))
}

// flushReader returns one flush per Read, as a socket returns a flushed
// event once it has arrived.
type flushReader struct{ rest [][]byte }

func (f *flushReader) Read(p []byte) (int, error) {
	for len(f.rest) > 0 && len(f.rest[0]) == 0 {
		f.rest = f.rest[1:]
	}
	if len(f.rest) == 0 {
		return 0, io.EOF
	}
	n := copy(p, f.rest[0])
	f.rest[0] = f.rest[0][n:]
	return n, nil
}

// TestTransportDecodingAllocatesNothingPerEvent: with warm pools, a
// gzip or zstd stream costs the same allocations whether it carries one
// event or 200 (the response and its body wrapper, nothing per event).
func TestTransportDecodingAllocatesNothingPerEvent(t *testing.T) {
	if streamzip.RaceEnabled {
		t.Skip("the race detector makes sync.Pool drop items on purpose")
	}
	for _, coding := range []string{"gzip", "zstd"} {
		allocs := func(events int) float64 {
			stream := flushedStream(t, coding, events)
			rt := streamzip.Transport(roundTripFunc(func(req *http.Request) (*http.Response, error) {
				rest := make([][]byte, len(stream))
				copy(rest, stream)
				return &http.Response{
					StatusCode: http.StatusOK, ContentLength: -1, Request: req,
					Header: http.Header{"Content-Encoding": {coding}},
					Body:   io.NopCloser(&flushReader{rest}),
				}, nil
			}))
			req := httptest.NewRequest("GET", "http://in.memory/", nil)
			buf := make([]byte, 4096)
			return testing.AllocsPerRun(50, func() {
				resp, err := rt.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for {
					m, err := resp.Body.Read(buf)
					n += m
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				resp.Body.Close()
				if want := events * len(event(0, "\n")); n < want {
					t.Fatalf("decoded %d bytes, want at least %d", n, want)
				}
			})
		}
		one, many := allocs(1), allocs(200)
		t.Logf("%s: %.0f allocations for 1 event, %.0f for 200", coding, one, many)
		if many > one {
			t.Errorf("%s: %.0f allocations for 200 events, %.0f for 1: decoding allocates per event", coding, many, one)
		}
	}
}

// roundTripFunc is a RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
