package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"github.com/streamzip/streamzip/internal/testkit"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/streamzip/streamzip"
)

// RFC 9842 in a real browser: Chromium stores a dictionary from a response
// with Use-As-Dictionary, sends its hash in Available-Dictionary on later
// matching requests, and decodes dcz. Each case runs in a fresh browser
// profile, so no dictionary survives from one case to the next.

const dictEvents = 12

// dictTokens are the words of the token stream.
var dictTokens = strings.Fields("The quick brown fox jumps over the lazy dog while streaming tokens arrive one by one")

// dictEvent is event k of the token stream, in the shape of an LLM API's
// server-sent events.
func dictEvent(k int) string {
	return fmt.Sprintf("id: %d\nevent: token\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"%s \"}}\n\n", k, dictTokens[k%len(dictTokens)])
}

// dictEventsDictionary is the skeleton of those events, the stream
// dictionary a server ships.
const dictEventsDictionary = "id: \nevent: token\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" \"}}\n\n" +
	"event: message_start\ndata: {\"type\":\"message_start\"}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"

// dictBundle is the shared test bundle (internal/testkit).
var dictBundle = testkit.Bundle

// seenRequest is what Chromium sent on one request and what came back.
type seenRequest struct {
	Path, Proto, AcceptEncoding, AvailableDictionary, DictionaryID, SecFetchDest string
	ContentEncoding, Vary                                                        string
	Wire                                                                         int64 // body bytes sent, encoded
	FirstEventWire                                                               int64 // for streams: bytes sent when event 0 was acked
	ZstdFrames                                                                   int64 // Zstandard frame magics in the body
}

// dictRecorder records every request above the middleware.
type dictRecorder struct {
	mu   sync.Mutex
	seen []*seenRequest
}

func (rec *dictRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := &seenRequest{Path: r.URL.Path, Proto: r.Proto, AcceptEncoding: r.Header.Get("Accept-Encoding"),
			AvailableDictionary: r.Header.Get("Available-Dictionary"), DictionaryID: r.Header.Get("Dictionary-ID"),
			SecFetchDest: r.Header.Get("Sec-Fetch-Dest")}
		cw := &countingWriter{ResponseWriter: w}
		next.ServeHTTP(cw, r.WithContext(context.WithValue(r.Context(), wireKey{}, cw)))
		s.ContentEncoding, s.Vary = w.Header().Get("Content-Encoding"), strings.Join(w.Header().Values("Vary"), ", ")
		s.Wire, s.FirstEventWire, s.ZstdFrames = cw.n.Load(), cw.first.Load(), cw.frames.Load()
		rec.mu.Lock()
		rec.seen = append(rec.seen, s)
		rec.mu.Unlock()
	})
}

// last returns the last request seen on path, waiting a bounded time for
// its handler to return (a stream's handler ends after the page's last ack).
func (rec *dictRecorder) last(t *testing.T, path string) seenRequest {
	t.Helper()
	for range 100 {
		rec.mu.Lock()
		for i := len(rec.seen) - 1; i >= 0; i-- {
			if rec.seen[i].Path == path {
				s := *rec.seen[i]
				rec.mu.Unlock()
				return s
			}
		}
		rec.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no request for %s completed", path)
	return seenRequest{}
}

type wireKey struct{}

// countingWriter counts the bytes the middleware sends.
type countingWriter struct {
	http.ResponseWriter
	n, first, frames atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n.Add(int64(n))
	c.frames.Add(int64(bytes.Count(p, []byte{0x28, 0xb5, 0x2f, 0xfd})))
	return n, err
}

func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c *countingWriter) Flush() { http.NewResponseController(c.ResponseWriter).Flush() }

// dictStreams serves token streams in lockstep: after event k the handler
// waits until the page acks k for that stream.
type dictStreams struct {
	mu   sync.Mutex
	acks map[string]chan int
}

