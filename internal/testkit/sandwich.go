package testkit

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Wrapper is a handler wrapper that people chain around or inside a
// compression middleware: http.TimeoutHandler, a request logger, a metrics
// wrapper, a router's own middleware.
type Wrapper struct {
	Name string
	Wrap func(http.Handler) http.Handler
	// Flushes says whether a handler beneath the wrapper can flush through
	// it: its writer has Flush, FlushError or Unwrap. A TimeoutHandler and
	// a struct-embedding logger cannot.
	Flushes bool
	// Holds says whether the wrapper keeps what the handler writes until
	// the handler returns (http.TimeoutHandler does): nothing beneath it
	// can stream then.
	Holds bool
}

// CheckSandwich runs the stream and header checks with mw beneath and
// above w: w(mw(h)) and mw(w(h)). Against the same stack without mw it
// asserts that no Write fails that does not fail without mw, every byte
// arrives, events arrive one by one wherever a flush path exists, and
// HEAD, 304 and 200 agree on their headers. accept is the request's
// Accept-Encoding.
func CheckSandwich(t *testing.T, w Wrapper, mwName string, mw func(http.Handler) http.Handler, accept string) {
	stacks := []struct {
		name    string
		stack   func(http.Handler) http.Handler
		streams bool // events must arrive one by one
	}{
		// Beneath mw the handler's writer is mw's, and mw flushes the
		// connection itself at each event.
		{w.Name + " inside " + mwName, func(h http.Handler) http.Handler { return mw(w.Wrap(h)) }, !w.Holds},
		// Above mw, mw writes into w's writer: events stream only if w
		// lets a flush through.
		{mwName + " inside " + w.Name, func(h http.Handler) http.Handler { return w.Wrap(mw(h)) }, w.Flushes},
	}
	for _, st := range stacks {
		t.Run(st.name+"/stream", func(t *testing.T) { checkStream(t, st.stack, w.Wrap, st.streams, accept) })
		t.Run(st.name+"/headers", func(t *testing.T) { checkHeaders(t, st.stack, accept) })
	}
}

const sandwichEvents = 4

// checkStream writes an event stream through stack, and through control
// (the same wrapper without the middleware), and compares.
func checkStream(t *testing.T, stack, control func(http.Handler) http.Handler, streams bool, accept string) {
	controlErrs := streamWriteErrors(t, control, false, accept)
	errs := streamWriteErrors(t, stack, streams, accept)
	for k := range errs {
		if errs[k] != nil && controlErrs[k] == nil {
			t.Errorf("write of event %d failed with the middleware (%v), not without it", k, errs[k])
		}
	}
}

// streamWriteErrors serves sandwichEvents events through stack, each in two
// writes, and returns each event's first write error. In lockstep when
// streams, else reading the whole body, which must hold every event.
func streamWriteErrors(t *testing.T, stack func(http.Handler) http.Handler, streams bool, accept string) []error {
	l := NewLockstep(sandwichEvents)
	errs := make([]error, sandwichEvents)
	handlerDone := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(handlerDone)
		w.Header().Set("Content-Type", "text/event-stream")
		for k := range sandwichEvents {
			ev := Event(k, "\n")
			_, err1 := io.WriteString(w, ev[:len(ev)/2])
			_, err2 := io.WriteString(w, ev[len(ev)/2:])
			errs[k] = cmpOr(err1, err2)
			if streams {
				if err := l.WaitAck(k); err != nil {
					t.Errorf("handler: %v", err)
					return
				}
			}
		}
	})
	srv, c := NewServer(t, stack(h))
	resp := Get(t, c, "GET", srv.URL+"/events", accept)
	if streams {
		if err := l.Run(resp); err != nil {
			t.Fatalf("events held back: %v", err)
		}
	} else {
		var want strings.Builder
		for k := range sandwichEvents {
			want.WriteString(Event(k, "\n"))
		}
		if got := ReadAll(t, resp); string(got) != want.String() {
			t.Fatalf("body: got %d bytes, want the %d of every event", len(got), want.Len())
		}
	}
	select {
	case <-handlerDone:
	case <-time.After(StepTimeout):
		t.Fatal("handler did not return")
	}
	return errs
}

func cmpOr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// sandwichPage is a compressible page served with http.ServeContent, which
// answers HEAD, conditional and range requests itself.
var sandwichPage = bytes.Repeat([]byte("<p>streamzip sandwich page, compressible text.</p>\n"), 200)

// checkHeaders fetches a page with GET, HEAD and a conditional GET, and
// checks that they agree: HEAD carries GET's headers, the 304 carries the
// 200's ETag and Vary, and the body decodes to the page.
func checkHeaders(t *testing.T, stack func(http.Handler) http.Handler, accept string) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"page-v1"`)
		http.ServeContent(w, r, "page.html", time.Unix(1e9, 0), bytes.NewReader(sandwichPage))
	})
	srv, c := NewServer(t, stack(h))
	get := Get(t, c, "GET", srv.URL+"/page.html", accept)
	if got := ReadAll(t, get); !bytes.Equal(got, sandwichPage) {
		t.Fatalf("GET body: %d bytes, want the %d of the page", len(got), len(sandwichPage))
	}
	head := Get(t, c, "HEAD", srv.URL+"/page.html", accept)
	for _, k := range []string{"Content-Encoding", "Vary", "Etag", "Accept-Ranges", "Content-Type"} {
		if g, h := fmt.Sprint(get.Header.Values(k)), fmt.Sprint(head.Header.Values(k)); g != h {
			t.Errorf("HEAD %s %s, GET %s", k, h, g)
		}
	}
	// RFC 9110 §9.3.2 lets HEAD omit a field known only once the content is
	// generated, as an encoded length is; if it sends one, it is GET's.
	if n := head.Header.Get("Content-Length"); n != "" && n != get.Header.Get("Content-Length") {
		t.Errorf("HEAD Content-Length %s, GET %q", n, get.Header.Get("Content-Length"))
	}
	etag := get.Header.Get("Etag")
	cond := Get(t, c, "GET", srv.URL+"/page.html", accept, "If-None-Match", etag)
	if cond.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional GET with the 200's ETag %s: status %d, want 304", etag, cond.StatusCode)
	}
	for _, k := range []string{"Etag", "Vary"} {
		if g, n := fmt.Sprint(get.Header.Values(k)), fmt.Sprint(cond.Header.Values(k)); g != n {
			t.Errorf("304 %s %s, its 200 %s", k, n, g)
		}
	}
}
