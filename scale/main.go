package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	role := flag.String("role", "", "internal: server or client (the orchestrator starts them)")
	streams := flag.Int("streams", 2000, "event streams per mode")
	modeList := flag.String("modes", "none,bypass,gzip,br,zstd", "modes to run, in order")
	broadcasts := flag.Int("broadcasts", 3, "events broadcast to every stream after it went idle")
	prelude := flag.Int("prelude", 100, "events every stream gets when it connects, before it idles (100 token events fill a 24 KiB history)")
	perProcess := flag.Int("per-process", 15000, "most streams one server or client process holds (its file descriptors)")
	sources := flag.Int("sources", 8, "loopback source addresses clients connect from (127.0.0.2 on)")
	releaseAfter := flag.Duration("release-after", 2*time.Second, "WithReleaseAfter for compressed modes; the harness waits past it before each broadcast")
	maxStateful := flag.Int("max-stateful", 0, "WithMaxStatefulStreams for br and zstd (0: streamzip's default)")
	timeout := flag.Duration("timeout", 20*time.Minute, "the whole run stops after this")
	// Internal flags of the child processes.
	mode := flag.String("mode", "", "internal")
	serverList := flag.String("servers", "", "internal")
	first := flag.Int("first", 0, "internal")
	count := flag.Int("count", 0, "internal")
	accept := flag.String("accept", "", "internal")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("scale: ")
	var err error
	switch *role {
	case "server":
		err = runServer(*mode, *releaseAfter, *maxStateful, *prelude)
	case "client":
		err = runClient(strings.Split(*serverList, ","), *first, *count, *sources, *prelude, *prelude+*broadcasts, *accept, *timeout)
	case "":
		cfg := runConfig{streams: *streams, broadcasts: *broadcasts, prelude: *prelude, perProcess: *perProcess, sources: *sources,
			releaseAfter: *releaseAfter, maxStateful: *maxStateful}
		err = orchestrate(cfg, strings.Split(*modeList, ","), *timeout)
	default:
		err = fmt.Errorf("unknown role %q", *role)
	}
	if err != nil {
		log.Fatal(err)
	}
}

type runConfig struct {
	streams, broadcasts, prelude, perProcess, sources int
	releaseAfter                                      time.Duration
	maxStateful                                       int
}

// child is a server or client process driven through stdin and stdout.
type child struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

func start(args ...string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &child{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<20)}, nil
}

// ask sends a command line and decodes the one-line JSON answer into v.
func (c *child) ask(cmd string, v any) error {
	if _, err := io.WriteString(c.in, cmd+"\n"); err != nil {
		return err
	}
	line, err := c.out.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	return json.Unmarshal(line, v)
}

// stop ends the process: quit, then kill it if it lingers.
func (c *child) stop() {
	io.WriteString(c.in, "quit\n")
	c.in.Close()
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}

// all runs f on every child at once and returns the first error.
func all[T any](children []*child, f func(i int, c *child) (T, error)) ([]T, error) {
	res := make([]T, len(children))
	errs := make([]error, len(children))
	var wg sync.WaitGroup
	for i, c := range children {
		wg.Go(func() { res[i], errs[i] = f(i, c) })
	}
	wg.Wait()
	return res, errors.Join(errs...)
}

// modeResult is one mode's figures.
type modeResult struct {
	mode                    string
	streams                 int
	servers, clients        int
	idleHeapKiB, idleRSSKiB float64 // per stream, over the baseline
	encodings               map[string]int
	broadcasts              []broadcastResult
	clean                   int
	errors                  []string
}

type broadcastResult struct {
	p50, p99, max   time.Duration
	cpuPerStream    time.Duration
	wall            time.Duration
	peakOverIdleMiB float64
	received        int
}

func orchestrate(cfg runConfig, modeNames []string, timeout time.Duration) error {
	limit := raiseFileLimit()
	host, _ := os.Hostname()
	fmt.Printf("# %d streams per mode, %d events each before idling, %d broadcasts, GOMAXPROCS %d, %d CPUs, %s, open-file limit %d, host %s\n",
		cfg.streams, cfg.prelude, cfg.broadcasts, runtime.GOMAXPROCS(0), runtime.NumCPU(), runtime.Version(), limit, host)
	if uint64(cfg.perProcess)+64 > limit {
		cfg.perProcess = int(limit) - 64
		fmt.Printf("# streams per process lowered to %d by the open-file limit\n", cfg.perProcess)
	}
	stopAt := time.AfterFunc(timeout, func() {
		log.Printf("stopped after %v", timeout)
		os.Exit(2)
	})
	defer stopAt.Stop()
	var results []modeResult
	failed := false
	for _, name := range modeNames {
		m, ok := modes[name]
		if !ok {
			return fmt.Errorf("unknown mode %q", name)
		}
		r, err := runMode(cfg, m, timeout)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		results = append(results, r)
		printResult(r)
		if r.clean != r.streams || len(r.errors) > 0 {
			failed = true
		}
	}
	printTable(results)
	if failed {
		return errors.New("some streams did not receive every event exactly (see above)")
	}
	return nil
}

