package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streamzip/streamzip/internal/decoding"
)

// clientReport is what a client process answers on stdout.
type clientReport struct {
	Connected int            `json:"connected"` // streams that decoded the prelude
	Received  int            `json:"received"`  // streams that decoded the awaited event
	Latencies []int64        `json:"lat_us"`    // per stream, event arrival minus broadcast start, µs
	Clean     int            `json:"clean"`     // streams that ended cleanly after the last event
	Encodings map[string]int `json:"encodings"` // Content-Encoding → streams
	Errors    []string       `json:"errors,omitempty"`
}

// clientStream is one connection and what it decoded.
type clientStream struct {
	arrived []atomic.Int64 // per event: arrival, Unix ns; 0 until decoded
	err     atomic.Pointer[error]
	clean   atomic.Bool
}

// runClient opens streams to the servers and answers the orchestrator:
// "connected" (every stream decoded the prelude, events 0 to prelude-1),
// "wait K T0" (every stream decoded event K; latencies from T0, Unix ns)
// and "done" (every stream decoded event events-1 and ended).
func runClient(servers []string, first, count, sources, prelude, events int, accept string, timeout time.Duration) error {
	raiseFileLimit()
	streams := make([]*clientStream, count)
	encodings := map[string]int{}
	var encMu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64) // connects in flight: keeps the accept queues short
	for j := range streams {
		s := &clientStream{arrived: make([]atomic.Int64, events)}
		streams[j] = s
		i := first + j
		server := servers[i%len(servers)]
		src := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i%sources))}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc, err := s.run(server, src, accept, events, sem, timeout)
			if err != nil {
				s.err.Store(&err)
			}
			encMu.Lock()
			encodings[enc]++
			encMu.Unlock()
		}()
	}
	out := json.NewEncoder(os.Stdout)
	report := func(event int, t0 int64, final bool) clientReport {
		timeout := min(timeout, 5*time.Minute)
		var r clientReport
		deadline := time.Now().Add(timeout)
		for _, s := range streams {
			for s.arrived[event].Load() == 0 && s.err.Load() == nil && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if at := s.arrived[event].Load(); at != 0 {
				r.Received++
				if t0 != 0 {
					r.Latencies = append(r.Latencies, (at-t0)/1e3)
				}
			}
		}
		if final {
			wg.Wait() // every stream ended (its deadline bounds it)
			encMu.Lock()
			r.Encodings = encodings
			encMu.Unlock()
			for _, s := range streams {
				if s.clean.Load() {
					r.Clean++
				}
			}
		}
		for _, s := range streams {
			if e := s.err.Load(); e != nil && len(r.Errors) < 5 {
				r.Errors = append(r.Errors, (*e).Error())
			}
		}
		return r
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		var r clientReport
		switch {
		case len(f) == 1 && f[0] == "connected":
			r = report(prelude-1, 0, false)
			r.Connected = r.Received
		case len(f) == 3 && f[0] == "wait":
			k, _ := strconv.Atoi(f[1])
			t0, _ := strconv.ParseInt(f[2], 10, 64)
			r = report(k, t0, false)
		case len(f) == 1 && f[0] == "done":
			r = report(events-1, 0, true)
		default:
			r.Errors = []string{"unknown command " + in.Text()}
		}
		if err := out.Encode(r); err != nil {
			return err
		}
	}
	return in.Err()
}

// run connects from src, reads the response and decodes events 0 to
// events-1 in order, each compared byte for byte, then the end of the stream (a
// gzip stream's CRC and length included). It returns the Content-Encoding.
func (s *clientStream) run(server string, src *net.TCPAddr, accept string, events int, sem chan struct{}, timeout time.Duration) (string, error) {
	// No TCP keepalive (on by default, every 15 s): at 200,000 streams the
	// probes of connections opened together fire together, overflow the
	// loopback device's backlog, and unanswered probes time connections out.
	d := net.Dialer{LocalAddr: src, Timeout: time.Minute, KeepAlive: -1}
	c, err := d.Dial("tcp", server)
	if err != nil {
		<-sem
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout)) // the run stops by itself
	fmt.Fprintf(c, "GET /events HTTP/1.1\r\nHost: %s\r\nAccept-Encoding: %s\r\n\r\n", server, accept)
	br := bufio.NewReaderSize(c, 4<<10)
	resp, err := http.ReadResponse(br, nil)
	<-sem
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	enc := resp.Header.Get("Content-Encoding")
	if resp.StatusCode != http.StatusOK {
		return enc, fmt.Errorf("status %d", resp.StatusCode)
	}
	body, err := decoding.NewReader(enc, resp.Body)
	if err != nil {
		return enc, err
	}
	for k := range events {
		want := event(k)
		got := make([]byte, len(want))
		if _, err := io.ReadFull(body, got); err != nil {
			return enc, fmt.Errorf("event %d: %w", k, err)
		}
		if string(got) != want {
			return enc, fmt.Errorf("event %d decoded to %q, want %q", k, got, want)
		}
		s.arrived[k].Store(time.Now().UnixNano())
	}
	// The server ends the stream after the last event: nothing more may
	// come, and the decoder checks the coding's own end.
	if n, err := io.Copy(io.Discard, body); err != nil || n != 0 {
		return enc, errors.Join(fmt.Errorf("after the last event: %d more bytes", n), err)
	}
	s.clean.Store(true)
	return enc, nil
}
