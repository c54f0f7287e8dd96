// Command sse is the streamzip demo. It serves a page that opens the same
// LLM-like token stream through five middleware stacks side by side — no
// middleware, a naive buffering gzip middleware, and streamzip bypassing,
// gzip-compressing and brotli-compressing the stream — and draws when each
// event arrived and what it cost on the wire.
//
//	go run ./examples/sse              # http://127.0.0.1:8080/
//	go run ./examples/sse -addr :9000  # another address
//
// Besides the page: /stream/{plain,naive,bypass,gzip,br} are the streams
// (try them with `go run ./cmd/sseprobe`), /api/items is an ordinary JSON
// response, compressed, and /api/wire?run=ID reports wire bytes per event.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/streamzip/streamzip/examples/sse/demo"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (host:port)")
	interval := flag.Duration("interval", demo.DefaultInterval, "pause before each token")
	flag.Parse()
	if err := run(*addr, *interval); err != nil {
		fmt.Fprintln(os.Stderr, "sse:", err)
		os.Exit(1)
	}
}

func run(addr string, interval time.Duration) error {
	h, err := demo.New(demo.Config{Interval: interval})
	if err != nil {
		return err
	}
	// Listen first, so the URL printed is one that already answers, and a
	// busy port is reported plainly.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("streamzip demo on %s\n", pageURL(ln.Addr().(*net.TCPAddr)))
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// pageURL is the address to open: a wildcard listen address is shown as
// 127.0.0.1, which is reachable from this machine.
func pageURL(a *net.TCPAddr) string {
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(a.Port)) + "/"
}
