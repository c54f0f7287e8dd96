package e2e

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCurl runs the lockstep stream through `curl -N --compressed`: curl
// decodes each event and prints it as it arrives, and the test acks what
// it reads from curl's stdout. Over HTTP/1.1 and HTTP/2 (TLS), with curl's
// own Accept-Encoding and with br or zstd alone.
func TestCurl(t *testing.T) {
	curl := requireTool(t, "apt-get install curl", "curl")
	type scenario struct {
		name   string
		setup  setup
		accept string // replaces curl's Accept-Encoding unless empty
	}
	var scenarios []scenario
	for _, s := range append(streamzipSetups(t), releasingSetups(t)...) {
		scenarios = append(scenarios, scenario{s.name + "/default", s, ""})
	}
	compress := streamzipSetups(t)[1]
	for _, only := range []string{"br", "zstd"} {
		scenarios = append(scenarios, scenario{compress.name + "/only-" + only, compress, only})
	}
	for _, tr := range []transport{plainHTTP, tlsHTTP2} {
		for _, sc := range scenarios {
			t.Run(string(tr)+"/"+sc.name, func(t *testing.T) {
				c := newStreamCase(sc.setup, stepOK)
				clientCE, err := runCurl(t, curl, tr, c, sc.accept)
				got := c.rec.get()
				checkExchange(t, sc.setup, got)
				checkProto(t, tr, got)
				if clientCE != got.ContentEncoding {
					t.Errorf("curl saw Content-Encoding %q, the server sent %q", clientCE, got.ContentEncoding)
				}
				if err != nil {
					t.Fatalf("lockstep: %v", err)
				}
				if sc.accept == "" && sc.setup.streamCodings != nil && got.ContentEncoding == "" {
					t.Errorf("curl advertised %q, yet the stream was not compressed", got.AcceptEncoding)
				}
			})
		}
		t.Run(string(tr)+"/control-naive-gzip", func(t *testing.T) {
			c := newStreamCase(naiveSetup, stepControl)
			_, err := runCurl(t, curl, tr, c, "")
			checkExchange(t, naiveSetup, c.rec.get())
			if !errors.Is(err, errHeldBack) {
				t.Fatalf("lockstep through a buffering gzip middleware: %v; want the events held back — the check cannot see buffering", err)
			}
			t.Logf("buffering middleware detected as expected: %v", err)
		})
	}
}

// runCurl serves c's stream over tr and runs curl against it, acking each
// event curl prints. It returns the Content-Encoding curl received and the
// handler's outcome.
func runCurl(t *testing.T, curl string, tr transport, c *streamCase, accept string) (string, error) {
	t.Helper()
	url := startServer(t, tr, c.handler(nil)) + "/events"
	headers := filepath.Join(t.TempDir(), "headers")
	args := []string{"--silent", "--show-error", "--no-buffer", "--compressed", "--dump-header", headers}
	if tr == tlsHTTP2 {
		args = append(args, "--http2", "--insecure")
	}
	if accept != "" {
		args = append(args, "--header", "Accept-Encoding: "+accept)
	}
	p := startClient(t, "", curl, append(args, url)...)
	read := make(chan error, 1)
	go func() {
		_, err := ackEvents(p.stdout, c.step)
		read <- err
	}()
	err := c.step.result()
	stderr := p.stop()
	if err != nil {
		t.Logf("curl stderr: %s; reader: %v", stderr, <-read)
	}
	return headerValue(t, headers, "Content-Encoding"), err
}

// headerValue returns the named field from a --dump-header file.
func headerValue(t *testing.T, path, name string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Errorf("curl wrote no headers: %v", err)
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
