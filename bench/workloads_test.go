package bench

import (
	"net/http"
	"sync"
)

// workload is one ordinary (non-streaming) response.
type workload struct {
	name        string
	contentType string
	body        []byte
}

// workloads are the plain responses every contender serves, generated once.
var workloads = sync.OnceValue(func() []workload {
	return []workload{
		{"json1k", "application/json", jsonPayload(1 << 10)},
		{"json16k", "application/json", jsonPayload(16 << 10)},
		{"json256k", "application/json", jsonPayload(256 << 10)},
		{"html", "text/html; charset=utf-8", htmlPage()},
		{"small", "application/json", jsonPayload(600)}, // below every min size
		{"png", "image/png", pngImage()},                // already compressed
	}
})

// handler writes the body in one Write, as json.Marshal-then-Write or a
// rendered template does.
func (wl workload) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", wl.contentType)
		_, _ = w.Write(wl.body)
	})
}

// passthrough reports whether every careful middleware should send wl
// unencoded; the bare encoders, which encode everything, are then left out.
func (wl workload) passthrough() bool { return wl.name == "small" || wl.name == "png" }
