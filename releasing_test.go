package streamzip_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/streamzip/streamzip"
)

// idleStreamHandler writes events; before each event listed in pauses it
// waits until the probe shows the compressor went back to the pool (or
// gives up after stepTimeout), and after each event it waits for the
// client's ack. It records every byte it wrote.
func idleStreamHandler(t *testing.T, l *lockstep, probe *streamzip.Probe, pauses map[int]bool, written *bytes.Buffer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		var before int64 // pooled count before the previous event was written
		for k := 0; k < l.Events; k++ {
			if pauses[k] {
				deadline := time.Now().Add(stepTimeout)
				for probe.CompressorsPooled() == before && time.Now().Before(deadline) {
					time.Sleep(5 * time.Millisecond)
				}
				if probe.CompressorsPooled() == before {
					t.Errorf("event %d: idle stream kept its compressor", k)
				}
			}
			before = probe.CompressorsPooled()
			ev := event(k, "\n")
			written.WriteString(ev)
			io.WriteString(w, ev)
			if err := l.WaitAck(k); err != nil {
				t.Error(err)
				return
			}
		}
	}
}

// TestIdleStreamReleasesAndResumes: a compressed event stream that idles
// past WithReleaseAfter gives its compressor back, then resumes the same
// gzip member: the client decodes every event on arrival, and the whole
// body is one valid gzip stream (CRC-32 and size checked at its end).
func TestIdleStreamReleasesAndResumes(t *testing.T) {
	for _, releaseAfter := range []time.Duration{0, 20 * time.Millisecond} {
		t.Run(fmt.Sprint(releaseAfter), func(t *testing.T) {
			mw, probe, err := streamzip.NewWithProbe(
				streamzip.WithEventStreams(streamzip.CompressEventStreams),
				streamzip.WithReleaseAfter(releaseAfter),
			)
			if err != nil {
				t.Fatal(err)
			}
			l := newLockstep(12)
			var written bytes.Buffer
			pauses := map[int]bool{3: true, 4: true, 9: true}
			var raw bytes.Buffer
			srv, c := newServer(t, mw(idleStreamHandler(t, l, probe, pauses, &written)))
			resp := get(t, c, "GET", srv.URL, "gzip")
			if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
				t.Fatalf("Content-Encoding %q", ce)
			}
			resp.Body = io.NopCloser(io.TeeReader(resp.Body, &raw))
			if err := l.Run(resp); err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body) // the trailer
			zr, err := gzip.NewReader(&raw)
			if err != nil {
				t.Fatal(err)
			}
			zr.Multistream(false)
			got, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("the resumed stream is not one valid gzip member: %v", err)
			}
			if !bytes.Equal(got, written.Bytes()) {
				t.Fatalf("decoded %d bytes, wrote %d", len(got), written.Len())
			}
			if rest, _ := io.ReadAll(&raw); len(rest) != 0 {
				t.Fatalf("%d bytes after the gzip member", len(rest))
			}
		})
	}
}

// TestManyIdleStreamsAtOnce runs streams concurrently with a short release
// delay and random pauses, so releases, resumes and writes interleave
// (run it with -race).
func TestManyIdleStreamsAtOnce(t *testing.T) {
	mw, _, err := streamzip.NewWithProbe(
		streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithReleaseAfter(2*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	const streams, events = 40, 15
	srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for k := 0; k < events; k++ {
			io.WriteString(w, event(k, "\n"))
			time.Sleep(time.Duration(k%4) * time.Millisecond)
		}
	})))
	var wg sync.WaitGroup
	for i := 0; i < streams; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", srv.URL, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			resp, err := c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				t.Error(err)
				return
			}
			er := newEventReader(zr)
			for k := 0; k < events; k++ {
				ev, err := er.Next()
				var got int
				if err == nil {
					_, err = fmt.Sscanf(ev, "id: %d", &got)
				}
				if err != nil || got != k {
					t.Errorf("event %d: got %d, %v", k, got, err)
					return
				}
			}
			if _, err := io.ReadAll(zr); err != nil {
				t.Errorf("gzip end: %v", err)
			}
		}()
	}
	wg.Wait()
}