func (s *dictStreams) ackChan(name string) chan int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.acks == nil {
		s.acks = map[string]chan int{}
	}
	if s.acks[name] == nil {
		s.acks[name] = make(chan int, 4*dictEvents)
	}
	return s.acks[name]
}

func (s *dictStreams) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	acks := s.ackChan(r.URL.Path)
	cw, _ := r.Context().Value(wireKey{}).(*countingWriter)
	for k := range dictEvents {
		if _, err := io.WriteString(w, dictEvent(k)); err != nil {
			return
		}
		select {
		case got := <-acks:
			if got != k {
				http.Error(w, "", 0) // ends nothing useful; the page reports the mismatch
				return
			}
		case <-time.After(10 * time.Second):
			return // held back: the page sees the stream end early and fails
		case <-r.Context().Done():
			return
		}
		if k == 0 && cw != nil {
			cw.first.Store(cw.n.Load())
		}
	}
}

// dictPage holds the page's helpers; the test calls them with Evaluate.
const dictPage = `<!doctype html>
<meta charset="utf-8"><title>streamzip dictionaries</title>
<script>
const tokens = %s;
const nEvents = %d;
const eventData = (k) => JSON.stringify({type: "content_block_delta", index: 0, delta: {type: "text_delta", text: tokens[k %% tokens.length] + " "}});
const hex = async (buf) => Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", buf))).map(b => b.toString(16).padStart(2, "0")).join("");
const sleep = (ms) => new Promise(r => setTimeout(r, ms));
// learn fetches url and polls probe until a request carries the
// dictionary: Chromium may not use a dictionary fetched a few tens of
// milliseconds earlier yet.
async function learn(url, probe) {
  const r = await fetch(url);
  await r.arrayBuffer();
  for (let i = 1; i <= 100; i++) {
    const p = await fetch(probe, {cache: "no-store"});
    if ((await p.text()) === "held") return i;
    await sleep(20);
  }
  return -1;
}
async function body(url) {
  const r = await fetch(url);
  const b = await r.arrayBuffer();
  return {sha256: await hex(b), len: b.byteLength};
}
function readEventSource(url) {
  return new Promise((resolve) => {
    const es = new EventSource(url);
    let k = 0, lastAck = Promise.resolve();
    es.onmessage = () => {}; // named events only
    es.addEventListener("token", async (e) => {
      // Count before acking: the ack lets the server send the next event,
      // which may be dispatched before the ack's promise settles.
      const mine = k++;
      if (e.data !== eventData(mine) || e.lastEventId !== String(mine)) { es.close(); resolve("event " + mine + " differs: " + e.data); return; }
      lastAck = window.ack({s: url, k: mine});
      await lastAck;
      if (mine === nEvents - 1) { es.close(); resolve("ok"); }
    });
    // The server ends the stream after the last ack: an error then is that
    // end, not a failure (EventSource would reconnect, so it is closed).
    es.onerror = () => {
      es.close();
      if (k === nEvents) lastAck.then(() => resolve("ok"));
      else resolve("error after " + k + " events");
    };
  });
}
async function readFetch(url) {
  const r = await fetch(url);
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "", k = 0;
  while (k < nEvents) {
    const {value, done} = await reader.read();
    if (done) return "ended after " + k + " events";
    buf += value;
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const ev = buf.slice(0, i + 2);
      buf = buf.slice(i + 2);
      const want = "id: " + k + "\nevent: token\ndata: " + eventData(k) + "\n\n";
      if (ev !== want) return "event " + k + " differs: " + JSON.stringify(ev);
      await window.ack({s: url, k: k});
      k++;
    }
  }
  await reader.cancel();
  return "ok";
}
</script>`

// dictServer is the application under test: the page, two bundle
// versions marked as dictionaries, the stream dictionary and its streams,
// all through one streamzip middleware with dictionaries on.
type dictServer struct {
	url        string
	spki       string // HTTPS: base64 SHA-256 of the certificate's public key
	rec        *dictRecorder
	streams    *dictStreams
	v1, v2     []byte
	eventsDict *streamzip.Dictionary
}