func runMode(cfg runConfig, m mode, timeout time.Duration) (modeResult, error) {
	r := modeResult{mode: m.name, streams: cfg.streams}
	procs := (cfg.streams + cfg.perProcess - 1) / cfg.perProcess
	r.servers, r.clients = procs, procs
	var servers, clients []*child
	defer func() {
		for _, c := range append(clients, servers...) {
			c.stop()
		}
	}()
	var addrs []string
	for range procs {
		c, err := start("-role", "server", "-mode", m.name, "-release-after", cfg.releaseAfter.String(), "-prelude", fmt.Sprint(cfg.prelude),
			"-max-stateful", fmt.Sprint(cfg.maxStateful))
		if err != nil {
			return r, err
		}
		servers = append(servers, c)
		line, err := c.out.ReadString('\n')
		if err != nil {
			return r, fmt.Errorf("server start: %w", err)
		}
		addrs = append(addrs, strings.TrimSpace(strings.TrimPrefix(line, "listening ")))
	}
	base, err := all(servers, func(_ int, c *child) (rep serverReport, err error) { return rep, c.ask("stats", &rep) })
	if err != nil {
		return r, err
	}
	per := (cfg.streams + procs - 1) / procs
	for i := range procs {
		n := min(per, cfg.streams-i*per)
		c, err := start("-role", "client", "-servers", strings.Join(addrs, ","), "-first", fmt.Sprint(i*per),
			"-count", fmt.Sprint(n), "-sources", fmt.Sprint(cfg.sources), "-broadcasts", fmt.Sprint(cfg.broadcasts), "-prelude", fmt.Sprint(cfg.prelude),
			"-accept", m.accept, "-timeout", timeout.String())
		if err != nil {
			return r, err
		}
		clients = append(clients, c)
	}
	conn, err := all(clients, func(_ int, c *child) (rep clientReport, err error) { return rep, c.ask("connected", &rep) })
	if err != nil {
		return r, err
	}
	connected := 0
	for _, c := range conn {
		connected += c.Connected
		r.errors = append(r.errors, c.Errors...)
	}
	if connected != cfg.streams {
		return r, fmt.Errorf("%d of %d streams connected: %v", connected, cfg.streams, r.errors)
	}
	settle := cfg.releaseAfter + cfg.releaseAfter/2 + 500*time.Millisecond
	time.Sleep(settle) // every compressed stream released its compressor
	idle, err := all(servers, func(_ int, c *child) (rep serverReport, err error) { return rep, c.ask("stats", &rep) })
	if err != nil {
		return r, err
	}
	var baseHeap, idleHeap, baseRSS, idleRSS float64
	for i := range servers {
		baseHeap += float64(base[i].HeapLive)
		idleHeap += float64(idle[i].HeapLive)
		baseRSS += float64(base[i].RSS)
		idleRSS += float64(idle[i].RSS)
	}
	r.idleHeapKiB = (idleHeap - baseHeap) / float64(cfg.streams) / 1024
	r.idleRSSKiB = (idleRSS - baseRSS) / float64(cfg.streams) / 1024
	for k := cfg.prelude; k < cfg.prelude+cfg.broadcasts; k++ {
		t0 := time.Now().UnixNano()
		var sreps []serverReport
		var creps []clientReport
		var serr, cerr error
		var wg sync.WaitGroup
		wg.Go(func() {
			sreps, serr = all(servers, func(_ int, c *child) (rep serverReport, err error) {
				return rep, c.ask(fmt.Sprintf("broadcast %d", k), &rep)
			})
		})
		wg.Go(func() {
			creps, cerr = all(clients, func(_ int, c *child) (rep clientReport, err error) {
				return rep, c.ask(fmt.Sprintf("wait %d %d", k, t0), &rep)
			})
		})
		wg.Wait()
		if err := errors.Join(serr, cerr); err != nil {
			return r, err
		}
		var b broadcastResult
		var lat []int64
		var cpu int64
		var peakOver float64
		for i, s := range sreps {
			cpu += s.CPUNanos
			b.wall = max(b.wall, time.Duration(s.WallNanos))
			peakOver += float64(s.PeakHeap) - float64(idle[i].HeapLive)
			if s.Error != "" {
				r.errors = append(r.errors, s.Error)
			}
		}
		for _, c := range creps {
			lat = append(lat, c.Latencies...)
			b.received += c.Received
			r.errors = append(r.errors, c.Errors...)
		}
		slices.Sort(lat)
		if len(lat) > 0 {
			b.p50 = time.Duration(lat[len(lat)/2]) * time.Microsecond
			b.p99 = time.Duration(lat[len(lat)*99/100]) * time.Microsecond
			b.max = time.Duration(lat[len(lat)-1]) * time.Microsecond
		}
		b.cpuPerStream = time.Duration(cpu / int64(cfg.streams))
		b.peakOverIdleMiB = peakOver / (1 << 20)
		r.broadcasts = append(r.broadcasts, b)
		if k < cfg.prelude+cfg.broadcasts-1 {
			time.Sleep(settle) // idle again before the next broadcast
		}
	}
	if _, err := all(servers, func(_ int, c *child) (rep serverReport, err error) { return rep, c.ask("end", &rep) }); err != nil {
		return r, err
	}
	done, err := all(clients, func(_ int, c *child) (rep clientReport, err error) { return rep, c.ask("done", &rep) })
	if err != nil {
		return r, err
	}
	r.encodings = map[string]int{}
	for _, c := range done {
		r.clean += c.Clean
		for e, n := range c.Encodings {
			if e == "" {
				e = "identity"
			}
			r.encodings[e] += n
		}
		r.errors = append(r.errors, c.Errors...)
	}
	return r, nil
}

