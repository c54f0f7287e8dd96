package streamzip_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/streamzip/streamzip"
)

// TestPanicNeverDirtiesThePool alternates requests that panic mid-body
// (with http.ErrAbortHandler and with an ordinary value) with normal ones
// on one middleware: every panicking response must look broken to the
// client (no clean gzip end), and every normal one must decode exactly.
func TestPanicNeverDirtiesThePool(t *testing.T) {
	body := jsonBody(32 << 10)
	for _, enc := range []string{"gzip", "br", "zstd"} {
		t.Run(enc, func(t *testing.T) {
			mw, err := streamzip.New(streamzip.WithEncodings("zstd", "br", "gzip"))
			if err != nil {
				t.Fatal(err)
			}
			srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				switch r.URL.Query().Get("panic") {
				case "abort":
					w.Write(body[:20000])
					panic(http.ErrAbortHandler)
				case "value":
					w.Write(body[:20000])
					w.(http.Flusher).Flush()
					w.Write(body[20000:25000])
					panic("boom")
				case "before":
					panic(http.ErrAbortHandler)
				}
				w.Write(body)
			})))
			for i := 0; i < 6; i++ {
				for _, mode := range []string{"abort", "value", "before"} {
					req, _ := http.NewRequest("GET", srv.URL+"?panic="+mode, nil)
					req.Header.Set("Accept-Encoding", enc)
					resp, err := c.Do(req)
					if err != nil {
						continue // panic before the first byte: the connection is closed
					}
					got, err := io.ReadAll(decoderOrRaw(resp))
					resp.Body.Close()
					if err == nil && bytes.Equal(got, body) {
						t.Fatalf("panic %s: client got a complete body", mode)
					}
				}
				resp := get(t, c, "GET", srv.URL, enc)
				if got := readAll(t, resp); !bytes.Equal(got, body) {
					t.Fatalf("round %d: normal response after panics decoded to %d bytes, want %d", i, len(got), len(body))
				}
			}
		})
	}
}

func decoderOrRaw(resp *http.Response) io.Reader {
	r, err := decode(resp.Header.Get("Content-Encoding"), resp.Body)
	if err != nil {
		return strings.NewReader("")
	}
	return r
}

// TestClientDisconnectEndsStream: when the client goes away mid-stream the
// handler's writes fail (or its context ends) and it returns; the
// middleware then serves the next request normally.
func TestClientDisconnectEndsStream(t *testing.T) {
	handlerDone := make(chan error, 1)
	srv, c := newServer(t, streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for {
			if _, err := io.WriteString(w, event(0, "\n")); err != nil {
				handlerDone <- err
				return
			}
			select {
			case <-r.Context().Done():
				handlerDone <- r.Context().Err()
				return
			default:
			}
		}
	})))
	resp := get(t, c, "GET", srv.URL, "gzip")
	buf := make([]byte, 4096)
	io.ReadFull(resp.Body, buf)
	resp.Body.Close()
	select {
	case err := <-handlerDone:
		if err == nil {
			t.Fatal("handler ended without an error")
		}
	case <-time.After(stepTimeout):
		t.Fatal("handler still writing after the client left")
	}
}
