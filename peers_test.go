package streamzip_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/streamzip/streamzip"
)

// peerBehaviour is one behaviour that the documentation of a middleware
// streamzip replaces (gzhttp, chi's Compress, httpcompression, NYTimes
// gziphandler) states. Users rely on it, so each is a test: either
// streamzip does the same, or it deliberately does otherwise and the
// README's Differences table has a row saying so and why.
type peerBehaviour struct {
	peer, documented string
	mw               func(http.Handler) http.Handler // nil: Middleware
	handler          http.HandlerFunc
	method, accept   string
	reqHeader        []string
	// check asserts what streamzip does; it returns "" when the response
	// is what it should be.
	check func(resp *http.Response) string
	// difference names the README Differences row, "" when streamzip
	// behaves as the peer documents.
	difference string
}

func TestPeerDocumentedBehaviours(t *testing.T) {
	page := bytes.Repeat([]byte("<p>a compressible page of text</p>\n"), 200)
	serve := func(mt string, body []byte, hdr ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if mt != "" {
				w.Header().Set("Content-Type", mt)
			}
			for i := 0; i+1 < len(hdr); i += 2 {
				w.Header().Set(hdr[i], hdr[i+1])
			}
			w.Write(body)
		}
	}
	encoded := func(want string) func(*http.Response) string {
		return func(resp *http.Response) string {
			if got := resp.Header.Get("Content-Encoding"); got != want {
				return "Content-Encoding " + got + ", want " + want
			}
			return ""
		}
	}
	header := func(key, want string) func(*http.Response) string {
		return func(resp *http.Response) string {
			if got := strings.Join(resp.Header.Values(key), ", "); got != want {
				return key + " " + got + ", want " + want
			}
			return ""
		}
	}
	must := func(mw func(http.Handler) http.Handler, err error) func(http.Handler) http.Handler {
		if err != nil {
			t.Fatal(err)
		}
		return mw
	}
	chiCompress := streamzip.Compress(5)
	cases := []peerBehaviour{
		// gzhttp
		{peer: "gzhttp", documented: "responses below MinSize (default 1024) are not compressed",
			handler: serve("text/html", page[:1000]), check: encoded("")},
		{peer: "gzhttp", documented: "a response with Content-Encoding is not compressed again",
			handler: serve("text/html", page, "Content-Encoding", "gzip"), check: encoded("gzip")},
		{peer: "gzhttp", documented: "the Content-Type is sniffed when the handler sets none",
			handler: serve("", page), check: header("Content-Type", "text/html; charset=utf-8")},
		{peer: "gzhttp", documented: "Accept-Ranges is removed when the data is compressed",
			handler: serve("text/html", page, "Accept-Ranges", "bytes"), check: header("Accept-Ranges", "")},
		{peer: "gzhttp", documented: "a range response (Content-Range) is not compressed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("Content-Range", "bytes 0-7199/9000")
				w.WriteHeader(http.StatusPartialContent)
				w.Write(page)
			}, check: encoded("")},
		{peer: "gzhttp", documented: "a Flush before MinSize assumes MinSize is reached",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.Write(page[:100])
				w.(http.Flusher).Flush()
			}, check: encoded("gzip")},
		{peer: "gzhttp", documented: "a Flush with nothing written flushes nothing", difference: "Headers-only Flush",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.(http.Flusher).Flush() // streamzip sends the headers now
			}, check: header("Vary", "Accept-Encoding")},
		{peer: "gzhttp", documented: "zstd is preferred when the client accepts zstd and gzip equally",
			handler: serve("text/html", page), accept: "gzip, zstd", check: encoded("zstd")},
		{peer: "gzhttp", documented: "the ETag is kept as is unless SuffixETag or DropETag", difference: "ETag",
			handler: serve("text/html", page, "ETag", `"v1"`), check: header("Etag", `W/"v1"`)},
		{peer: "gzhttp", documented: "text/event-stream is compressed like other text", difference: "Event streams",
			handler: serve("text/event-stream", bytes.Repeat([]byte("data: x\n\n"), 300)), check: encoded("")},
		{peer: "gzhttp", documented: "Cache-Control: no-transform is not consulted", difference: "no-transform",
			handler: serve("text/html", page, "Cache-Control", "no-transform"), check: encoded("")},
		{peer: "gzhttp", documented: "Accept-Encoding must name gzip", difference: "Accept-Encoding: *",
			handler: serve("text/html", page), accept: "*", check: func(resp *http.Response) string {
				if resp.Header.Get("Content-Encoding") == "" {
					return "Accept-Encoding: * got no coding"
				}
				return ""
			}},
		{peer: "gzhttp", documented: "ExceptContentTypes excludes types",
			mw:      must(streamzip.New(streamzip.WithExceptContentTypes("text/html"))),
			handler: serve("text/html", page), check: encoded("")},
		{peer: "gzhttp", documented: "RandomJitter pads compressed responses, by content",
			mw:      must(streamzip.New(streamzip.WithRandomJitter(64))),
			handler: serve("text/html", page), check: encoded("gzip")},
		// chi middleware.Compress
		{peer: "chi", documented: "only the listed content types are compressed",
			mw: streamzip.Compress(5, "application/json"), handler: serve("text/html", page), check: encoded("")},
		{peer: "chi", documented: "a wildcard text/* matches every text type",
			mw: streamzip.Compress(5, "text/*"), handler: serve("text/csv", page), check: encoded("gzip")},
		{peer: "chi", documented: "without a Content-Type the response is not compressed", difference: "Sniffed type in Compress",
			mw: chiCompress, handler: serve("", page), check: encoded("gzip")},
		{peer: "chi", documented: "every size is compressed", difference: "Min size",
			mw: chiCompress, handler: serve("text/html", page[:200]), check: encoded("")},
		{peer: "chi", documented: "deflate is offered", difference: "deflate",
			mw: chiCompress, handler: serve("text/html", page), accept: "deflate", check: encoded("")},
		{peer: "chi", documented: "q-values are not weighed (gzip;q=0 still gets gzip)", difference: "q-values",
			mw: chiCompress, handler: serve("text/html", page), accept: "gzip;q=0", check: encoded("")},
		{peer: "chi", documented: "any status is compressed, 206 included", difference: "204, 206, 304",
			mw: chiCompress, handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusPartialContent)
				w.Write(page)
			}, check: encoded("")},
		// httpcompression
		{peer: "httpcompression", documented: "ContentTypes(list, true) is a denylist",
			mw:      must(streamzip.New(streamzip.WithExceptContentTypes("text/*"))),
			handler: serve("text/html", page), check: encoded("")},
		{peer: "httpcompression", documented: "MinSize defaults to 200 bytes", difference: "Min size",
			handler: serve("text/html", page[:500]), check: encoded("")},
		{peer: "httpcompression", documented: "a Flush below MinSize sends nothing", difference: "Flush below min size",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, "data: first\n\n")
				w.(http.Flusher).Flush() // streamzip sends the event now
				<-r.Context().Done()
			}, check: func(resp *http.Response) string {
				// The handler is still running: the event must arrive anyway.
				timer := time.AfterFunc(stepTimeout, func() { resp.Body.Close() })
				defer timer.Stop()
				first := make([]byte, len("data: first\n\n"))
				if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != "data: first\n\n" {
					return fmt.Sprintf("flushed event not received while the handler runs: %q, %v", first, err)
				}
				return ""
			}},
		// NYTimes gziphandler
		{peer: "gziphandler", documented: "MinSize defaults to 1400 bytes", difference: "Min size",
			handler: serve("text/html", page[:1200]), check: encoded("gzip")},
		{peer: "gziphandler", documented: "Vary: Accept-Encoding is added to compressible responses",
			handler: serve("text/html", page[:10]), check: header("Vary", "Accept-Encoding")},
		{peer: "gziphandler", documented: "Vary: Accept-Encoding is added to every response, 204 too", difference: "No Vary on 204",
			handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) },
			check:   header("Vary", "")},
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	differences := readmeSection(string(readme), "## Differences from")
	for _, tc := range cases {
		t.Run(tc.peer+": "+tc.documented, func(t *testing.T) {
			mw := tc.mw
			if mw == nil {
				mw = streamzip.Middleware
			}
			srv, c := newServer(t, mw(tc.handler))
			method, accept := cmpOr(tc.method, "GET"), cmpOr(tc.accept, "gzip")
			resp := get(t, c, method, srv.URL, accept, tc.reqHeader...)
			if msg := tc.check(resp); msg != "" {
				t.Error(msg)
			}
			if tc.difference != "" && !strings.Contains(differences, "| "+tc.difference+" |") {
				t.Errorf("README's Differences table has no row %q", tc.difference)
			}
		})
	}
}

// cmpOr returns the first of its arguments that is not "".
func cmpOr(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// readmeSection returns the README text from the heading that starts with
// heading to the next level-2 heading.
func readmeSection(readme, heading string) string {
	i := strings.Index(readme, heading)
	if i < 0 {
		return ""
	}
	rest := readme[i+len(heading):]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}
