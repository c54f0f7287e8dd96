package bench

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/streamzip/streamzip"
)

// The client side: what it costs to decode one event of a compressed
// event stream, through streamzip.Transport (zstd, br, gzip) and through
// Go's own path — http.Transport's transparent gzip, which wraps
// compress/gzip around the body (a new reader per response).
//
// BenchmarkClientDecode takes the network out: a RoundTripper in memory
// hands the stream to the decoder one server flush per Read, as a socket
// delivers a flushed event. BenchmarkClientLoopback is the same over a
// real loopback connection, where syscalls dominate. The server side is
// recorded once (streamzip with CompressEventStreams, one flush per
// event) and replayed, so only the client is measured.

// clientCodings are the codings a Transport client may get, "" for none.
var clientCodings = []string{"", "gzip", "br", "zstd"}

// recordedStream is an event stream as a server sent it in one coding:
// the bytes of each flush, in order.
type recordedStream struct {
	coding  string
	flushes [][]byte
}

// flushRecorder is a ResponseWriter that keeps the body split at flushes.
type flushRecorder struct {
	h       http.Header
	pending bytes.Buffer
	flushes [][]byte
}

func (r *flushRecorder) Header() http.Header         { return r.h }
func (r *flushRecorder) WriteHeader(int)             {}
func (r *flushRecorder) Write(p []byte) (int, error) { return r.pending.Write(p) }

func (r *flushRecorder) Flush() {
	if r.pending.Len() > 0 {
		r.flushes = append(r.flushes, bytes.Clone(r.pending.Bytes()))
		r.pending.Reset()
	}
}

// recordStream streams events through streamzip in coding ("" bypasses
// compression) and returns what went on the wire, flush by flush.
func recordStream(coding string, events [][]byte) (recordedStream, error) {
	opts := []streamzip.Option{streamzip.WithEventStreams(streamzip.CompressEventStreams)}
	if coding != "" {
		opts = append(opts, streamzip.WithEncodings(coding))
	}
	mw, err := streamzip.New(opts...)
	if err != nil {
		return recordedStream{}, err
	}
	req := httptest.NewRequest(http.MethodGet, "/v1/chat/completions", nil)
	req.Header.Set("Accept-Encoding", coding)
	rec := &flushRecorder{h: make(http.Header)}
	mw(sseHandler(events, nil)).ServeHTTP(rec, req)
	rec.Flush() // what the end of the response wrote (trailers)
	if got := rec.h.Get("Content-Encoding"); got != coding {
		return recordedStream{}, fmt.Errorf("recorded Content-Encoding %q, want %q", got, coding)
	}
	if len(rec.flushes) < len(events) {
		return recordedStream{}, fmt.Errorf("%d flushes for %d events", len(rec.flushes), len(events))
	}
	return recordedStream{coding: coding, flushes: rec.flushes}, nil
}

// flushedBody returns one recorded flush per Read, as a connection
// returns a flushed event once it has arrived.
type flushedBody struct {
	rest [][]byte
	cur  []byte
}

func (b *flushedBody) Read(p []byte) (int, error) {
	for len(b.cur) == 0 {
		if len(b.rest) == 0 {
			return 0, io.EOF
		}
		b.cur, b.rest = b.rest[0], b.rest[1:]
	}
	n := copy(p, b.cur)
	b.cur = b.cur[n:]
	return n, nil
}

func (b *flushedBody) Close() error { return nil }

// replay is a RoundTripper that answers with a recorded stream.
type replay struct{ s recordedStream }

func (rt replay) RoundTrip(req *http.Request) (*http.Response, error) {
	h := http.Header{"Content-Type": {"text/event-stream"}}
	if rt.s.coding != "" {
		if !strings.Contains(req.Header.Get("Accept-Encoding"), rt.s.coding) {
			return nil, fmt.Errorf("replaying %s to a request accepting %q", rt.s.coding, req.Header.Get("Accept-Encoding"))
		}
		h.Set("Content-Encoding", rt.s.coding)
	}
	return &http.Response{
		StatusCode: http.StatusOK, Header: h, ContentLength: -1, Request: req,
		Body: &flushedBody{rest: rt.s.flushes},
	}, nil
}

// readEvents parses an event stream the way an SSE client does, line by
// line until each blank line, and returns how many events it read.
func readEvents(br *bufio.Reader) (int, error) {
	events, inEvent := 0, false
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if err == io.EOF && len(line) == 0 && !inEvent {
				return events, nil
			}
			return events, err
		}
		if len(line) == 1 {
			if inEvent {
				events++
			}
			inEvent = false
		} else {
			inEvent = true
		}
	}
}

