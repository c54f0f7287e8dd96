package testkit

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/streamzip/streamzip/internal/decoding"
)

// StepTimeout bounds how long the client may take to see one event. It is
// a liveness bound, never a timing assertion: a buffered event never
// arrives, so waiting longer would not make a buffering middleware pass.
const StepTimeout = 5 * time.Second

// Lockstep is an event-stream exchange where the handler writes event k
// and then waits until the client has decoded event k before writing k+1.
// A middleware that holds events back makes the handler wait forever, so
// the exchange fails with a timeout instead of passing on the final body.
type Lockstep struct {
	Events  int
	Acks    chan int      // the client decoded event k
	Timeout time.Duration // liveness bound per event
}

// NewLockstep prepares an exchange of events events.
func NewLockstep(events int) *Lockstep {
	return &Lockstep{Events: events, Acks: make(chan int), Timeout: StepTimeout}
}

// WaitAck is called by the handler after writing event k.
func (l *Lockstep) WaitAck(k int) error {
	select {
	case got := <-l.Acks:
		if got != k {
			return fmt.Errorf("client acked event %d, want %d", got, k)
		}
		return nil
	case <-time.After(l.Timeout):
		return fmt.Errorf("client had not decoded event %d after %v: held back", k, l.Timeout)
	}
}

// Event formats event k, padded so compressed blocks are real.
func Event(k int, eol string) string {
	pad := strings.Repeat("token ", 40)
	return "id: " + fmt.Sprint(k) + eol + "data: {\"k\":" + fmt.Sprint(k) + ",\"pad\":\"" + pad + "\"}" + eol + eol
}

// Run reads the stream, acking each event as soon as it is decoded; it
// returns the first failure (a timeout if an event never arrives).
func (l *Lockstep) Run(resp *http.Response) error {
	body, err := decoding.NewReader(resp.Header.Get("Content-Encoding"), resp.Body)
	if err != nil {
		return err
	}
	got := make(chan int)
	fail := make(chan error, 1)
	readerDone := make(chan struct{})
	defer func() {
		select {
		case <-readerDone:
		case <-time.After(l.Timeout):
			resp.Body.Close() // unblock a reader stuck on a held-back event
		}
	}()
	go func() {
		defer close(readerDone)
		sc := NewEventReader(body)
		for range l.Events {
			ev, err := sc.Next()
			if err != nil {
				fail <- err
				return
			}
			var k int
			if _, err := fmt.Sscanf(ev, "id: %d", &k); err != nil {
				fail <- fmt.Errorf("bad event %q: %v", ev, err)
				return
			}
			got <- k
		}
	}()
	for k := 0; k < l.Events; k++ {
		select {
		case n := <-got:
			if n != k {
				return fmt.Errorf("event %d arrived, want %d", n, k)
			}
			select {
			case l.Acks <- k:
			case <-time.After(StepTimeout):
				return fmt.Errorf("handler stopped before event %d", k+1)
			}
		case err := <-fail:
			return fmt.Errorf("before event %d: %w", k, err)
		case <-time.After(l.Timeout):
			resp.Body.Close()
			return fmt.Errorf("event %d not decoded within %v: the stream is buffered", k, l.Timeout)
		}
	}
	return nil
}

// EventReader splits a decoded event stream at blank lines (CRLF, LF or
// CR), or into lines, never reading past the byte that completes one:
// bufio only returns what the decoder already produced.
type EventReader struct {
	r       *bufio.Reader
	afterCR bool // the last byte was CR: a following LF belongs to it
}

// NewEventReader reads events from r.
func NewEventReader(r io.Reader) *EventReader { return &EventReader{r: bufio.NewReader(r)} }

// Next returns the next event with its lines joined by LF.
func (e *EventReader) Next() (string, error) {
	var ev bytes.Buffer
	midLine := false
	for {
		c, skip, err := e.readByte(ev.Len() > 0)
		if err != nil {
			return "", err
		}
		switch {
		case skip:
		case c != '\r' && c != '\n':
			midLine = true
			ev.WriteByte(c)
		case midLine:
			midLine = false
			ev.WriteByte('\n')
		case ev.Len() > 0:
			return ev.String(), nil
		}
	}
}

// Line returns the next non-empty line (an NDJSON record).
func (e *EventReader) Line() (string, error) {
	var ln bytes.Buffer
	for {
		c, skip, err := e.readByte(ln.Len() > 0)
		if err != nil {
			return "", err
		}
		switch {
		case skip:
		case c != '\r' && c != '\n':
			ln.WriteByte(c)
		case ln.Len() > 0:
			return ln.String(), nil
		}
	}
}

// readByte returns the next byte, skip for the LF that completes a CRLF,
// and io.ErrUnexpectedEOF when the stream ends inside a record.
func (e *EventReader) readByte(inside bool) (c byte, skip bool, err error) {
	c, err = e.r.ReadByte()
	if err != nil {
		if err == io.EOF && inside {
			err = io.ErrUnexpectedEOF
		}
		return 0, false, err
	}
	if c == '\n' && e.afterCR {
		e.afterCR = false
		return c, true, nil
	}
	e.afterCR = c == '\r'
	return c, false, nil
}

// Rest is what follows the events read so far, for reading the remainder of
// a stream byte for byte.
func (e *EventReader) Rest() io.Reader { return e.r }