func newDictServer(t *testing.T, tr transport, host string) *dictServer {
	t.Helper()
	d, err := streamzip.NewDictionary([]byte(dictEventsDictionary), "/events/*", "events-v1")
	if err != nil {
		t.Fatal(err)
	}
	mw, err := streamzip.New(streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithDictionaries(d), streamzip.WithAssetDictionaries(4, 4<<20),
		// Streams release after every event: a dcz stream then sends a new
		// Zstandard frame per event, which Chromium must decode.
		streamzip.WithReleaseAfter(0))
	if err != nil {
		t.Fatal(err)
	}
	s := &dictServer{rec: &dictRecorder{}, streams: &dictStreams{}, v1: dictBundle(100<<10, 1), v2: dictBundle(100<<10, 2), eventsDict: d}
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintf(w, dictPage, jsStringArray(dictTokens), dictEvents)
	})
	for path, body := range map[string][]byte{"/assets/app.v1.js": s.v1, "/assets/app.v2.js": s.v2} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript")
			w.Header().Set("Cache-Control", "public, max-age=3600")
			if err := streamzip.SetUseAsDictionary(w.Header(), "/assets/app.*.js"); err != nil {
				t.Error(err)
			}
			w.Write(body)
		})
	}
	probe := func(want []byte) http.HandlerFunc {
		hash := sha256.Sum256(want)
		sf := ":" + base64.StdEncoding.EncodeToString(hash[:]) + ":"
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Content-Type", "text/plain")
			if r.Header.Get("Available-Dictionary") == sf {
				io.WriteString(w, "held")
			} else {
				io.WriteString(w, "none")
			}
		}
	}
	mux.Handle("/assets/app.probe.js", probe(s.v1))
	mux.Handle("/events/probe", probe([]byte(dictEventsDictionary)))
	mux.Handle("/dict/events", d)
	mux.Handle("/events/", s.streams)
	srv := httptest.NewUnstartedServer(s.rec.wrap(mw(mux)))
	if tr == tlsHTTP2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
		spki := sha256.Sum256(srv.Certificate().RawSubjectPublicKeyInfo)
		s.spki = base64.StdEncoding.EncodeToString(spki[:])
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	s.url = strings.Replace(srv.URL, "127.0.0.1", host, 1)
	return s
}

