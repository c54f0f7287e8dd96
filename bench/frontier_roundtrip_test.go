package bench

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestFrontierRoundTrip checks every frontier row: the response decodes to
// the corpus, it was sent with the coding the row names (the codec rows
// must not silently fall back to identity), and event streams hold back
// no event.
func TestFrontierRoundTrip(t *testing.T) {
	for _, c := range corpora() {
		for _, row := range frontierRows(c) {
			t.Run(c.name+"/"+row.name, func(t *testing.T) {
				if c.events != nil {
					d, err := measureDelivery(contender{name: row.name, accept: row.accept, wrap: row.wrap}, c.events)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(d.body, c.body) {
						t.Fatalf("decoded %d bytes, want the %d-byte stream", len(d.body), len(c.body))
					}
					if d.buffered != 0 {
						t.Errorf("%d events held back", d.buffered)
					}
					checkRowCoding(t, row, d.coding)
					return
				}
				var got bytes.Buffer
				var ce string
				w := newWire()
				w.onHeader = func(h http.Header) { ce = h.Get("Content-Encoding") }
				w.sink = func(p []byte) { got.Write(p) }
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				req.Header.Set("Accept-Encoding", row.accept)
				row.wrap(c.handler()).ServeHTTP(w, req)
				body, err := decodeAll(ce, got.Bytes())
				if err != nil {
					t.Fatalf("Content-Encoding %q: %v", ce, err)
				}
				if !bytes.Equal(body, c.body) {
					t.Fatalf("decoded %d bytes, want the %d-byte body", len(body), len(c.body))
				}
				checkRowCoding(t, row, ce)
			})
		}
	}
}

// checkRowCoding: a codec row ("sz-br-4", "bare-gzip-5") must be sent with
// its coding; a default row logs what it sent.
func checkRowCoding(t *testing.T, row frontierRow, ce string) {
	t.Helper()
	if cd := rowCoding(row.name); cd != "" {
		if ce != cd {
			t.Errorf("sent with Content-Encoding %q, want %q", ce, cd)
		}
		return
	}
	t.Logf("Accept-Encoding %q → Content-Encoding %q", row.accept, ce)
}

// rowCoding returns the coding a codec row is named for, "" for other rows.
func rowCoding(name string) string {
	for _, p := range []string{"sz-", "bare-"} {
		if len(name) > len(p) && name[:len(p)] == p {
			rest := name[len(p):]
			for _, cd := range []string{"gzip", "br", "zstd"} {
				if len(rest) > len(cd) && rest[:len(cd)+1] == cd+"-" {
					return cd
				}
			}
		}
	}
	return ""
}

// TestCorporaShapes pins the corpora's sizes, so a change to a generator
// that would move every figure is seen, and logs each one's gzip ratio.
func TestCorporaShapes(t *testing.T) {
	want := map[string][2]int{ // min, max bytes
		"json1k": {1 << 10, 2 << 10}, "json16k": {16 << 10, 18 << 10}, "json256k": {256 << 10, 258 << 10},
		"html": {24 << 10, 32 << 10}, "js": {200 << 10, 202 << 10}, "css": {48 << 10, 49 << 10},
		"svg": {24 << 10, 26 << 10}, "sse": {40 << 10, 64 << 10},
	}
	for _, c := range corpora() {
		lim, ok := want[c.name]
		if !ok {
			t.Errorf("%s: no expected size", c.name)
			continue
		}
		if len(c.body) < lim[0] || len(c.body) > lim[1] {
			t.Errorf("%s: %d bytes, want %d to %d", c.name, len(c.body), lim[0], lim[1])
		}
		w := newWire()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		bareGzip(5)(c.handler()).ServeHTTP(w, req)
		t.Logf("%s: %d bytes, gzip 5 ratio %.2f", c.name, len(c.body), float64(len(c.body))/float64(w.bytes))
	}
}
