package e2e

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/streamzip/streamzip/examples/sse/demo"
)

// demoColumn is what the demo page recorded for one column (window.demoState).
type demoColumn struct {
	Arrivals []float64 `json:"arrivals"` // ms since the page opened its streams
	IDs      []int     `json:"ids"`
	Done     bool      `json:"done"`
	Error    string    `json:"error"`
	Text     string    `json:"text"`
}

type demoWire struct {
	Encoding string `json:"encoding"`
	Events   []struct {
		K     int   `json:"k"`
		Plain int   `json:"plain"`
		Wire  int64 `json:"wire"`
	} `json:"events"`
	Tail int64 `json:"tail"`
	Done bool  `json:"done"`
}

type demoPageState struct {
	Done    bool                  `json:"done"`
	Columns map[string]demoColumn `json:"columns"`
	Wire    map[string]demoWire   `json:"wire"`
	Items   *struct {
		Encoding string `json:"encoding"`
		Plain    int    `json:"plain"`
		Wire     int    `json:"wire"`
	} `json:"items"`
}

// TestDemoInChromium opens `go run ./examples/sse`'s page in Chromium and
// checks, from what the page itself recorded, that the streamzip columns
// (and the one without middleware) drew every token while the handlers
// were still running, and that the naive gzip column drew nothing until
// its handler returned.
//
// No timing decides it: every stream runs at the demo's pace but stops
// before its last event ("[DONE]") until the test lets it go. By then a
// streaming column has all its tokens and the buffering one has none;
// afterwards the buffering column's events all arrive after the release.
// The page is screenshotted at both moments into the test's temp dir
// (and copied to $DEMO_SCREENSHOT_DIR when set, to look at them).
func TestDemoInChromium(t *testing.T) {
	bin := requireTool(t, "apt-get install chromium", "chromium", "chromium-browser")
	browser := startChromium(t, bin)

	tokens := demo.DefaultTokens()
	gate := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)
	h, err := demo.New(demo.Config{Step: func(ctx context.Context, _ string, k int) error {
		select { // the demo's own pace, so the screenshots show the demo
		case <-time.After(demo.DefaultInterval):
		case <-ctx.Done():
			return ctx.Err()
		}
		if k < len(tokens) {
			return nil
		}
		select { // hold "[DONE]" until the test has looked
		case <-gate:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(browser, 2*time.Minute)
	defer cancel()
	tab, closeTab := chromedp.NewContext(ctx)
	defer closeTab()
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}

	streaming := []string{demo.StackPlain, demo.StackBypass, demo.StackGzip, demo.StackBr}
	// Every streaming column has every token while "[DONE]" is held.
	state := waitPage(t, tab, "every token in the streaming columns", func(s demoPageState) bool {
		for _, name := range streaming {
			if len(s.Columns[name].Arrivals) < len(tokens) {
				return false
			}
		}
		return true
	})
	if n := len(state.Columns[demo.StackNaive].Arrivals); n != 0 {
		t.Errorf("naive gzip column drew %d events while its handler was still running; want 0 (it buffers)", n)
	}
	screenshot(t, tab, "demo-streaming.png")
	releasedAt, err := chromedp.Run(tab, chromedp.Evaluate[float64](`performance.now() - demoState.startedAt`))
	if err != nil {
		t.Fatal(err)
	}
	release()

	state = waitPage(t, tab, "every stream done", func(s demoPageState) bool { return s.Done })
	screenshot(t, tab, "demo.png")

	for _, name := range append(streaming, demo.StackNaive) {
		c := state.Columns[name]
		if c.Error != "" || !c.Done || len(c.Arrivals) != len(tokens)+1 {
			t.Errorf("%s: done=%v error=%q, %d events; want %d", name, c.Done, c.Error, len(c.Arrivals), len(tokens)+1)
			continue
		}
		for i, id := range c.IDs {
			if id != i {
				t.Errorf("%s: event %d has id %d", name, i, id)
				break
			}
		}
		t.Logf("%-7s first event at %6.0f ms, last token at %6.0f ms (release at %.0f ms), encoding %s",
			name, c.Arrivals[0], c.Arrivals[len(tokens)-1], releasedAt, state.Wire[name].Encoding)
	}
	for _, a := range state.Columns[demo.StackNaive].Arrivals {
		if a < releasedAt {
			t.Errorf("naive gzip column: an event arrived at %.0f ms, before the handler was released at %.0f ms", a, releasedAt)
			break
		}
	}

	wantEncoding := map[string]string{
		demo.StackPlain: "identity", demo.StackNaive: "gzip", demo.StackBypass: "identity",
		demo.StackGzip: "gzip", demo.StackBr: "br",
	}
	for name, want := range wantEncoding {
		w := state.Wire[name]
		if w.Encoding != want || !w.Done || len(w.Events) != len(tokens)+1 {
			t.Errorf("%s: /api/wire says encoding %q, done=%v, %d events; want %q, true, %d", name, w.Encoding, w.Done, len(w.Events), want, len(tokens)+1)
		}
	}
	// A streaming column puts every event on the wire as it is written; the
	// buffering one puts (almost) nothing until the end.
	for _, name := range streaming {
		for _, e := range state.Wire[name].Events {
			if e.Wire == 0 {
				t.Errorf("%s: event %d had 0 bytes on the wire when written", name, e.K)
				break
			}
		}
	}
	if naive := state.Wire[demo.StackNaive]; naive.Tail < int64(len(tokens)) {
		t.Errorf("naive gzip column: %d bytes at the end; want the whole stream", naive.Tail)
	}
	if it := state.Items; it == nil || it.Encoding == "identity" || it.Wire <= 0 || it.Wire >= it.Plain {
		t.Errorf("/api/items as the page saw it: %+v; want a compressed body smaller than the JSON", it)
	} else {
		t.Logf("/api/items: %d bytes of JSON, %d on the wire (%s)", it.Plain, it.Wire, it.Encoding)
	}
}

// waitPage polls window.demoState until cond holds; the bound is liveness,
// not a measurement.
func waitPage(t *testing.T, tab context.Context, what string, cond func(demoPageState) bool) demoPageState {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		s, err := chromedp.Run(tab, chromedp.Evaluate[demoPageState](`window.demoState || {}`))
		if err == nil && cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v; page state: %+v", what, err, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// screenshot saves the page as name in the test's temp dir, and in
// $DEMO_SCREENSHOT_DIR when set.
func screenshot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{t.TempDir()}
	if d := os.Getenv("DEMO_SCREENSHOT_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		path := filepath.Join(d, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s (%d bytes)", path, len(png))
	}
}
