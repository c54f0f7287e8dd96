package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// options are the parsed command line.
type options struct {
	req      request
	max      int
	duration time.Duration
	json     bool
	th       thresholds
}

const usageHead = `usage: sseprobe [flags] URL

Connects to a Server-Sent Events endpoint and shows, for every event, when
it arrived, the gap since the previous one and its size on the wire, then
says whether the stream was streamed or held back by a buffer.

flags:
`

const usageTail = `
exit status:
  0  streamed: events arrived one by one
  1  buffered: events were held back and arrived in bursts
  2  usage: bad flags or URL
  3  connection: cannot connect, TLS failure, timeout, stream broken
  4  not an event stream: non-2xx status, wrong Content-Type, unknown encoding
  5  inconclusive: fewer than 3 events arrived

examples:
  sseprobe http://127.0.0.1:8080/stream/naive
  sseprobe -accept identity -max 20 https://example.com/events
  sseprobe -json -X POST -H 'Content-Type: application/json' -data @req.json URL
`

// parseArgs reads the command line. A usage error comes back as an
// *exitError with exitUsage; -h as flag.ErrHelp.
func parseArgs(args []string, stderr io.Writer, readFile func(string) ([]byte, error)) (options, error) {
	o := options{th: defaultThresholds}
	header := http.Header{}
	fs := flag.NewFlagSet("sseprobe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageHead)
		fs.PrintDefaults()
		fmt.Fprint(stderr, usageTail)
	}
	fs.StringVar(&o.req.accept, "accept", "gzip, br, zstd", "Accept-Encoding to send; \"\" sends none, \"identity\" asks for no compression")
	fs.IntVar(&o.max, "max", 0, "stop after this many events (0: no limit)")
	fs.DurationVar(&o.duration, "duration", 60*time.Second, "stop listening after this long (0: until the server ends the stream)")
	fs.DurationVar(&o.req.timeout, "timeout", 10*time.Second, "give up if the response headers take longer")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per event, then a summary object")
	fs.BoolVar(&o.req.insecure, "insecure", false, "skip TLS certificate verification (testing only)")
	fs.StringVar(&o.req.method, "X", "", "request method (default GET, or POST with -data)")
	data := fs.String("data", "", "request body; @file reads it from a file")
	fs.Func("H", "request header `Name: value` (repeatable)", func(v string) error {
		name, value, ok := strings.Cut(v, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return fmt.Errorf("want \"Name: value\", got %q", v)
		}
		header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
		return nil
	})
	fs.DurationVar(&o.th.burstGap, "burst", o.th.burstGap, "events closer than this arrived together")
	fs.DurationVar(&o.th.minSilence, "silence", o.th.minSilence, "a burst after at least this much silence counts as held back")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return o, err
		}
		return o, usageErr(err.Error())
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return o, usageErr(fmt.Sprintf("want one URL, got %d arguments", fs.NArg()))
	}
	u, err := parseURL(fs.Arg(0))
	if err != nil {
		return o, err
	}
	o.req.url = u
	o.req.header = header
	o.req.body = *data
	if strings.HasPrefix(*data, "@") {
		b, err := readFile(strings.TrimPrefix(*data, "@"))
		if err != nil {
			return o, usageErr(fmt.Sprintf("-data: %v", err))
		}
		o.req.body = string(b)
	}
	if o.req.method == "" {
		o.req.method = http.MethodGet
		if o.req.body != "" {
			o.req.method = http.MethodPost
		}
	}
	switch {
	case o.max < 0:
		return o, usageErr("-max must not be negative")
	case o.duration < 0:
		return o, usageErr("-duration must not be negative")
	case o.req.timeout <= 0:
		return o, usageErr("-timeout must be positive")
	case o.th.burstGap < 0 || o.th.minSilence < 0:
		return o, usageErr("-burst and -silence must not be negative")
	}
	return o, nil
}

// parseURL accepts absolute http and https URLs only, and says what is
// wrong with anything else.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, usageErr(fmt.Sprintf("bad URL %q: %v", raw, errorsTail(err)))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		hint := ""
		if !strings.Contains(raw, "://") {
			hint = fmt.Sprintf(" (did you mean http://%s ?)", raw)
		}
		return nil, usageErr(fmt.Sprintf("bad URL %q: want an http:// or https:// URL%s", raw, hint))
	}
	if u.Host == "" {
		return nil, usageErr(fmt.Sprintf("bad URL %q: no host", raw))
	}
	return u, nil
}

// errorsTail is a url.Error without the repeated URL.
func errorsTail(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
