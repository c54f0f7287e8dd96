package streamzip_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/streamzip/streamzip"
)

// The load tests hold many concurrent event streams over loopback, send
// events to all of them, and check that every client decoded every event
// in order. The clients run in a child process (this test binary again,
// running TestLoadClientProcess), so the server's heap — what a user of
// streamzip pays per stream — is measured without the clients' decoders,
// and each process needs only one file descriptor per stream.
//
// load10k_test.go holds the 10,000-stream test, which the race detector
// cannot run (it caps live goroutines at 8128); TestConcurrentStreams runs
// 500 streams everywhere, -race included.

// loadEvents is how many events every stream receives.
const loadEvents = 5

// loadLiveness bounds each phase (connecting, each event, closing); it is
// a liveness bound, never a timing assertion.
const loadLiveness = 90 * time.Second

// loadMode is a middleware configuration under load.
type loadMode struct {
	name         string
	plain        bool               // no middleware at all: net/http's own cost, for reference
	opts         []streamzip.Option // nil: streamzip.Middleware
	releaseAfter time.Duration      // the WithReleaseAfter in opts, if any
}

// With WithReleaseAfter(0) a compressed stream gives its compressor back
// after every event, so a broadcast to every stream needs only as many
// compressors as streams compress at the same instant. With a delay, every
// stream that received an event holds one (about 1 MiB at level 5) until
// the delay passes: TestLoadBurstWithReleaseDelay measures that case.
var loadModes = []loadMode{
	{name: "no middleware", plain: true},
	{name: "bypass"},
	{name: "gzip", opts: []streamzip.Option{
		streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithEncodings("gzip"),
		streamzip.WithReleaseAfter(0),
	}},
}

// loadEvent is event k: the size and shape of an LLM token-stream event.
func loadEvent(k int) string {
	return fmt.Sprintf("id: %d\nevent: token\ndata: {\"index\":%d,\"text\":\"%s\",\"model\":\"m-1\",\"finish_reason\":null}\n\n",
		k, k, strings.Repeat("token ", 20+k%7))
}

// hub broadcasts events to every stream handler.
type hub struct {
	mu         sync.Mutex
	events     []string
	wake       chan struct{} // closed and replaced at each broadcast
	registered atomic.Int64
	// flush makes the handler flush after each batch of events, as a
	// handler without streamzip must; with streamzip it relies on the
	// flush at every event boundary instead.
	flush bool
}

func newHub() *hub { return &hub{wake: make(chan struct{})} }

func (h *hub) broadcast(ev string) {
	h.mu.Lock()
	h.events = append(h.events, ev)
	close(h.wake)
	h.wake = make(chan struct{})
	h.mu.Unlock()
}

// handler sends headers at once, then every event the hub broadcasts,
// relying on streamzip to flush at each event boundary.
func (h *hub) handler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.(http.Flusher).Flush()
	h.registered.Add(1)
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
		next += len(pending)
		if h.flush && len(pending) > 0 {
			w.(http.Flusher).Flush()
		}
		select {
		case <-wake:
		case <-r.Context().Done():
			return
		}
	}
}

// heapSampler records the peak heap while it runs.
type heapSampler struct {
	peakInuse, peakAlloc atomic.Uint64
	stop                 chan struct{}
	done                 chan struct{}
}

func startHeapSampler() *heapSampler {
	s := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			s.peakInuse.Store(max(s.peakInuse.Load(), m.HeapInuse))
			s.peakAlloc.Store(max(s.peakAlloc.Load(), m.HeapAlloc))
			select {
			case <-tick.C:
			case <-s.stop:
				return
			}
		}
	}()
	return s
}

func (s *heapSampler) finish() { close(s.stop); <-s.done }

// preallocateGoroutines starts and ends n goroutines. The runtime keeps
// the descriptors of dead goroutines on the heap for reuse, so after this
// every mode's baseline already holds them, whichever mode ran first, and
// the figures per stream compare like with like (stacks are reported
// apart).
func preallocateGoroutines(n int) {
	var wg sync.WaitGroup
	release := make(chan struct{})
	for range n {
		wg.Go(func() { <-release })
	}
	close(release)
	wg.Wait()
}

// liveHeap is the heap after a full collection (twice, so sync.Pool's
// victim cache is gone too), and the goroutine stacks.
func liveHeap() (heap, stacks uint64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc, m.StackInuse
}

// loadFigures is what one load run measured, server side.
type loadFigures struct {
	mode                 string
	streams              int
	baseline             uint64 // live heap before any stream
	peakInuse, peakAlloc uint64 // sampled from the first connection to the last event
	idle                 uint64 // live heap with every stream connected and idle
	idleStacks           uint64
	baselineStacks       uint64
	connect, deliver     time.Duration
}

