package streamzip_test

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/streamzip/streamzip"
)

// fetch sends a GET with Accept-Encoding and prints what a client sees:
// the coding and the decoded body's first line. The examples use it to
// show their output; in a program the browser or client does this.
func fetch(url, acceptEncoding string) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept-Encoding", acceptEncoding)
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var body io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		if body, err = gzip.NewReader(resp.Body); err != nil {
			log.Fatal(err)
		}
	}
	first, _ := bufio.NewReader(body).ReadString('\n')
	fmt.Printf("Content-Encoding: %q, Vary: %q, first line: %q\n",
		resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"), strings.TrimSpace(first))
}

// jsonItems is a JSON body large enough to be worth compressing.
var jsonItems = "[\n" + strings.Repeat(`{"id":1,"name":"item","tags":["a","b"]},`+"\n", 100) + "{}]\n"

// Middleware wraps a Go 1.22 ServeMux with the defaults: ordinary
// responses are compressed as the client prefers, event streams pass
// through and are flushed per event.
func ExampleMiddleware() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/items", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, jsonItems)
	})
	srv := httptest.NewServer(streamzip.Middleware(mux)) // in a program: http.ListenAndServe(addr, streamzip.Middleware(mux))
	defer srv.Close()

	fetch(srv.URL+"/api/items", "gzip")
	fetch(srv.URL+"/api/items", "")
	// Output:
	// Content-Encoding: "gzip", Vary: "Accept-Encoding", first line: "["
	// Content-Encoding: "", Vary: "Accept-Encoding", first line: "["
}

// New takes options; a bad one is an error here, never a panic at
// request time.
func ExampleNew() {
	mw, err := streamzip.New(
		streamzip.WithEncodings("gzip"),
		streamzip.WithGzipLevel(6),
		streamzip.WithMinSize(256),
		streamzip.WithExceptContentTypes("application/pdf"),
	)
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, jsonItems)
	})))
	defer srv.Close()
	fetch(srv.URL, "br, gzip")

	_, err = streamzip.New(streamzip.WithGzipLevel(42), streamzip.WithMinSize(-1))
	fmt.Println(err)
	// Output:
	// Content-Encoding: "gzip", Vary: "Accept-Encoding", first line: "["
	// streamzip: gzip level 42 out of range [-2, 9]
	// streamzip: min size -1 out of range [0, 1048576]
}

// Compress has the signature of chi's middleware.Compress, so moving from
// chi's is a one-line change: r.Use(streamzip.Compress(5)) in a chi router,
// or around any http.Handler as here. Types are an allowlist, as in chi.
func ExampleCompress() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /report.csv", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		io.WriteString(w, "id,name\n"+strings.Repeat("1,item\n", 400))
	})
	srv := httptest.NewServer(streamzip.Compress(5, "text/csv", "application/json")(mux))
	defer srv.Close()
	fetch(srv.URL+"/report.csv", "gzip")
	// Output:
	// Content-Encoding: "gzip", Vary: "Accept-Encoding", first line: "id,name"
}

// An SSE handler that writes events and never flushes still streams: the
// middleware flushes at every blank line. The client reads each event as
// it comes, long before the handler returns.
func ExampleMiddleware_eventStream() {
	next := make(chan struct{})
	h := streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 1; i <= 3; i++ {
			fmt.Fprintf(w, "data: token %d\n\n", i) // no Flush
			<-next                                  // wait until the client printed it
		}
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip, br")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	fmt.Printf("Content-Encoding: %q, X-Accel-Buffering: %q\n", resp.Header.Get("Content-Encoding"), resp.Header.Get("X-Accel-Buffering"))
	lines := bufio.NewReader(resp.Body)
	for range 3 {
		line, _ := lines.ReadString('\n')
		lines.ReadString('\n') // the blank line that ends the event
		fmt.Print(line)
		next <- struct{}{}
	}
	// Output:
	// Content-Encoding: "", X-Accel-Buffering: "no"
	// data: token 1
	// data: token 2
	// data: token 3
}

// CompressEventStreams compresses event streams too, one compressor flush
// per event, so each event is decodable as soon as it arrives. An idle
// stream gives its compressor back after WithReleaseAfter.
func ExampleWithEventStreams() {
	mw, err := streamzip.New(
		streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithReleaseAfter(2*time.Second),
	)
	if err != nil {
		log.Fatal(err)
	}
	next := make(chan struct{})
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 1; i <= 2; i++ {
			fmt.Fprintf(w, "data: token %d\n\n", i)
			<-next
		}
	})))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	fmt.Printf("Content-Encoding: %q\n", resp.Header.Get("Content-Encoding"))
	zr, err := gzip.NewReader(resp.Body) // reads the header, which the first flush sent
	if err != nil {
		log.Fatal(err)
	}
	lines := bufio.NewReader(zr)
	for range 2 {
		line, _ := lines.ReadString('\n')
		lines.ReadString('\n')
		fmt.Print(line)
		next <- struct{}{}
	}
	// Output:
	// Content-Encoding: "gzip"
	// data: token 1
	// data: token 2
}

// WithFilter turns compression off for some routes without a second
// middleware: here /downloads/, whose files are served as they are.
func ExampleWithFilter() {
	mw, err := streamzip.New(streamzip.WithFilter(func(r *http.Request) bool {
		return !strings.HasPrefix(r.URL.Path, "/downloads/")
	}))
	if err != nil {
		log.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, strings.Repeat("same text\n", 200))
	})
	srv := httptest.NewServer(mw(h))
	defer srv.Close()
	fetch(srv.URL+"/downloads/notes.txt", "gzip")
	fetch(srv.URL+"/notes.txt", "gzip")
	// Output:
	// Content-Encoding: "", Vary: "", first line: "same text"
	// Content-Encoding: "gzip", Vary: "Accept-Encoding", first line: "same text"
}

// WithRandomJitter pads gzip responses by a length that depends on their
// content, against BREACH-style length attacks, on routes that mix a secret
// with reflected input. The padding is a gzip header comment, which every
// decoder skips.
func ExampleWithRandomJitter() {
	mw, err := streamzip.New(streamzip.WithRandomJitter(256), streamzip.WithJitterWindow(32<<10))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<form>"+strings.Repeat("<input name=csrf value=secret>\n", 100)+"</form>\n")
	})))
	defer srv.Close()
	fetch(srv.URL, "gzip, br") // jitter pads gzip only, so gzip is chosen
	// Output:
	// Content-Encoding: "gzip", Vary: "Accept-Encoding", first line: "<form><input name=csrf value=secret>"
}
