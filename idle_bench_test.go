package streamzip_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamzip/streamzip"
)

// idleLoopbackStreams is how many event streams BenchmarkIdleStreams holds
// open over loopback at once.
const idleLoopbackStreams = 1000

// BenchmarkIdleStreams reports the live heap each idle event stream costs
// the server, with 1,000 concurrent streams over loopback: every stream gets
// one LLM-token event, then idles past WithReleaseAfter. Clients are raw TCP
// connections that read bytes without decoding, so the figure is the
// server's: net/http's per-connection state plus the middleware's. Compare
// a coding with "identity" to get what compression adds. Memory, not time:
// run it with -benchtime=1x.
//
//	go test -run '^$' -bench IdleStreams -benchtime=1x .
func BenchmarkIdleStreams(b *testing.B) {
	compressed := func(enc string) func(http.Handler) http.Handler {
		mw, err := streamzip.New(
			streamzip.WithEventStreams(streamzip.CompressEventStreams),
			streamzip.WithEncodings(enc),
			streamzip.WithReleaseAfter(20*time.Millisecond),
		)
		if err != nil {
			b.Fatal(err)
		}
		return mw
	}
	// What every stream would cost if none gave its compressor back: no
	// release, and no budget on streams that keep one.
	stateful, err := streamzip.New(
		streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithEncodings("gzip"),
		streamzip.WithReleaseAfter(time.Hour),
		streamzip.WithMaxHotStreams(1<<30),
	)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name, accept string
		mw           func(http.Handler) http.Handler
	}{
		{"identity", "gzip", streamzip.Middleware}, // bypass: the baseline
		{"gzip", "gzip", compressed("gzip")},
		{"gzip-never-released", "gzip", stateful},
		{"br", "br", compressed("br")},
		{"zstd", "zstd", compressed("zstd")},
	} {
		b.Run(c.name, func(b *testing.B) {
			var kib float64
			for b.Loop() {
				kib = idleHeapPerStream(b, c.mw, c.accept, idleLoopbackStreams)
			}
			b.ReportMetric(kib, "idle-KiB/stream")
		})
	}
}

// idleHeapPerStream opens n streams, waits until each client has its first
// event, lets them idle past the release delay, and returns the heap growth
// per stream.
func idleHeapPerStream(b *testing.B, mw func(http.Handler) http.Handler, accept string, n int) float64 {
	release := make(chan struct{})
	var handlers sync.WaitGroup
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers.Add(1)
		defer handlers.Done()
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, llmEvent(0))
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	request := "GET /stream HTTP/1.1\r\nHost: " + addr + "\r\nAccept-Encoding: " + accept + "\r\n\r\n"

	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC() // twice: the pools' victim caches empty too
	runtime.ReadMemStats(&before)
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatalf("stream %d: %v", i, err)
		}
		conns[i] = c
		if _, err := io.WriteString(c, request); err != nil {
			b.Fatal(err)
		}
		if err := readFirstEvent(c); err != nil {
			b.Fatalf("stream %d: %v", i, err)
		}
	}
	time.Sleep(100 * time.Millisecond) // past the 20 ms release delay
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	close(release)
	for _, c := range conns {
		c.Close()
	}
	handlers.Wait()
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n) / 1024
}

// readFirstEvent reads the response headers and the first bytes of body;
// it does not decode, so the client side allocates almost nothing.
func readFirstEvent(c net.Conn) error {
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReaderSize(c, 512)
	status, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.Contains(status, " 200 ") {
		return fmt.Errorf("status %q", status)
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		if line == "\r\n" {
			break
		}
	}
	// The first chunk: its size line, then at least one body byte.
	if _, err := r.ReadString('\n'); err != nil {
		return err
	}
	_, err = r.ReadByte()
	return err
}

// llmWords is the vocabulary of the generated token stream.
var llmWords = strings.Fields(`the a model streams tokens to browser while proxy keeps quiet and user
reads along compression window history buffer flush latency server client event data idle memory
pool writer reader chunk json delta content choice index finish reason answer question because
however therefore example function value result error request response header body status cache`)

// llmEvent is an OpenAI-style streaming chunk of about 250 bytes carrying
// one to four pseudo-random tokens; the same k always gives the same event.
func llmEvent(k int) string {
	x := uint32(k)*2654435761 + 12345
	next := func() int { x ^= x << 13; x ^= x >> 17; x ^= x << 5; return int(x % uint32(len(llmWords))) }
	var content strings.Builder
	for range 1 + next()%4 {
		content.WriteString(" " + llmWords[next()])
	}
	return fmt.Sprintf(`data: {"id":"chatcmpl-%04x","object":"chat.completion.chunk","created":%d,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":%q},"finish_reason":null}]}`+"\n\n",
		k/400, 1764111600+k/50, content.String())
}
