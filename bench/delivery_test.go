package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/streamzip/streamzip/internal/decoding"
)

// newDecoder returns a reader that decodes the content coding ce from r.
func newDecoder(ce string, r io.Reader) (io.Reader, error) {
	return decoding.NewReader(ce, r)
}

// decodeAll decodes a whole body sent with Content-Encoding ce.
func decodeAll(ce string, body []byte) ([]byte, error) {
	if ce == "" {
		return body, nil
	}
	r, err := newDecoder(ce, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// liveDecoder decodes a body as it arrives, the way a browser does: it is
// fed chunk by chunk and tells when it has decoded all it can from what it
// was given, so the caller can see exactly which events a client could
// read at that moment — without timing anything.
type liveDecoder struct {
	in     chan []byte
	hungry chan struct{} // one signal per time the decoder runs out of input
	done   chan error
	out    bytes.Buffer // written by the decoding goroutine only
	err    error
	ended  bool
}

func startLiveDecoder(ce string) *liveDecoder {
	d := &liveDecoder{in: make(chan []byte), hungry: make(chan struct{}, 1), done: make(chan error, 1)}
	go func() {
		r, err := newDecoder(ce, &feeder{d: d})
		if err == nil {
			_, err = io.Copy(&d.out, r)
		}
		d.done <- err
	}()
	d.wait()
	return d
}

// feed hands p to the decoder and returns once it has decoded all it can.
func (d *liveDecoder) feed(p []byte) {
	if d.ended || len(p) == 0 {
		return
	}
	select {
	case d.in <- p:
		d.wait()
	case d.err = <-d.done:
		d.ended = true
	}
}

func (d *liveDecoder) wait() {
	select {
	case <-d.hungry:
	case d.err = <-d.done:
		d.ended = true
	}
}

// close ends the input and returns the decoding error, if any.
func (d *liveDecoder) close() error {
	if !d.ended {
		close(d.in)
		d.err = <-d.done
		d.ended = true
	}
	return d.err
}

// feeder is the decoder's input: when it has nothing left it signals
// hungry, then blocks for the next chunk.
type feeder struct {
	d       *liveDecoder
	pending []byte
	eof     bool
}

func (f *feeder) Read(p []byte) (int, error) {
	for len(f.pending) == 0 {
		if f.eof {
			return 0, io.EOF
		}
		f.d.hungry <- struct{}{}
		chunk, ok := <-f.d.in
		if !ok {
			f.eof = true
			return 0, io.EOF
		}
		f.pending = chunk
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}

// delivery is what a client received of an event stream.
type delivery struct {
	coding   string // Content-Encoding ("" for identity)
	buffered int    // events a client could not decode right after their Flush
	body     []byte // the whole decoded body
	wire     int64  // body bytes on the wire
}

// sseHandler writes events as an SSE stream, calling Flush after each, and
// afterFlush(k) (if not nil) once event k has been flushed.
func sseHandler(events [][]byte, afterFlush func(k int)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		f, _ := w.(http.Flusher)
		for k, ev := range events {
			_, _ = w.Write(ev)
			if f != nil {
				f.Flush()
			}
			if afterFlush != nil {
				afterFlush(k)
			}
		}
	})
}

// measureDelivery streams events through c and, after every Flush, decodes
// what reached the wire so far: an event that cannot be decoded then is
// counted as buffered (held by the middleware or its compressor).
func measureDelivery(c contender, events [][]byte) (delivery, error) {
	var (
		d        delivery
		dec      *liveDecoder
		identity bytes.Buffer
		pending  [][]byte
		plain    int
	)
	w := newWire()
	w.onHeader = func(h http.Header) { d.coding = h.Get("Content-Encoding") }
	w.sink = func(p []byte) { pending = append(pending, bytes.Clone(p)) }
	sync := func() int {
		if w.status == 0 {
			return 0
		}
		for _, p := range pending {
			if d.coding == "" {
				identity.Write(p)
				continue
			}
			if dec == nil {
				dec = startLiveDecoder(d.coding)
			}
			dec.feed(p)
		}
		pending = pending[:0]
		if dec != nil {
			return dec.out.Len()
		}
		return identity.Len()
	}
	h := c.wrap(sseHandler(events, func(k int) {
		plain += len(events[k])
		if sync() < plain {
			d.buffered++
		}
	}))
	req := httptest.NewRequest(http.MethodGet, "/v1/chat/completions", nil)
	req.Header.Set("Accept-Encoding", c.accept)
	h.ServeHTTP(w, req)
	sync()
	d.wire = w.bytes
	d.body = identity.Bytes()
	if dec != nil {
		err := dec.close()
		d.body = dec.out.Bytes()
		if err != nil && !errors.Is(err, io.EOF) {
			return d, fmt.Errorf("%s: decoding %s stream: %w", c.name, d.coding, err)
		}
	}
	return d, nil
}
