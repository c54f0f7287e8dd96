package streamzip_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/streamzip/streamzip"
)

// A client reads a compressed event stream through Transport: it asks for
// zstd, br or gzip, and each event is decoded as soon as it arrives.
func ExampleTransport() {
	// A server that compresses its event streams per event.
	mw, err := streamzip.New(streamzip.WithEventStreams(streamzip.CompressEventStreams))
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			fmt.Fprintf(w, "data: event %d\n\n", i) // streamzip flushes each event
		}
	})))
	defer srv.Close()

	client := &http.Client{Transport: streamzip.Transport(nil)}
	resp, err := client.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	fmt.Printf("decoded: %v, Content-Encoding: %q\n", resp.Uncompressed, resp.Header.Get("Content-Encoding"))

	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if line := lines.Text(); line != "" {
			fmt.Println(line)
		}
	}
	if err := lines.Err(); err != nil {
		panic(err)
	}
	// Output:
	// decoded: true, Content-Encoding: ""
	// data: event 0
	// data: event 1
	// data: event 2
}
