package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// jsonPrinter writes one JSON object per line: {"type":"event",...} for
// each event as it arrives, then one {"type":"summary",...}, also when the
// probe failed (with "error" and "exit_code"), so scripts parse one format.
type jsonPrinter struct {
	enc    *json.Encoder
	errOut io.Writer // errors are also said in words, for people watching
}

func newJSONPrinter(out, errOut io.Writer) *jsonPrinter {
	return &jsonPrinter{enc: json.NewEncoder(out), errOut: errOut}
}

type jsonEvent struct {
	Type      string  `json:"type"` // "event"
	N         int     `json:"n"`
	AtMs      float64 `json:"at_ms"`
	GapMs     float64 `json:"gap_ms"`
	WireBytes int64   `json:"wire_bytes"`
	Size      int     `json:"size"`
	Event     string  `json:"event"`
	ID        string  `json:"id,omitempty"`
	Data      string  `json:"data"`
}

type jsonSummary struct {
	Type         string            `json:"type"` // "summary"
	URL          string            `json:"url"`
	Method       string            `json:"method"`
	Status       int               `json:"status,omitempty"`
	Proto        string            `json:"proto,omitempty"`
	HeadersMs    *float64          `json:"headers_ms,omitempty"`
	Headers      map[string]string `json:"headers,omitempty"`
	Events       int               `json:"events"`
	Comments     int               `json:"comments"`
	WireBytes    int64             `json:"wire_bytes"`
	DecodedBytes int64             `json:"decoded_bytes"`
	ElapsedMs    float64           `json:"elapsed_ms"`
	End          string            `json:"end,omitempty"`
	Verdict      string            `json:"verdict,omitempty"`
	Detail       string            `json:"detail,omitempty"`
	Fixes        []string          `json:"fixes,omitempty"`
	Error        string            `json:"error,omitempty"`
	ExitCode     int               `json:"exit_code"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (p *jsonPrinter) request(request)            {}
func (p *jsonPrinter) response(response)          {}
func (p *jsonPrinter) waiting(time.Duration, int) {}

func (p *jsonPrinter) event(e event) {
	_ = p.enc.Encode(jsonEvent{
		Type: "event", N: e.n, AtMs: ms(e.at), GapMs: ms(e.gap), WireBytes: e.wire,
		Size: e.size, Event: e.typ, ID: e.id, Data: e.data,
	})
}

func (p *jsonPrinter) done(r report) {
	s := jsonSummary{
		Type: "summary", URL: r.url, Method: r.method, Events: r.events, Comments: r.comments,
		WireBytes: r.wire, DecodedBytes: r.decoded, ElapsedMs: ms(r.elapsed), End: r.end,
		Fixes: r.fixes, ExitCode: r.code,
	}
	if r.resp != nil {
		h := ms(r.resp.headersAt)
		s.Status, s.Proto, s.HeadersMs, s.Headers = r.resp.statusCode, r.resp.proto, &h, pickHeaders(r.resp.header)
	}
	if r.verdict != nil {
		s.Verdict, s.Detail = r.verdict.kind, r.verdict.detail
	}
	if r.err != nil {
		s.Error = r.err.Error()
		fmt.Fprintf(p.errOut, "sseprobe: %v\n", r.err)
	}
	_ = p.enc.Encode(s)
}