func (f loadFigures) String() string {
	per := float64(f.idle-f.baseline) / float64(f.streams) / 1024
	stacks := float64(f.idleStacks-f.baselineStacks) / float64(f.streams) / 1024
	return fmt.Sprintf("%s, %d streams: peak HeapInuse %.1f MiB, peak HeapAlloc %.1f MiB; idle live heap %.1f MiB "+
		"over a %.1f MiB baseline = %.1f KiB/stream (+ %.1f KiB/stream of goroutine stacks); connect %v, %d events to all %v",
		f.mode, f.streams, mib(f.peakInuse), mib(f.peakAlloc), mib(f.idle), mib(f.baseline), per, stacks,
		f.connect.Round(time.Millisecond), loadEvents, f.deliver.Round(time.Millisecond))
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// raiseFileLimit lifts RLIMIT_NOFILE to at least need (as root it may
// also raise the hard limit); it reports the limit it ended with.
func raiseFileLimit(t testing.TB, need uint64) uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= need {
		return lim.Cur
	}
	want := lim
	want.Cur = need
	if want.Max < need {
		want.Max = need
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		// Not root: go as far as the hard limit allows.
		want = syscall.Rlimit{Cur: lim.Max, Max: lim.Max}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			t.Fatal(err)
		}
	}
	return want.Cur
}

// runLoad serves streams concurrent event streams through mode, drives a
// client process, sends loadEvents events, and measures the server heap.
func runLoad(t *testing.T, mode loadMode, streams int) loadFigures {
	if got := raiseFileLimit(t, uint64(streams)+512); got < uint64(streams)+512 {
		t.Fatalf("RLIMIT_NOFILE is %d, %d streams need %d", got, streams, streams+512)
	}
	h := newHub()
	var mw func(http.Handler) http.Handler = streamzip.Middleware
	var probe *streamzip.Probe
	if mode.opts != nil {
		var err error
		if mw, probe, err = streamzip.NewWithProbe(mode.opts...); err != nil {
			t.Fatal(err)
		}
	}
	handler := mw(http.HandlerFunc(h.handler))
	if mode.plain {
		handler = http.HandlerFunc(h.handler)
		h.flush = true
	}
	srv := httptest.NewUnstartedServer(handler)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	defer srv.Close()

	f := loadFigures{mode: mode.name, streams: streams}
	preallocateGoroutines(4 * streams)
	f.baseline, f.baselineStacks = liveHeap()
	sampler := startHeapSampler()
	sampled := false
	defer func() {
		if !sampled {
			sampler.finish()
		}
	}()

	child := startLoadClient(t, srv.URL, streams)
	defer child.kill()
	start := time.Now()
	child.expect(t, "ready")
	for h.registered.Load() < int64(streams) {
		time.Sleep(10 * time.Millisecond) // all clients have headers: handlers are registered already
	}
	f.connect = time.Since(start)
	start = time.Now()
	for k := range loadEvents {
		h.broadcast(loadEvent(k))
		child.expect(t, fmt.Sprintf("got %d", k))
	}
	f.deliver = time.Since(start)
	sampler.finish()
	sampled = true
	f.peakInuse, f.peakAlloc = sampler.peakInuse.Load(), sampler.peakAlloc.Load()

	// Idle: every stream is connected and waits for its next event.
	// Compressed streams first give their compressors back.
	if probe != nil {
		deadline := time.Now().Add(loadLiveness)
		// Each stream pools its compressor once when it goes idle (it
		// releases after the first event, then after each later one).
		for probe.CompressorsPooled() < int64(streams) {
			if time.Now().After(deadline) {
				t.Fatalf("only %d of %d idle streams released their compressor", probe.CompressorsPooled(), streams)
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(2 * releaseDelay(mode)) // the last event's releases
	}
	f.idle, f.idleStacks = liveHeap()
	child.send("close")
	child.expect(t, "closed")
	child.wait(t)
	return f
}

// releaseDelay is the WithReleaseAfter a mode uses, for waiting it out.
func releaseDelay(mode loadMode) time.Duration {
	return mode.releaseAfter
}

// loadClient is the client process.
type loadClient struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	tail  []string // non-protocol output, for failure messages
	mu    sync.Mutex
}

func startLoadClient(t *testing.T, url string, streams int) *loadClient {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadClientProcess$", "-test.timeout=10m", "-test.v")
	cmd.Env = append(os.Environ(), "STREAMZIP_LOAD_CLIENT="+url, "STREAMZIP_LOAD_STREAMS="+strconv.Itoa(streams))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &loadClient{cmd: cmd, stdin: stdin, lines: make(chan string, 64)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if msg, ok := strings.CutPrefix(line, "LOAD "); ok {
				c.lines <- msg
				continue
			}
			c.mu.Lock()
			c.tail = append(c.tail, line)
			if len(c.tail) > 40 {
				c.tail = c.tail[1:]
			}
			c.mu.Unlock()
		}
	}()
	return c
}

