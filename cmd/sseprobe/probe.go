package main

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// request is what to ask for.
type request struct {
	url      *url.URL
	method   string
	body     string
	accept   string // Accept-Encoding; "" sends none
	header   http.Header
	timeout  time.Duration // until the response headers
	insecure bool
}

// response is what came back, before the body.
type response struct {
	proto      string
	status     string // "200 OK"
	statusCode int
	header     http.Header
	headersAt  time.Duration // since the request was sent
}

// event is one dispatched event as it arrived.
type event struct {
	n    int           // 1-based
	at   time.Duration // since the request was sent
	gap  time.Duration // since the previous event (since the request, for the first)
	wire int64         // body bytes read from the connection since the previous event, before decoding
	size int           // decoded bytes of the event, line ends included
	typ  string        // the event field, "message" by default
	id   string
	data string
	read int64 // which read of the body completed it
}

// stream is an open event stream being read.
type stream struct {
	resp   response
	start  time.Time
	body   *countingReader
	raw    io.ReadCloser
	decode func(io.Reader) (io.Reader, error)
	events chan event
	cancel context.CancelCauseFunc

	// Set by the reading goroutine, read once events is closed.
	err      error // nil when the server ended the stream
	comments int   // blocks without data: comments, heartbeats
	decoded  atomic.Int64
}

// errHeaderTimeout is the cancellation cause when -timeout elapses before
// the response headers.
var errHeaderTimeout = errors.New("header timeout")

// open sends the request and checks that the answer is an event stream it
// can decode. Errors carry the exit status (see exitcodes.go).
func open(ctx context.Context, req request) (*stream, error) {
	hr, err := http.NewRequest(req.method, req.url.String(), strings.NewReader(req.body))
	if err != nil {
		return nil, usageErr(err.Error())
	}
	if req.body == "" {
		hr.Body, hr.ContentLength = nil, 0
	}
	hr.Header = req.header.Clone()
	if hr.Header.Get("Accept") == "" {
		hr.Header.Set("Accept", "text/event-stream")
	}
	if hr.Header.Get("Cache-Control") == "" {
		hr.Header.Set("Cache-Control", "no-cache") // as EventSource sends
	}
	if req.accept != "" {
		hr.Header.Set("Accept-Encoding", req.accept)
	}
	if hr.Header.Get("User-Agent") == "" {
		hr.Header.Set("User-Agent", "sseprobe (github.com/streamzip/streamzip)")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// The body is decoded here, after counting its bytes on the wire, and
	// only the encodings asked for by -accept are offered.
	tr.DisableCompression = true
	if req.insecure {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	}
	client := &http.Client{Transport: tr}

	ctx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(req.timeout, func() { cancel(errHeaderTimeout) })
	start := time.Now()
	resp, err := client.Do(hr.WithContext(ctx))
	headersAt := time.Since(start)
	timedOut := !timer.Stop() && context.Cause(ctx) == errHeaderTimeout
	if err != nil {
		cancel(nil)
		return nil, describeConnError(err, req.url.Host, timedOut, req.timeout)
	}
	context.AfterFunc(ctx, func() { resp.Body.Close() })
	s := &stream{
		resp: response{
			proto: resp.Proto, status: resp.Status, statusCode: resp.StatusCode,
			header: resp.Header, headersAt: headersAt,
		},
		start:  start,
		raw:    resp.Body,
		body:   &countingReader{r: resp.Body},
		events: make(chan event),
		cancel: cancel,
	}
	if err := s.check(); err != nil {
		s.close()
		return s, err
	}
	return s, nil
}

// close ends the request and frees the connection.
func (s *stream) close() {
	s.cancel(nil)
	s.raw.Close()
}

// check refuses what is not an event stream it can decode, quoting the
// start of the body so the reason shows (an error page, a JSON error).
func (s *stream) check() error {
	h := s.resp.header
	body := func() string { return excerpt(decodedExcerpt(s.raw, h.Get("Content-Encoding"))) }
	if s.resp.statusCode < 200 || s.resp.statusCode > 299 {
		return notStreamErr("not an event stream: the server answered " + s.resp.status + body())
	}
	ct := h.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "text/event-stream" {
		if ct == "" {
			ct = "missing"
		} else {
			ct = "\"" + ct + "\""
		}
		return notStreamErr("not an event stream: Content-Type is " + ct + ", want text/event-stream" + body())
	}
	dec, err := decoder(h.Get("Content-Encoding"))
	if err != nil {
		return notStreamErr(err.Error())
	}
	s.decode = dec
	return nil
}

// decodedExcerpt returns the refused body decoded when its encoding is
// known, so the excerpt is text rather than compressed bytes.
func decodedExcerpt(raw io.Reader, encoding string) io.Reader {
	dec, err := decoder(encoding)
	if err != nil {
		return raw
	}
	r, err := dec(raw)
	if err != nil {
		return strings.NewReader("")
	}
	return r
}

// excerpt reads the first bytes of a refused body, for the error message.
func excerpt(body io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(body, 200))
	if len(b) == 0 {
		return ""
	}
	if !utf8.Valid(b) || strings.ContainsRune(string(b), 0) {
		return "; the body starts with binary data (compressed?)"
	}
	return "; the body starts with: " + strings.Join(strings.Fields(string(b)), " ")
}

// read decodes the body and sends each event on s.events as soon as it is
// decoded, closing s.events at the end of the stream or when ctx is done.
func (s *stream) read(ctx context.Context) {
	defer close(s.events)
	r, err := s.decode(s.body)
	if err != nil {
		s.err = err
		return
	}
	var (
		p        sseParser
		buf      = make([]byte, 32<<10)
		n        int
		lastWire int64
		lastAt   time.Duration
	)
	for {
		m, err := r.Read(buf)
		if m > 0 {
			// Everything decoded from one read arrived at the same time.
			now := time.Since(s.start)
			s.decoded.Add(int64(m))
			for _, b := range p.feed(buf[:m]) {
				if !b.hasData {
					s.comments++
					continue
				}
				n++
				wire := s.body.n.Load()
				ev := event{
					n: n, at: now, gap: now - lastAt, wire: wire - lastWire,
					size: b.size, typ: b.event, id: b.id, data: b.data, read: s.body.reads.Load(),
				}
				if ev.typ == "" {
					ev.typ = "message"
				}
				lastWire, lastAt = wire, now
				select {
				case s.events <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
		if err != nil {
			if err != io.EOF && ctx.Err() == nil {
				s.err = err
			}
			return
		}
	}
}
