// Command sse is the streamzip demo: an event stream and a JSON endpoint
// behind streamzip. Run it with `go run ./examples/sse` and open the URL it
// prints.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/streamzip/streamzip"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("/", page)
	mux.HandleFunc("/events", events)
	mux.HandleFunc("/api/items", items)
	fmt.Printf("streamzip demo on http://%s/\n", *addr)
	log.Fatal(http.ListenAndServe(*addr, streamzip.Middleware(mux)))
}

func page(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, `<!doctype html><title>streamzip demo</title>
<h1>streamzip: events arrive one by one</h1><pre id="log"></pre>
<script>
const t0 = performance.now(), log = document.getElementById("log");
new EventSource("/events").onmessage = e =>
  log.textContent += ((performance.now()-t0)/1000).toFixed(2) + "s  " + e.data + "\n";
</script>`)
}

// events streams a token every 200 ms; the handler never calls Flush, and
// each event still reaches the browser at once.
func events(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	for i, tok := range strings.Fields("streamzip flushes every event boundary so nothing waits in a compressor") {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
		fmt.Fprintf(w, "id: %d\ndata: %s\n\n", i, tok)
	}
}

func items(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, "[")
	for i := 0; i < 500; i++ {
		if i > 0 {
			fmt.Fprint(w, ",")
		}
		fmt.Fprintf(w, `{"id":%d,"name":"item %d"}`, i, i)
	}
	fmt.Fprint(w, "]")
}
