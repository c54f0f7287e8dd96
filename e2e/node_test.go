package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestNode runs the lockstep stream in Node: the npm eventsource package
// and the built-in fetch reading the body stream. Node 20's fetch does not
// decode zstd and does not offer it, so a server that has only zstd must
// answer it with identity.
func TestNode(t *testing.T) {
	node := requireTool(t, "Node.js 20 or later", "node")
	if _, err := os.Stat(filepath.Join("node_modules", "eventsource", "package.json")); err != nil {
		missing(t, "e2e/node_modules has no eventsource package (run npm ci in e2e/): %v", err)
	}
	setups := append(append(streamzipSetups(t), releasingSetups(t)...), zstdOnlySetup(t))
	for _, script := range []string{"eventsource", "fetch"} {
		for _, s := range setups {
			t.Run(script+"/"+s.name, func(t *testing.T) {
				c := newStreamCase(s, stepOK)
				res, err := runNode(t, node, script, c)
				got := c.rec.get()
				checkExchange(t, s, got)
				res.check(t, got)
				if err != nil {
					t.Fatalf("lockstep: %v", err)
				}
				if s.wantEncoding("gzip") != "" && got.ContentEncoding == "" {
					t.Errorf("Node advertised %q, yet the stream was not compressed: the check proves nothing about compressed streams", got.AcceptEncoding)
				}
			})
		}
		t.Run(script+"/control-naive-gzip", func(t *testing.T) {
			c := newStreamCase(naiveSetup, stepControl)
			res, err := runNode(t, node, script, c)
			got := c.rec.get()
			checkExchange(t, naiveSetup, got)
			res.check(t, got)
			if !errors.Is(err, errHeldBack) {
				t.Fatalf("lockstep through a buffering gzip middleware: %v; want the events held back — the check cannot see buffering", err)
			}
			t.Logf("buffering middleware detected as expected: %v", err)
		})
	}
}

// nodeResult is what a Node client printed.
type nodeResult struct {
	mu      sync.Mutex
	headers struct {
		Status          int    `json:"status"`
		ContentEncoding string `json:"contentEncoding"`
	}
	sawHeaders bool
	bad        []string
}

// check asserts the client saw the coding the server sent and decoded
// every event it reported to what the server wrote.
func (r *nodeResult) check(t *testing.T, server snapshot) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.bad {
		t.Errorf("Node client: %s", b)
	}
	if !r.sawHeaders {
		t.Errorf("the Node client printed no HEADERS line")
	} else if r.headers.ContentEncoding != server.ContentEncoding {
		t.Errorf("Node saw Content-Encoding %q, the server sent %q", r.headers.ContentEncoding, server.ContentEncoding)
	}
}

// runNode serves c's stream and runs node/<script>.mjs against it; each
// EVENT line the script prints acks that event. It returns the handler's
// outcome.
func runNode(t *testing.T, node, script string, c *streamCase) (*nodeResult, error) {
	t.Helper()
	url := startServer(t, plainHTTP, c.handler(nil)) + "/events"
	p := startClient(t, "", node, filepath.Join("node", script+".mjs"), url,
		strconv.Itoa(c.step.events), strconv.Itoa(padBytes))
	res := &nodeResult{}
	go func() {
		sc := bufio.NewScanner(p.stdout)
		for sc.Scan() {
			line := sc.Text()
			kind, rest, _ := strings.Cut(line, " ")
			switch kind {
			case "EVENT":
				if k, err := strconv.Atoi(rest); err == nil {
					c.step.ack(k)
				}
			case "HEADERS": // the stream's; a later one is EventSource's reconnection
				res.mu.Lock()
				if !res.sawHeaders && json.Unmarshal([]byte(rest), &res.headers) == nil {
					res.sawHeaders = true
				}
				res.mu.Unlock()
			default:
				res.mu.Lock()
				res.bad = append(res.bad, line)
				res.mu.Unlock()
			}
		}
	}()
	err := c.step.result()
	if stderr := p.stop(); stderr != "" && err != nil {
		t.Logf("node %s stderr: %s", script, stderr)
	}
	return res, err
}