func (c *loadClient) expect(t *testing.T, want string) {
	t.Helper()
	select {
	case got, ok := <-c.lines:
		if ok && got == want {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		t.Fatalf("client process: %q, want %q; its output:\n%s", got, want, strings.Join(c.tail, "\n"))
	case <-time.After(loadLiveness):
		t.Fatalf("client process: no %q within %v", want, loadLiveness)
	}
}

func (c *loadClient) send(cmd string) { fmt.Fprintln(c.stdin, cmd) }

func (c *loadClient) wait(t *testing.T) {
	c.stdin.Close()
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("client process: %v", err)
	}
}

func (c *loadClient) kill() {
	if c.cmd.ProcessState == nil {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	}
}

// TestLoadClientProcess is the client side of the load tests; it runs only
// in the child process runLoad starts. It opens the streams (a few hundred
// connection attempts at a time), and reports "got k" once every stream
// decoded event k — in order, exactly as sent.
func TestLoadClientProcess(t *testing.T) {
	url := os.Getenv("STREAMZIP_LOAD_CLIENT")
	if url == "" {
		t.Skip("the client process of the load tests")
	}
	streams, _ := strconv.Atoi(os.Getenv("STREAMZIP_LOAD_STREAMS"))
	raiseFileLimit(t, uint64(streams)+512)
	say := func(format string, args ...any) { fmt.Printf("LOAD "+format+"\n", args...) }
	tr := &http.Transport{
		DisableCompression:  true,
		MaxConnsPerHost:     0,
		MaxIdleConns:        streams,
		MaxIdleConnsPerHost: streams,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var (
		counts   [loadEvents]atomic.Int64
		progress = make(chan int, streams)
		failures = make(chan string, streams)
		dialing  = make(chan struct{}, 256)
		ready    sync.WaitGroup
		running  sync.WaitGroup
	)
	ready.Add(streams)
	running.Add(streams)
	for i := range streams {
		go func() {
			defer running.Done()
			dialing <- struct{}{}
			req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			resp, err := client.Do(req)
			<-dialing
			ready.Done()
			if err != nil {
				failures <- fmt.Sprintf("stream %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			body, err := decode(resp.Header.Get("Content-Encoding"), resp.Body)
			if err != nil {
				failures <- fmt.Sprintf("stream %d: %v", i, err)
				return
			}
			er := newEventReader(body)
			for k := range loadEvents {
				ev, err := er.Next()
				if err != nil {
					if ctx.Err() == nil {
						failures <- fmt.Sprintf("stream %d, event %d: %v", i, k, err)
					}
					return
				}
				if want := normalizeEvent(loadEvent(k)); ev != want {
					failures <- fmt.Sprintf("stream %d: got %q, want event %d %q", i, ev, k, want)
					return
				}
				if counts[k].Add(1) == int64(streams) {
					progress <- k
				}
			}
			<-ctx.Done() // stay connected and idle until the server has measured
		}()
	}
	ready.Wait()
	select {
	case f := <-failures:
		say("error %s", f)
		t.Fatal(f)
	default:
	}
	say("ready")
	for k := range loadEvents {
		select {
		case got := <-progress:
			if got != k {
				say("error event %d complete before %d", got, k)
				t.Fatalf("event %d complete before %d", got, k)
			}
			say("got %d", k)
		case f := <-failures:
			say("error %s", f)
			t.Fatal(f)
		case <-time.After(loadLiveness):
			say("error event %d reached %d of %d streams", k, counts[k].Load(), streams)
			t.Fatalf("event %d reached %d of %d streams", k, counts[k].Load(), streams)
		}
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() && in.Text() != "close" {
	}
	cancel()
	running.Wait()
	say("closed")
}

// normalizeEvent is an event as eventReader returns it: lines joined by
// LF, without the blank line.
func normalizeEvent(ev string) string {
	return strings.TrimSuffix(ev, "\n\n") + "\n"
}

// TestConcurrentStreams holds 500 concurrent event streams, bypassed and
// compressed, and checks every event reached every client in order. It is
// small enough for the race detector.
func TestConcurrentStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a client process with 500 streams")
	}
	for _, mode := range loadModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Log(runLoad(t, mode, 500))
		})
	}
}
