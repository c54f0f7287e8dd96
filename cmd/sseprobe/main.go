package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Why a probe stopped listening, as cancellation causes.
var (
	errMaxEvents   = errors.New("-max reached")
	errDuration    = errors.New("-duration reached")
	errInterrupted = errors.New("interrupted")
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		signal.Stop(sig) // a second Ctrl-C kills at once
		cancel(errInterrupted)
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command, minus the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr, os.ReadFile)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "sseprobe:", err)
		return exitUsage
	}
	var p printer = &textPrinter{out: stdout, errOut: stderr, live: isTerminal(stderr)}
	if o.json {
		p = newJSONPrinter(stdout, stderr)
	}
	return probe(ctx, o, p)
}

// probe opens the stream, shows every event as it arrives, and ends with
// the verdict. It returns the exit status.
func probe(ctx context.Context, o options, p printer) int {
	rep := report{url: o.req.url.String(), method: o.req.method}
	finish := func(code int, err error) int {
		rep.code, rep.err = code, err
		p.done(rep)
		return code
	}
	p.request(o.req)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if o.duration > 0 {
		t := time.AfterFunc(o.duration, func() { cancel(errDuration) })
		defer t.Stop()
	}
	s, err := open(ctx, o.req)
	if s != nil {
		rep.resp = &s.resp
		p.response(s.resp)
	}
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && s == nil {
			err = connErr(fmt.Sprintf("stopped (%v) before the response headers arrived", cause))
		}
		var ee *exitError
		if !errors.As(err, &ee) {
			ee = &exitError{exitConnection, err.Error()}
		}
		return finish(ee.code, ee)
	}
	defer s.close()

	go s.read(ctx)
	var arrivals []arrival
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	last := time.Now()
loop:
	for {
		select {
		case e, ok := <-s.events:
			if !ok {
				break loop
			}
			last = time.Now()
			arrivals = append(arrivals, arrival{at: e.at, read: e.read})
			p.event(e)
			if o.max > 0 && len(arrivals) >= o.max {
				cancel(errMaxEvents)
				break loop
			}
		case <-tick.C:
			p.waiting(time.Since(last), len(arrivals))
		}
	}
	for range s.events {
		// Drain what the reader decoded before it saw the cancellation.
	}

	rep.elapsed = time.Since(s.start)
	rep.events, rep.comments = len(arrivals), s.comments
	rep.wire, rep.decoded = s.body.n.Load(), s.decoded.Load()
	rep.end = "end of stream"
	if cause := context.Cause(ctx); cause != nil {
		rep.end = cause.Error()
	}
	v := judge(arrivals, o.th)
	stoppedEarly := rep.end != "end of stream" && s.err == nil
	if len(arrivals) == 0 && stoppedEarly {
		v.detail += fmt.Sprintf(" — nothing arrived in %s after the headers: a buffer may be holding the stream back (a longer -duration lets it end)",
			seconds(rep.elapsed-s.resp.headersAt))
	}
	rep.verdict = &v
	if v.kind == verdictBuffered || (len(arrivals) == 0 && stoppedEarly) {
		rep.fixes = fixes(s.resp.header)
		if v.hold {
			rep.fixes = holdFixes()
		}
	}
	if s.err != nil {
		rep.end = "error"
		return finish(exitConnection, connErr(fmt.Sprintf("stream broke after %d event%s: %v", len(arrivals), plural(len(arrivals)), rootCause(s.err))))
	}
	return finish(exitCodeOf(v.kind), nil)
}

// isTerminal reports whether w is a terminal, where a live status line
// can be redrawn in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