// BenchmarkClientDecode decodes a recorded 1,000-event stream (the LLM
// token stream of BenchmarkSSE) read event by event: "go-gzip" is
// compress/gzip as http.Transport uses it; "transport-*" go through
// streamzip.Transport over an in-memory RoundTripper, response and all.
// ns/event is the figure to compare.
func BenchmarkClientDecode(b *testing.B) {
	events := sseTokenEvents(sseEvents)
	gz := must(recordStream("gzip", events))
	b.Run("go-gzip", func(b *testing.B) {
		br := bufio.NewReader(nil)
		benchEvents(b, len(events), func() (int, error) {
			zr, err := gzip.NewReader(&flushedBody{rest: gz.flushes})
			if err != nil {
				return 0, err
			}
			br.Reset(zr)
			return readEvents(br)
		})
	})
	for _, coding := range clientCodings {
		s := must(recordStream(coding, events))
		name := "transport-" + coding
		if coding == "" {
			name = "transport-identity"
		}
		b.Run(name, func(b *testing.B) {
			rt := streamzip.Transport(replay{s})
			req := httptest.NewRequest(http.MethodGet, "http://replay/v1/chat/completions", nil)
			br := bufio.NewReader(nil)
			benchEvents(b, len(events), func() (int, error) {
				resp, err := rt.RoundTrip(req)
				if err != nil {
					return 0, err
				}
				defer resp.Body.Close()
				br.Reset(resp.Body)
				return readEvents(br)
			})
		})
	}
}

// benchEvents runs stream (one whole stream per call) b.N times, checks
// it read every event, and reports ns/event (wall time) and cpu-ns/event:
// the CPU time the whole process used (decoder, garbage collector, and
// over loopback the server too), which waiting for a CPU on a busy
// machine does not inflate.
func benchEvents(b *testing.B, events int, stream func() (int, error)) {
	b.ReportAllocs()
	cpu0, cpuOK := processCPU()
	for b.Loop() {
		n, err := stream()
		if err != nil {
			b.Fatal(err)
		}
		if n != events {
			b.Fatalf("read %d events, want %d", n, events)
		}
	}
	cpu1, ok := processCPU()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
	if ok && cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N*events), "cpu-ns/event")
	}
}

// BenchmarkClientLoopback streams the recorded 1,000 events over a real
// loopback HTTP/1.1 connection, one write and flush per recorded flush,
// and reads them event by event: "go-transport-gzip" is a plain
// http.Transport (it asks for gzip and decodes it), "transport-*" is
// streamzip.Transport over an http.Transport.
func BenchmarkClientLoopback(b *testing.B) {
	events := sseTokenEvents(sseEvents)
	streams := map[string]recordedStream{}
	for _, coding := range clientCodings {
		streams[coding] = must(recordStream(coding, events))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := streams[r.URL.Query().Get("coding")]
		if !ok || (s.coding != "" && !strings.Contains(r.Header.Get("Accept-Encoding"), s.coding)) {
			http.Error(w, "coding not accepted", http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		if s.coding != "" {
			w.Header().Set("Content-Encoding", s.coding)
		}
		f := w.(http.Flusher)
		for _, p := range s.flushes {
			if _, err := w.Write(p); err != nil {
				return
			}
			f.Flush()
		}
	}))
	defer srv.Close()

	run := func(b *testing.B, client *http.Client, coding string) {
		defer client.CloseIdleConnections()
		br := bufio.NewReader(nil)
		benchEvents(b, len(events), func() (int, error) {
			resp, err := client.Get(srv.URL + "/?coding=" + coding)
			if err != nil {
				return 0, err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return 0, fmt.Errorf("status %d", resp.StatusCode)
			}
			if coding != "" && !resp.Uncompressed {
				return 0, fmt.Errorf("%s body not decoded by the client", coding)
			}
			br.Reset(resp.Body)
			return readEvents(br)
		})
	}
	b.Run("go-transport-gzip", func(b *testing.B) {
		run(b, &http.Client{Transport: &http.Transport{}}, "gzip")
	})
	for _, coding := range clientCodings {
		name := "transport-" + coding
		if coding == "" {
			name = "transport-identity"
		}
		b.Run(name, func(b *testing.B) {
			run(b, &http.Client{Transport: streamzip.Transport(&http.Transport{})}, coding)
		})
	}
}
