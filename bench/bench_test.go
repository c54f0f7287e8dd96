// Package bench compares streamzip with other compression middlewares. It
// is its own module so that the competitors never enter streamzip's go.mod.
package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/streamzip/streamzip"
)

func jsonPayload(n int) []byte {
	type item struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	var items []item
	var b []byte
	for i := 0; len(b) < n; i++ {
		items = append(items, item{i, fmt.Sprintf("item %d", i)})
		b, _ = json.Marshal(items)
	}
	return b
}

// discardWriter is a ResponseWriter that throws the body away.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}
func (d *discardWriter) Flush()                      {}

// BenchmarkStreamzipJSON16K measures one 16 KiB JSON response through
// streamzip's gzip path.
func BenchmarkStreamzipJSON16K(b *testing.B) {
	body := jsonPayload(16 << 10)
	h := streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	w := &discardWriter{h: http.Header{}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
	_ = io.Discard
}
