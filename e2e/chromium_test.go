package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// chromiumPage opens an EventSource on /events, checks each event, and
// reports it to the Go test through window.ack (a chromedp binding) from
// onmessage, so the server writes the next event only once the browser
// fired onmessage for this one.
const chromiumPage = `<!doctype html>
<meta charset="utf-8"><title>streamzip e2e</title>
<script>
window.log = [];
const n = %d, padLen = %d;
const es = new EventSource("/events");
es.onmessage = (e) => {
  let d;
  try { d = JSON.parse(e.data); } catch (err) { log.push("bad JSON: " + err); return; }
  if (String(d.k) !== e.lastEventId || typeof d.pad !== "string" || d.pad.length !== padLen) {
    log.push("bad event " + e.lastEventId); return;
  }
  log.push("event " + d.k);
  // Close after the last ack is in, so the server never sees the stream
  // end before the ack (EventSource would reconnect if it stayed open).
  window.ack(d.k).then(() => { if (d.k === n - 1) es.close(); },
                       (err) => log.push("ack: " + err));
};
es.onerror = () => log.push("error, readyState " + es.readyState);
</script>`

// TestChromium runs the lockstep stream in Debian's chromium over plain
// HTTP/1.1 and HTTP/2 over TLS, with the browser's own Accept-Encoding and
// with its codings narrowed to br, zstd or deflate alone, so every coding
// streamzip has is decoded by a real browser event by event.
func TestChromium(t *testing.T) {
	bin := requireTool(t, "apt-get install chromium", "chromium", "chromium-browser")
	browser := startChromium(t, bin)

	type scenario struct {
		name   string
		setup  setup
		accept string // replaces the browser's Accept-Encoding unless empty
	}
	var scenarios []scenario
	for _, s := range append(streamzipSetups(t), releasingSetups(t)...) {
		scenarios = append(scenarios, scenario{s.name + "/default", s, ""})
	}
	compress := streamzipSetups(t)[1]
	for _, only := range []string{"br", "zstd", "deflate"} {
		scenarios = append(scenarios, scenario{compress.name + "/only-" + only, compress, only})
	}

	for _, tr := range []transport{plainHTTP, tlsHTTP2} {
		for _, sc := range scenarios {
			t.Run(string(tr)+"/"+sc.name, func(t *testing.T) {
				c := newStreamCase(sc.setup, stepOK)
				err := runChromium(t, browser, tr, c, sc.accept)
				got := c.rec.get()
				checkExchange(t, sc.setup, got)
				checkProto(t, tr, got)
				if err != nil {
					t.Fatalf("lockstep: %v", err)
				}
				if sc.accept == "" && sc.setup.streamCodings != nil && got.ContentEncoding == "" {
					t.Errorf("Chromium advertised %q, yet the stream was not compressed: the check proves nothing about compressed streams", got.AcceptEncoding)
				}
			})
		}
		t.Run(string(tr)+"/control-naive-gzip", func(t *testing.T) {
			c := newStreamCase(naiveSetup, stepControl)
			err := runChromium(t, browser, tr, c, "")
			got := c.rec.get()
			checkExchange(t, naiveSetup, got)
			if !errors.Is(err, errHeldBack) {
				t.Fatalf("lockstep through a buffering gzip middleware: %v; want the events held back — the check cannot see buffering", err)
			}
			t.Logf("buffering middleware detected as expected: %v", err)
		})
	}
}

// startChromium starts one headless browser for the whole test, with a
// fresh profile, and returns its context; each case opens its own tab.
func startChromium(t *testing.T, bin string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.IgnoreCertErrors, // the HTTP/2 server's certificate is self-signed
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	// The first action starts the browser, whose lifetime is the context
	// it runs in: it must be bctx itself, not a shorter-lived child.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	return bctx
}

// runChromium serves the page and c's stream over tr, opens the page in a
// new tab (replacing the browser's Accept-Encoding by accept unless
// empty) and
// returns the stream handler's outcome. On failure it logs what the page
// saw.
func runChromium(t *testing.T, browser context.Context, tr transport, c *streamCase, accept string) error {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintf(w, chromiumPage, c.step.events, padBytes)
	})
	mux.Handle("/events", c.handler(nil))
	url := startServer(t, tr, mux)

	limited, cancel := context.WithTimeout(browser, 2*time.Minute)
	defer cancel()
	tab, closeTab := chromedp.NewContext(limited)
	defer closeTab()
	if _, err := chromedp.Call(tab, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("Network.enable: %v", err)
	}
	if accept != "" {
		headers := network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Encoding": accept}}
		if _, err := chromedp.Call(tab, network.SetExtraHTTPHeaders, headers); err != nil {
			t.Fatalf("Network.setExtraHTTPHeaders(Accept-Encoding: %s): %v", accept, err)
		}
	}
	ack := func(_ context.Context, k int) (chromedp.Void, error) {
		c.step.ack(k)
		return chromedp.Void{}, nil
	}
	if err := chromedp.Do(tab,
		chromedp.ExposeFunc("ack", ack),
		chromedp.Navigate(url+"/"),
	); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	err := c.step.result()
	if err != nil {
		pageLog, lerr := chromedp.Run(tab, chromedp.Evaluate[[]string]("window.log"))
		t.Logf("page log: %s (%v)", strings.Join(pageLog, "; "), lerr)
	}
	return err
}

// checkProto asserts the browser used the protocol the transport stands
// for: HTTP/2 over TLS, HTTP/1.1 in the clear.
func checkProto(t *testing.T, tr transport, got snapshot) {
	t.Helper()
	want := "HTTP/1.1"
	if tr == tlsHTTP2 {
		want = "HTTP/2.0"
	}
	if got.Proto != want {
		t.Errorf("protocol %s, want %s", got.Proto, want)
	}
}
