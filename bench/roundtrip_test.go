package bench

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestPlainRoundTrip checks that every contender's output decodes to the
// handler's body for every workload, so no benchmark measures a broken
// response.
func TestPlainRoundTrip(t *testing.T) {
	for _, wl := range workloads() {
		for _, c := range plainContenders() {
			t.Run(wl.name+"/"+c.name, func(t *testing.T) {
				var got bytes.Buffer
				var ce string
				w := newWire()
				w.onHeader = func(h http.Header) { ce = h.Get("Content-Encoding") }
				w.sink = func(p []byte) { got.Write(p) }
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				req.Header.Set("Accept-Encoding", c.accept)
				c.wrap(wl.handler()).ServeHTTP(w, req)
				body, err := decodeAll(ce, got.Bytes())
				if err != nil {
					t.Fatalf("Content-Encoding %q: %v", ce, err)
				}
				if !bytes.Equal(body, wl.body) {
					t.Fatalf("decoded %d bytes, want the %d-byte body", len(body), len(wl.body))
				}
			})
		}
	}
}

// TestSSEDelivery streams the token events through every SSE contender,
// checks that the decoded stream is the one written, and logs how many
// events each holds back. streamzip must hold back none.
func TestSSEDelivery(t *testing.T) {
	events := sseTokenEvents(200)
	want := bytes.Join(events, nil)
	for _, c := range sseContenders() {
		t.Run(c.name, func(t *testing.T) {
			d, err := measureDelivery(c, events)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(d.body, want) {
				t.Fatalf("decoded %d bytes, want the %d-byte stream", len(d.body), len(want))
			}
			t.Logf("Content-Encoding %q, %d of %d events held back, %d wire bytes", d.coding, d.buffered, len(events), d.wire)
			if isStreamzip(c.name) && d.buffered != 0 {
				t.Errorf("streamzip held back %d events", d.buffered)
			}
		})
	}
}

func isStreamzip(name string) bool { return len(name) >= 9 && name[:9] == "streamzip" }

// TestDeliveryDetectsBuffering is the control for measureDelivery: a gzip
// writer that ignores Flush must be caught holding events back.
func TestDeliveryDetectsBuffering(t *testing.T) {
	events := sseTokenEvents(200)
	noFlush := contender{name: "gzip-ignoring-flush", accept: "gzip", wrap: func(next http.Handler) http.Handler {
		return bareGzip(gzipLevel)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(struct{ http.ResponseWriter }{w}, r) // hides Flush
		}))
	}}
	d, err := measureDelivery(noFlush, events)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.body, bytes.Join(events, nil)) {
		t.Fatal("control stream does not decode to its events")
	}
	if d.buffered < len(events)/2 {
		t.Fatalf("only %d of %d events detected as held back by a writer that never flushes", d.buffered, len(events))
	}
}