func jsStringArray(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = fmt.Sprintf("%q", w)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// startDictChromium is startChromium for dictionaries: over HTTPS the test
// certificate is accepted by its key (--ignore-certificate-errors-spki-list),
// since with --ignore-certificate-errors Chromium refuses to store
// dictionaries.
func startDictChromium(t *testing.T, bin, spki string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	if spki != "" {
		// For a name other than localhost, Chromium also wants the
		// certificate to chain to a known root before it stores a
		// dictionary; the test certificate does not, so that check is off.
		// example.com (a name of the test certificate) is mapped to the
		// loopback server.
		opts = append(opts, chromedp.Flag("ignore-certificate-errors-spki-list", spki),
			chromedp.Flag("disable-features", "CompressionDictionaryTransportRequireKnownRootCert"),
			chromedp.Flag("host-resolver-rules", "MAP example.com 127.0.0.1"))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	return bctx
}

// dictTargets are where the dictionary tests run: plain HTTP on both
// loopback names (secure contexts), and HTTPS with HTTP/2.
var dictTargets = []struct {
	name string
	tr   transport
	host string
}{
	{"http-127.0.0.1", plainHTTP, "127.0.0.1"},
	{"http-localhost", plainHTTP, "localhost"},
	{"https-127.0.0.1", tlsHTTP2, "127.0.0.1"},
	{"https-example.com", tlsHTTP2, "example.com"},
}

// dictTab opens the page in a fresh browser and exposes ack to it.
func dictTab(t *testing.T, bin string, s *dictServer) context.Context {
	t.Helper()
	browser := startDictChromium(t, bin, s.spki)
	tab, cancel := context.WithTimeout(browser, 2*time.Minute)
	t.Cleanup(cancel)
	type ackArg struct {
		S string `json:"s"`
		K int    `json:"k"`
	}
	ack := func(_ context.Context, a ackArg) (chromedp.Void, error) {
		select {
		case s.streams.ackChan(a.S) <- a.K:
		default:
		}
		return chromedp.Void{}, nil
	}
	if err := chromedp.Do(tab, chromedp.ExposeFunc("ack", ack), chromedp.Navigate(s.url+"/")); err != nil {
		t.Fatalf("open %s: %v", s.url, err)
	}
	return tab
}

func evalPage[T any](t *testing.T, tab context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func logSeen(t *testing.T, what string, s seenRequest) {
	t.Helper()
	t.Logf("%s: %s, Chromium sent Accept-Encoding %q, Available-Dictionary %q, Dictionary-ID %q, Sec-Fetch-Dest %q; got Content-Encoding %q, Vary %q, %d bytes",
		what, s.Proto, s.AcceptEncoding, s.AvailableDictionary, s.DictionaryID, s.SecFetchDest, s.ContentEncoding, s.Vary, s.Wire)
}

// checkDictProto asserts HTTP/2 over TLS and HTTP/1.1 in the clear.
func checkDictProto(t *testing.T, tr transport, s seenRequest) {
	t.Helper()
	if want := map[transport]string{plainHTTP: "HTTP/1.1", tlsHTTP2: "HTTP/2.0"}[tr]; s.Proto != want {
		t.Errorf("%s: protocol %s, want %s", s.Path, s.Proto, want)
	}
}

func sfHash(b []byte) string {
	h := sha256.Sum256(b)
	return ":" + base64.StdEncoding.EncodeToString(h[:]) + ":"
}

// TestChromiumDictionaryBundle: bundle v1 arrives with an ordinary coding
// and becomes a dictionary; v2 is then requested with v1's hash and
// arrives as dcz, decoded by Chromium to v2's exact bytes.
func TestChromiumDictionaryBundle(t *testing.T) {
	bin := requireTool(t, "apt-get install chromium", "chromium", "chromium-browser")
	for _, target := range dictTargets {
		t.Run(target.name, func(t *testing.T) {
			s := newDictServer(t, target.tr, target.host)
			tab := dictTab(t, bin, s)

			type result struct {
				SHA256 string `json:"sha256"`
				Len    int    `json:"len"`
			}
			v1 := evalPage[result](t, tab, `body("/assets/app.v1.js")`)
			first := s.rec.last(t, "/assets/app.v1.js")
			logSeen(t, "v1 (control: no dictionary held)", first)
			if first.AvailableDictionary != "" || first.ContentEncoding == "dcz" {
				t.Errorf("v1: Available-Dictionary %q, Content-Encoding %q: no dictionary was held yet", first.AvailableDictionary, first.ContentEncoding)
			}
			if want := sha256.Sum256(s.v1); v1.SHA256 != hex.EncodeToString(want[:]) || v1.Len != len(s.v1) {
				t.Fatalf("v1 in the page: %d bytes, sha256 %s", v1.Len, v1.SHA256)
			}
			tries := evalPage[int](t, tab, `learn("/assets/app.v1.js", "/assets/app.probe.js")`)
			if tries < 0 {
				t.Fatalf("Chromium never sent v1's hash in Available-Dictionary; last probe: %+v", s.rec.last(t, "/assets/app.probe.js"))
			}
			t.Logf("Chromium sent the dictionary on probe %d", tries)

			v2 := evalPage[result](t, tab, `body("/assets/app.v2.js")`)
			second := s.rec.last(t, "/assets/app.v2.js")
			logSeen(t, "v2", second)
			checkDictProto(t, target.tr, second)
			if second.AvailableDictionary != sfHash(s.v1) {
				t.Errorf("v2: Available-Dictionary %q, want v1's %q", second.AvailableDictionary, sfHash(s.v1))
			}
			if second.ContentEncoding != "dcz" || !strings.Contains(second.Vary, "Available-Dictionary") {
				t.Errorf("v2: Content-Encoding %q, Vary %q; want dcz varying on Available-Dictionary", second.ContentEncoding, second.Vary)
			}
			if want := sha256.Sum256(s.v2); v2.SHA256 != hex.EncodeToString(want[:]) || v2.Len != len(s.v2) {
				t.Fatalf("v2 decoded by Chromium: %d bytes, sha256 %s; want %d bytes, %x", v2.Len, v2.SHA256, len(s.v2), want)
			}
			t.Logf("v2: %d bytes decoded exactly from %d dcz bytes (v1 went as %d %s bytes)", v2.Len, second.Wire, first.Wire, first.ContentEncoding)
		})
	}
}

// TestChromiumDictionaryEventStream: a token stream read with fetch before
// the client holds the stream dictionary (control: ordinary gzip), then,
// once it holds it, with EventSource and with fetch and a stream reader:
// dcz, decoded event by event in lockstep.
func TestChromiumDictionaryEventStream(t *testing.T) {
	bin := requireTool(t, "apt-get install chromium", "chromium", "chromium-browser")
	for _, target := range dictTargets {
		t.Run(target.name, func(t *testing.T) {
			s := newDictServer(t, target.tr, target.host)
			tab := dictTab(t, bin, s)

			if got := evalPage[string](t, tab, `readFetch("/events/control")`); got != "ok" {
				t.Fatalf("control stream: %s", got)
			}
			control := s.rec.last(t, "/events/control")
			logSeen(t, "control stream (no dictionary held)", control)
			if control.AvailableDictionary != "" || control.ContentEncoding != "gzip" {
				t.Errorf("control: Available-Dictionary %q, Content-Encoding %q; want none and gzip", control.AvailableDictionary, control.ContentEncoding)
			}
			tries := evalPage[int](t, tab, `learn("/dict/events", "/events/probe")`)
			if tries < 0 {
				t.Fatalf("Chromium never sent the stream dictionary's hash; last probe: %+v", s.rec.last(t, "/events/probe"))
			}
			t.Logf("Chromium sent the stream dictionary on probe %d", tries)
			for _, c := range []struct{ name, js, path string }{
				{"EventSource", `readEventSource("/events/es")`, "/events/es"},
				{"fetch", `readFetch("/events/fetch")`, "/events/fetch"},
			} {
				if got := evalPage[string](t, tab, c.js); got != "ok" {
					t.Errorf("%s: %s", c.name, got)
				}
				seen := s.rec.last(t, c.path)
				logSeen(t, c.name, seen)
				checkDictProto(t, target.tr, seen)
				if seen.AvailableDictionary != sfHash([]byte(dictEventsDictionary)) || seen.DictionaryID != `"events-v1"` {
					t.Errorf("%s: Available-Dictionary %q, Dictionary-ID %q", c.name, seen.AvailableDictionary, seen.DictionaryID)
				}
				if seen.ContentEncoding != "dcz" {
					t.Errorf("%s: Content-Encoding %q, want dcz", c.name, seen.ContentEncoding)
				}
				t.Logf("%s: first event %d bytes on the wire (control %d), %d events %d bytes (control %d), %d Zstandard frames",
					c.name, seen.FirstEventWire, control.FirstEventWire, dictEvents, seen.Wire, control.Wire, seen.ZstdFrames)
				// The stream released while waiting for each ack (the
				// timer fires right after the flush), so its events
				// went in several frames, which Chromium decoded.
				if seen.ZstdFrames < 2 {
					t.Errorf("%s: %d Zstandard frames: the stream never released while waiting for an ack", c.name, seen.ZstdFrames)
				}
			}
		})
	}
}