func printResult(r modeResult) {
	fmt.Printf("%s: %d streams (%d server and %d client processes), encodings %s, %d ended cleanly with every event decoded in order\n",
		r.mode, r.streams, r.servers, r.clients, encodingList(r.encodings), r.clean)
	fmt.Printf("  idle: %.1f KiB live heap and %.1f KiB RSS per stream\n", r.idleHeapKiB, r.idleRSSKiB)
	for i, b := range r.broadcasts {
		fmt.Printf("  broadcast %d: %d received, p50 %v p99 %v max %v, server CPU %v/stream, all written in %v, peak heap +%.1f MiB over idle\n",
			i+1, b.received, b.p50.Round(time.Millisecond), b.p99.Round(time.Millisecond), b.max.Round(time.Millisecond),
			b.cpuPerStream.Round(100*time.Nanosecond), b.wall.Round(time.Millisecond), b.peakOverIdleMiB)
	}
	for i, e := range r.errors {
		if i == 5 {
			break
		}
		fmt.Printf("  error: %s\n", e)
	}
}

// printTable prints the results as a Markdown table: each broadcast figure
// is the range over the broadcasts.
func printTable(rs []modeResult) {
	fmt.Println()
	fmt.Println("| mode | streams | idle heap KiB/stream | idle RSS KiB/stream | broadcast CPU µs/stream | p50 delivery | p99 delivery | peak heap over idle MiB | encodings |")
	fmt.Println("|---|--:|--:|--:|--:|--:|--:|--:|---|")
	for _, r := range rs {
		cpu := span(r.broadcasts, func(b broadcastResult) float64 { return float64(b.cpuPerStream) / 1e3 }, "%.1f")
		p50 := span(r.broadcasts, func(b broadcastResult) float64 { return float64(b.p50) / 1e6 }, "%.0f ms")
		p99 := span(r.broadcasts, func(b broadcastResult) float64 { return float64(b.p99) / 1e6 }, "%.0f ms")
		peak := span(r.broadcasts, func(b broadcastResult) float64 { return b.peakOverIdleMiB }, "%.1f")
		fmt.Printf("| %s | %d | %.1f | %.1f | %s | %s | %s | %s | %s |\n", r.mode, r.streams, r.idleHeapKiB, r.idleRSSKiB, cpu, p50, p99, peak, encodingList(r.encodings))
	}
}

func span(bs []broadcastResult, f func(broadcastResult) float64, format string) string {
	if len(bs) == 0 {
		return "–"
	}
	lo, hi := f(bs[0]), f(bs[0])
	for _, b := range bs[1:] {
		lo, hi = min(lo, f(b)), max(hi, f(b))
	}
	a, z := fmt.Sprintf(format, lo), fmt.Sprintf(format, hi)
	if a == z {
		return a
	}
	return a + "–" + z
}

// encodingList is "br 32, identity 1968": how many streams got each coding.
func encodingList(m map[string]int) string {
	var parts []string
	for _, e := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", e, m[e]))
	}
	return strings.Join(parts, ", ")
}
