package streamzip_test

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/streamzip/streamzip"
)

// Versioned bundles marked with Use-As-Dictionary: a client that stored v1
// gets v2 as dcz, compressed against v1.
func ExampleWithAssetDictionaries() {
	v1 := strings.Repeat("export function render(props) { return h('div', props); }\n", 200)
	v2 := strings.Replace(v1, "render", "paint", 1)
	mw, err := streamzip.New(streamzip.WithAssetDictionaries(8, 16<<20))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := v1
		if r.URL.Path == "/assets/app.v2.js" {
			body = v2
		}
		w.Header().Set("Content-Type", "text/javascript")
		w.Header().Set("Cache-Control", "public, max-age=31536000")
		if err := streamzip.SetUseAsDictionary(w.Header(), "/assets/app.*.js"); err != nil {
			log.Fatal(err)
		}
		io.WriteString(w, body)
	})))
	defer srv.Close()

	hash := sha256.Sum256([]byte(v1))
	for _, c := range []struct{ path, available string }{
		{"/assets/app.v1.js", ""}, // first visit: no dictionary yet
		{"/assets/app.v2.js", ":" + base64.StdEncoding.EncodeToString(hash[:]) + ":"}, // the client stored v1
	} {
		req, _ := http.NewRequest("GET", srv.URL+c.path, nil)
		req.Header.Set("Accept-Encoding", "gzip, br, zstd, dcb, dcz")
		if c.available != "" {
			req.Header.Set("Available-Dictionary", c.available)
		}
		resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
		if err != nil {
			log.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		fmt.Printf("%s: %s, Use-As-Dictionary: %s\n", c.path, resp.Header.Get("Content-Encoding"), resp.Header.Get("Use-As-Dictionary"))
	}
	// Output:
	// /assets/app.v1.js: zstd, Use-As-Dictionary: match="/assets/app.*.js"
	// /assets/app.v2.js: dcz, Use-As-Dictionary: match="/assets/app.*.js"
}

// A fixed dictionary, mounted by the application and advertised with Link,
// for the event streams it compresses.
func ExampleNewDictionary() {
	skeleton := []byte(`data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}}` + "\n\n")
	d, err := streamzip.NewDictionary(skeleton, "/v1/stream/*", "events-v1")
	if err != nil {
		log.Fatal(err)
	}
	mw, err := streamzip.New(streamzip.WithEventStreams(streamzip.CompressEventStreams), streamzip.WithDictionaries(d))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /dictionaries/events-v1", d)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", d.Link("/dictionaries/events-v1"))
		io.WriteString(w, "<!doctype html>…")
	})
	_ = mw(mux)
	fmt.Println(d.Link("/dictionaries/events-v1"))
	// Output:
	// </dictionaries/events-v1>; rel="compression-dictionary"
}
