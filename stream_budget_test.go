package streamzip_test

import (
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/streamzip/streamzip"
)

// budgetServer serves event streams that write event 0, then wait until
// the test lets stream ?id=… end (writing event 1), or panic if ?panic.
type budgetServer struct {
	mu      sync.Mutex
	release map[string]chan struct{}
	opened  map[string]bool
	started chan string
}

func newBudgetServer() *budgetServer {
	return &budgetServer{release: map[string]chan struct{}{}, opened: map[string]bool{}, started: make(chan string)}
}

// open lets stream id end.
func (b *budgetServer) open(id string) {
	ch := b.gate(id)
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.opened[id] {
		b.opened[id] = true
		close(ch)
	}
}

// openAll lets every stream end, so a failed test does not hang in
// the server's Close.
func (b *budgetServer) openAll() {
	b.mu.Lock()
	ids := make([]string, 0, len(b.release))
	for id := range b.release {
		ids = append(ids, id)
	}
	b.mu.Unlock()
	for _, id := range ids {
		b.open(id)
	}
}

func (b *budgetServer) gate(id string) chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.release[id] == nil {
		b.release[id] = make(chan struct{})
	}
	return b.release[id]
}

func (b *budgetServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	w.Header().Set("Content-Type", "text/event-stream")
	io.WriteString(w, event(0, "\n"))
	b.gate(id) // before started: openAll must see it
	b.started <- id
	<-b.gate(id)
	if r.URL.Query().Has("panic") {
		panic(http.ErrAbortHandler)
	}
	io.WriteString(w, event(1, "\n"))
}

// TestStatefulStreamBudget: brotli, zstd and padded gzip event streams hold
// their encoder for life, so at most WithMaxStatefulStreams of them are
// open at once; past it a stream is compressed with releasable gzip when
// the client accepts gzip, else sent identity (with Vary). Every stream
// decodes; the slots come back when streams end, hijack or panic.
func TestStatefulStreamBudget(t *testing.T) {
	const budget = 2
	mw, probe, err := streamzip.NewWithProbe(
		streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithEncodings("br", "zstd", "gzip"),
		streamzip.WithMaxStatefulStreams(budget),
	)
	if err != nil {
		t.Fatal(err)
	}
	b := newBudgetServer()
	srv, c := newServer(t, mw(b))
	t.Cleanup(b.openAll) // runs before the server's Close
	want := event(0, "\n") + event(1, "\n")

	type stream struct {
		resp *http.Response
		body chan string
	}
	open := func(id, accept string, query ...string) stream {
		t.Helper()
		done := make(chan *http.Response)
		url := srv.URL + "?id=" + id
		for _, q := range query {
			url += "&" + q
		}
		go func() { done <- get(t, c, "GET", url, accept) }()
		if got := <-b.started; got != id {
			t.Fatalf("started %q, want %q", got, id)
		}
		s := stream{resp: <-done, body: make(chan string, 1)}
		go func() {
			d, err := decode(s.resp.Header.Get("Content-Encoding"), s.resp.Body)
			if err != nil {
				s.body <- err.Error()
				return
			}
			got, err := io.ReadAll(d)
			if err != nil {
				got = append(got, err.Error()...)
			}
			s.body <- string(got)
		}()
		return s
	}
	end := func(id string, s stream) {
		t.Helper()
		b.open(id)
		if got := <-s.body; got != want {
			t.Errorf("stream %s decoded to %q", id, got)
		}
	}
	check := func(s stream, id, encoding string) {
		t.Helper()
		if ce := s.resp.Header.Get("Content-Encoding"); ce != encoding {
			t.Errorf("stream %s: Content-Encoding %q, want %q", id, ce, encoding)
		}
		if v := s.resp.Header.Get("Vary"); v != "Accept-Encoding" {
			t.Errorf("stream %s: Vary %q", id, v)
		}
	}

	s1 := open("1", "br")
	s2 := open("2", "zstd")
	check(s1, "1", "br")
	check(s2, "2", "zstd")
	if n := probe.StatefulStreams(); n != budget {
		t.Errorf("%d stateful streams, want %d", n, budget)
	}
	s3 := open("3", "br")                // over budget, no gzip: identity
	s4 := open("4", "br, gzip;q=0.5")    // over budget: releasable gzip
	s5 := open("5", "zstd;q=0.9, *;q=0") // over budget, no gzip
	check(s3, "3", "")
	check(s4, "4", "gzip")
	check(s5, "5", "")
	if n := probe.StatefulStreams(); n != budget {
		t.Errorf("%d stateful streams over the budget, want %d", n, budget)
	}
	end("1", s1)
	s6 := open("6", "br") // a slot is free again
	check(s6, "6", "br")

	// A panicking stream gives its slot back too.
	b.open("7")
	s7 := open("7", "br", "panic")
	for _, id := range []string{"2", "3", "4", "5", "6"} {
		end(id, map[string]stream{"2": s2, "3": s3, "4": s4, "5": s5, "6": s6}[id])
	}
	<-s7.body
	srv.Close() // waits for every handler, the panicking one included
	if n := probe.StatefulStreams(); n != 0 {
		t.Fatalf("%d stateful streams counted after all ended", n)
	}
}

// TestStatefulStreamBudgetWithPadding: with BREACH padding, gzip streams
// keep a stateful gzip.Writer, so they take slots too; over the budget a
// stream is sent identity.
func TestStatefulStreamBudgetWithPadding(t *testing.T) {
	mw, probe, err := streamzip.NewWithProbe(
		streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithEncodings("gzip"),
		streamzip.WithRandomJitter(32),
		streamzip.WithMaxStatefulStreams(1),
	)
	if err != nil {
		t.Fatal(err)
	}
	b := newBudgetServer()
	srv, c := newServer(t, mw(b))
	t.Cleanup(b.openAll) // runs before the server's Close
	var resps [2]*http.Response
	for i, id := range []string{"a", "b"} {
		done := make(chan *http.Response)
		go func() { done <- get(t, c, "GET", srv.URL+"?id="+id, "gzip") }()
		<-b.started
		resps[i] = <-done
	}
	if ce := resps[0].Header.Get("Content-Encoding"); ce != "gzip" {
		t.Errorf("first stream: Content-Encoding %q", ce)
	}
	if ce := resps[1].Header.Get("Content-Encoding"); ce != "" {
		t.Errorf("second stream over the budget: Content-Encoding %q", ce)
	}
	if n := probe.StatefulStreams(); n != 1 {
		t.Errorf("%d stateful streams, want 1", n)
	}
	for i, id := range []string{"a", "b"} {
		b.open(id)
		if got := string(readAll(t, resps[i])); got != event(0, "\n")+event(1, "\n") {
			t.Errorf("stream %s decoded to %q", id, got)
		}
	}
	srv.Close()
	if n := probe.StatefulStreams(); n != 0 {
		t.Fatalf("%d stateful streams counted after all ended", n)
	}
}