// TestPanicMidStreamDropsTheCompressor: a handler that panics while its
// stream holds a compressor must not give that compressor back; the next
// stream on the same middleware still decodes.
func TestPanicMidStreamDropsTheCompressor(t *testing.T) {
	mw, probe, err := streamzip.NewWithProbe(
		streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithReleaseAfter(time.Hour),
	)
	if err != nil {
		t.Fatal(err)
	}
	srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, event(0, "\n"))
		io.WriteString(w, "data: half an event")
		if r.URL.Query().Has("panic") {
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, "\n\n")
	})))
	for i := 0; i < 3; i++ {
		before := probe.CompressorsPooled()
		resp := get(t, c, "GET", srv.URL+"?panic", "gzip")
		body, err := io.ReadAll(decoderOrRaw(resp))
		if err == nil {
			t.Fatalf("client read a cleanly ended stream (%d bytes) from a panicking handler", len(body))
		}
		if n := probe.CompressorsPooled() - before; n != 0 {
			t.Fatalf("panicking stream returned %d compressors to the pool", n)
		}
		resp = get(t, c, "GET", srv.URL, "gzip")
		if got := string(readAll(t, resp)); got != event(0, "\n")+"data: half an event\n\n" {
			t.Fatalf("normal stream after a panic decoded to %q", got)
		}
	}
}

// TestDisconnectReleasesTheStream: when the client leaves mid-stream the
// handler returns and the compressor goes back to the pool.
func TestDisconnectReleasesTheStream(t *testing.T) {
	mw, probe, err := streamzip.NewWithProbe(
		streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithReleaseAfter(time.Hour),
	)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		w.Header().Set("Content-Type", "text/event-stream")
		for k := 0; ; k++ {
			if _, err := io.WriteString(w, event(k, "\n")); err != nil {
				return
			}
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Millisecond):
			}
		}
	})))
	resp := get(t, c, "GET", srv.URL, "gzip")
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	newEventReader(zr).Next()
	resp.Body.Close()
	select {
	case <-done:
	case <-time.After(stepTimeout):
		t.Fatal("handler still running after the client left")
	}
	deadline := time.Now().Add(stepTimeout)
	for probe.CompressorsPooled() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if probe.CompressorsPooled() != 1 {
		t.Fatalf("compressors pooled after disconnect: %d, want 1", probe.CompressorsPooled())
	}
}

// TestHotStreamBudget: with WithMaxHotStreams(n), a broadcast to many
// streams leaves at most about n of them holding a compressor while they
// wait (the others release right after their event), and every stream
// still decodes; closing them all leaves none counted.
func TestHotStreamBudget(t *testing.T) {
	const streams, budget = 12, 3
	mw, probe, err := streamzip.NewWithProbe(
		streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithReleaseAfter(time.Hour),
		streamzip.WithMaxHotStreams(budget),
	)
	if err != nil {
		t.Fatal(err)
	}
	sent := make(chan struct{}, streams)
	finish := make(chan struct{})
	srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, event(0, "\n"))
		sent <- struct{}{}
		<-finish
		io.WriteString(w, event(1, "\n"))
	})))
	var wg sync.WaitGroup
	for range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Do(mustRequest(t, srv.URL, "gzip"))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			body := readAll(t, resp)
			if want := event(0, "\n") + event(1, "\n"); string(body) != want {
				t.Errorf("stream decoded to %q", body)
			}
		}()
	}
	for range streams {
		<-sent
	}
	if hot := probe.HotStreams(); hot > budget+1 {
		t.Errorf("%d idle streams hold a compressor, budget %d", hot, budget)
	}
	close(finish)
	wg.Wait()
	if hot := probe.HotStreams(); hot != 0 {
		t.Errorf("%d streams still counted hot after all ended", hot)
	}
}

func mustRequest(t *testing.T, url, acceptEncoding string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", acceptEncoding)
	return req
}
