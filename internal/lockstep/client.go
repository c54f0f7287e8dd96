package lockstep

import (
	"net/http"
	"net/http/httptest"

	"github.com/streamzip/streamzip/internal/decoding"
	"github.com/streamzip/streamzip/internal/testkit"
)

// RawClient returns a client of srv that does no transparent
// decompression, so a test sees the raw Content-Encoding and bytes.
func RawClient(srv *httptest.Server) *http.Client { return testkit.RawClient(srv) }

// RunSSE is Run over an event-stream response: it decodes the body by its
// Content-Encoding, splits it into events at blank lines and acks each one
// by its Index.
func (x *Exchange) RunSSE(resp *http.Response) error {
	return x.runSplit(resp, (*testkit.EventReader).Next)
}

// RunLines is Run over a line-delimited response (NDJSON): each line is
// one event.
func (x *Exchange) RunLines(resp *http.Response) error {
	return x.runSplit(resp, (*testkit.EventReader).Line)
}

func (x *Exchange) runSplit(resp *http.Response, split func(*testkit.EventReader) (string, error)) error {
	var events *testkit.EventReader
	next := func() (int, error) {
		if events == nil {
			// gzip reads its header at once: open the decoder on the
			// reading goroutine, where blocking is bounded by Run.
			body, err := decoding.NewReader(resp.Header.Get("Content-Encoding"), resp.Body)
			if err != nil {
				return 0, err
			}
			events = testkit.NewEventReader(body)
		}
		ev, err := split(events)
		if err != nil {
			return 0, err
		}
		return Index(ev)
	}
	return x.Run(next, func() { resp.Body.Close() })
}
