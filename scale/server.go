package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// serverReport is what a server process answers on stdout.
type serverReport struct {
	Streams  int64  `json:"streams"`   // handlers running
	HeapLive uint64 `json:"heap_live"` // live heap after a full GC
	RSS      uint64 `json:"rss"`       // resident set after returning free memory
	Stacks   uint64 `json:"stacks"`    // goroutine stacks in use
	// For a broadcast:
	CPUNanos  int64  `json:"cpu_ns"`    // user+system CPU from the broadcast to the last handler's write
	WallNanos int64  `json:"wall_ns"`   // the same span in wall time
	PeakHeap  uint64 `json:"peak_heap"` // peak heap objects during the broadcast
	Error     string `json:"error,omitempty"`
}

// hub broadcasts events to every stream handler.
type hub struct {
	mu      sync.Mutex
	events  []string
	wake    chan struct{} // closed and replaced at each broadcast
	end     chan struct{} // closed to end every stream
	running atomic.Int64  // handlers running
	wrote   atomic.Int64  // handlers that wrote the latest event
	flush   bool          // no middleware: the handler flushes itself
}

func (h *hub) broadcast(ev string) {
	h.mu.Lock()
	h.wrote.Store(0)
	h.events = append(h.events, ev)
	close(h.wake)
	h.wake = make(chan struct{})
	h.mu.Unlock()
}

// ServeHTTP writes the prelude's events at once, then every event the hub broadcasts,
// until the hub ends or the client leaves. With streamzip the flush at
// each event's end is the middleware's.
func (h *hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.running.Add(1)
	defer h.running.Add(-1)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	next := 0
	for {
		h.mu.Lock()
		pending, wake := h.events[next:], h.wake
		h.mu.Unlock()
		for _, ev := range pending {
			if _, err := io.WriteString(w, ev); err != nil {
				return
			}
		}
		if h.flush && len(pending) > 0 {
			w.(http.Flusher).Flush()
		}
		if next += len(pending); len(pending) > 0 {
			h.wrote.Add(1)
		}
		select {
		case <-wake:
		case <-h.end:
			return
		case <-r.Context().Done():
			return
		}
	}
}

// runServer serves one mode on 127.0.0.1 and answers the orchestrator's
// commands, one per stdin line: stats, broadcast K, end, quit.
func runServer(name string, releaseAfter time.Duration, maxStateful, prelude int) error {
	raiseFileLimit()
	mw, err := middleware(name, releaseAfter, maxStateful)
	if err != nil {
		return err
	}
	var first []string
	for k := range prelude {
		first = append(first, event(k))
	}
	h := &hub{events: first, wake: make(chan struct{}), end: make(chan struct{}), flush: mw == nil}
	var handler http.Handler = h
	if mw != nil {
		handler = mw(h)
	}
	// No TCP keepalive: see clientStream.run.
	ln, err := (&net.ListenConfig{KeepAlive: -1}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: time.Minute}
	go srv.Serve(ln)
	out := json.NewEncoder(os.Stdout)
	fmt.Printf("listening %s\n", ln.Addr())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		cmd, arg, _ := strings.Cut(in.Text(), " ")
		var rep serverReport
		switch cmd {
		case "stats":
			rep = h.stats()
		case "broadcast":
			k, _ := strconv.Atoi(arg)
			rep = h.timedBroadcast(event(k))
		case "end":
			close(h.end)
			deadline := time.Now().Add(time.Minute)
			for h.running.Load() > 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			rep.Streams = h.running.Load()
		case "quit":
			srv.Close()
			return nil
		default:
			rep.Error = "unknown command " + cmd
		}
		if err := out.Encode(rep); err != nil {
			return err
		}
	}
	srv.Close()
	return in.Err()
}

// stats measures the live heap and RSS after a full collection that also
// returns free memory to the OS.
func (h *hub) stats() serverReport {
	debug.FreeOSMemory()
	runtime.GC() // FreeOSMemory collected once; sync.Pool victims go on the second
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return serverReport{Streams: h.running.Load(), HeapLive: ms.HeapAlloc, RSS: rss(), Stacks: ms.StackInuse}
}

// timedBroadcast sends ev to every stream and waits until every handler
// wrote it, measuring the CPU the process spent and its peak heap meanwhile.
func (h *hub) timedBroadcast(ev string) serverReport {
	n := h.running.Load()
	stop := make(chan struct{})
	peak := make(chan uint64)
	go samplePeakHeap(stop, peak)
	cpu0, t0 := cpuNanos(), time.Now()
	h.broadcast(ev)
	deadline := t0.Add(5 * time.Minute)
	for h.wrote.Load() < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	rep := serverReport{Streams: n, CPUNanos: cpuNanos() - cpu0, WallNanos: int64(time.Since(t0))}
	close(stop)
	rep.PeakHeap = <-peak
	if w := h.wrote.Load(); w < n {
		rep.Error = fmt.Sprintf("%d of %d handlers wrote the event", w, n)
	}
	return rep
}

// samplePeakHeap reads the heap objects metric (no stop-the-world) every
// millisecond until stop, and sends the peak.
func samplePeakHeap(stop chan struct{}, peak chan<- uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var max uint64
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		metrics.Read(s)
		if v := s[0].Value.Uint64(); v > max {
			max = v
		}
		select {
		case <-tick.C:
		case <-stop:
			peak <- max
			return
		}
	}
}

func cpuNanos() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// rss is the resident set size from /proc/self/statm.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// raiseFileLimit raises the soft limit on open files to the hard one (Go
// does it at start too; this makes it explicit for the child processes)
// and returns it.
func raiseFileLimit() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	l.Cur = l.Max
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l)
	return l.Cur
}
