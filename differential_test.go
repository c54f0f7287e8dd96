package streamzip_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
	"github.com/streamzip/streamzip"
)

// FuzzDifferential decodes the fuzz input into a program of handler
// operations (headers, WriteHeader, writes of random sizes, Flush,
// ResponseController calls, a panic) and runs it twice on one loopback
// server: through no middleware (the control) and through a streamzip
// configuration. For a program that does not panic, the decoded body, the
// status, the headers (minus the ones compression may legitimately
// change, but Content-Type included, set or sniffed) and the trailers must
// match the control's, and every write that succeeds in the control must
// succeed through streamzip. Then the same program's HEAD must carry its
// GET's headers, and a 304 or 206 the ETag and Vary of the 200 it stands
// for (the program with that status replaced by 200; a 304 is asked for
// with that 200's ETag in If-None-Match). Every program runs in lockstep: after
// each flush the handler waits until the client has decoded every byte
// written so far, so a byte that a Flush did not make decodable fails the
// run instead of arriving late. A program that panics must never look
// complete to the client, and what the client decoded must be a prefix of
// what the handler wrote.
func FuzzDifferential(f *testing.F) {
	for _, seed := range differentialSeeds {
		f.Add(encodeProgram(seed))
	}
	d := newDiffServer(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p := decodeProgram(data)
		control := d.run(t, "/control", p)
		got := d.run(t, fmt.Sprintf("/streamzip/%d", p.variant), p)
		compareRuns(t, p, control, got)
		if !p.panics && got.doErr == nil {
			d.compareHeadWithGet(t, p, got)
			d.compareBodylessWithOK(t, p)
		}
		if testing.Verbose() {
			t.Logf("%+v\ncontrol: %d, %d bytes, %v %v\nstreamzip: %d %q, %d bytes, %v %v", *p,
				control.status, len(control.body), control.doErr, control.readErr,
				got.status, got.encoding, len(got.body), got.doErr, got.readErr)
		}
	})
}

// differentialSeeds cover each operation, status and middleware variant.
// They are programs, encoded by encodeProgram; testdata/fuzz/FuzzDifferential
// holds the same ones (regenerate with STREAMZIP_WRITE_SEEDS=1 go test -run
// TestWriteDifferentialSeeds).
var differentialSeeds = []program{
	{variant: 0, acceptEncoding: "gzip", contentType: "application/json", ops: []op{{opWrite, 200}, {opFlush, 0}, {opWrite, 3000}}},
	{variant: 0, acceptEncoding: "br", contentType: "application/json", ops: []op{{opWrite, 16 << 10}}},
	{variant: 1, acceptEncoding: "gzip", contentType: "text/event-stream", ops: []op{{opEvent, 3}, {opFlush, 0}, {opEvent, 0}, {opControllerFlush, 0}, {opEvent, 12}}},
	{variant: 2, acceptEncoding: "zstd, br;q=0.9, gzip;q=0.8", contentType: "text/event-stream", ops: []op{{opEvent, 7}, {opSetWriteDeadline, 0}, {opWrite, 900}, {opEvent, 1}, {opFlush, 0}}},
	{variant: 3, acceptEncoding: "br", contentType: "application/x-ndjson", ops: []op{{opWrite, 40}, {opFlush, 0}, {opWrite, 40}, {opControllerFlush, 0}, {opWrite, 40}}},
	{variant: 4, acceptEncoding: "gzip", contentType: "image/png", ops: []op{{opWrite, 4000}, {opFlush, 0}}},
	{variant: 5, acceptEncoding: "gzip, br", ops: []op{{opWrite, 100}, {opWrite, 2000}}},
	{variant: 6, acceptEncoding: "gzip", contentType: "application/json", noTransform: true, ops: []op{{opWrite, 3000}}},
	{variant: 7, acceptEncoding: "gzip", contentType: "application/json", ops: []op{{opWriteHeader, 204}, {opWrite, 3000}, {opFlush, 0}}},
	{variant: 8, acceptEncoding: "gzip", contentType: "application/json", ownEncoding: true, ops: []op{{opWrite, 3000}, {opFlush, 0}}},
	{variant: 9, acceptEncoding: "*", contentType: "text/html; charset=utf-8", contentLength: true, ops: []op{{opWriteHeader, 103}, {opWriteHeader, 206}, {opWrite, 3000}}},
	{variant: 10, acceptEncoding: "gzip", contentType: "application/json", ops: []op{{opWriteHeader, 304}, {opWrite, 10}, {opFlush, 0}}},
	{variant: 11, acceptEncoding: "gzip", contentType: "application/json", contentLength: true, ops: []op{{opWriteHeader, 404}, {opWrite, 5000}, {opFlush, 0}}},
	{variant: 1, acceptEncoding: "gzip", contentType: "application/json", ops: []op{{opWrite, 3000}, {opFlush, 0}, {opWrite, 100}, {opPanic, 0}}},
	{variant: 1, acceptEncoding: "gzip", contentType: "text/event-stream", ops: []op{{opEvent, 5}, {opWrite, 50}, {opPanic, 1}}},
	{variant: 0, acceptEncoding: "br", contentType: "application/json", ops: []op{{opPanic, 0}}},
	{variant: 12, acceptEncoding: "gzip", contentType: "application/json", ops: []op{{opCopy, 20000}, {opFlush, 0}, {opCopy, 10}}},
	{variant: 13, head: true, acceptEncoding: "gzip", contentType: "application/json", ops: []op{{opWrite, 3000}, {opFlush, 0}, {opWrite, 10}}},
	{variant: 14, acceptEncoding: "identity", contentType: "text/html; charset=utf-8", ops: []op{{opWrite, 100}, {opControllerFlush, 0}, {opWrite, 100}}},
	{variant: 15, acceptEncoding: "*;q=0, gzip", ops: []op{{opWriteHeader, 500}, {opWrite, 600}, {opFlush, 0}, {opWrite, 600}}},
	{variant: 3, acceptEncoding: "gzip;q=0", contentType: "text/event-stream", ops: []op{{opFlush, 0}, {opEvent, 2}}},
	// Issue 11: an empty flush without a type, trailers on small and large
	// bodies, and a 304 and a 206 against their 200.
	{variant: 0, acceptEncoding: "gzip", ops: []op{{opFlush, 0}, {opWrite, 3000}}},
	{variant: 5, acceptEncoding: "gzip, br", contentType: "application/json", trailer: true, ops: []op{{opWrite, 100}}},
	{variant: 9, acceptEncoding: "br", contentType: "application/json", trailer: true, ops: []op{{opWrite, 6000}, {opFlush, 0}, {opWrite, 10}}},
	{variant: 0, acceptEncoding: "gzip", contentType: "image/png", ops: []op{{opWriteHeader, 304}}},
	{variant: 0, acceptEncoding: "gzip, br", ops: []op{{opWriteHeader, 304}, {opWrite, 3000}}},
	{variant: 6, acceptEncoding: "gzip", contentType: "text/html; charset=utf-8", ops: []op{{opWriteHeader, 206}, {opWrite, 3000}}},
}

// Decoding tables: every value the program can pick.
var (
	diffAcceptEncodings = []string{
		"", "gzip", "br", "zstd", "gzip, br", "br;q=0.5, gzip", "*", "identity",
		"gzip;q=0", "zstd, br;q=0.9, gzip;q=0.8", "*;q=0, gzip",
	}
	diffContentTypes = []string{
		"", "application/json", "text/event-stream", "application/x-ndjson",
		"image/png", "text/html; charset=utf-8",
	}
	diffStatuses = []int{200, 201, 204, 206, 304, 404, 500, 103}
	// diffMinSizes are the min sizes of variants 1..15, by variant modulo 8.
	diffMinSizes = []int{0, 1, 64, 511, 512, 513, 1024, 5000}
)

// program is a decoded fuzz input.
type program struct {
	variant        int // 0: Middleware; 1..15: New with the options newDiffServer gives it
	head           bool
	acceptEncoding string
	contentType    string
	noTransform    bool
	ownEncoding    bool // the handler sets Content-Encoding itself
	contentLength  bool // the handler sets an exact Content-Length
	trailer        bool // the handler declares a trailer and sets it at the end
	ops            []op
	panics         bool
}

type opKind uint8

const (
	opWrite opKind = iota
	opFlush
	opControllerFlush
	opWriteHeader
	opSetWriteDeadline
	opPanic
	opEvent // a whole SSE event, possibly split over two writes
	opCopy  // io.Copy, which reaches ReadFrom
	numOpKinds
)

type op struct {
	kind opKind
	n    int // bytes for writes, status for WriteHeader, split for events, abort or value for panic
}

// decodeProgram turns bytes into a program: byte 0 picks the variant
// (low 4 bits) and the method (high bit), byte 1 Accept-Encoding, byte 2
// the headers; then each op is a kind byte followed by its argument. Sizes
// are a byte, or with the high bit set two bytes, so writes span 0..32 KiB.
// Missing bytes read as zero, so every input is a program.
func decodeProgram(data []byte) *program {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := int(data[0])
		data = data[1:]
		return b
	}
	size := func() int {
		b := next()
		if b&0x80 == 0 {
			return b
		}
		return (b&0x7f)<<8 | next()
	}
	p := &program{}
	b0 := next()
	p.variant = b0 & 0x0f // 0: default; 1..15: the variants of newDiffServer
	p.head = b0&0x80 != 0
	p.acceptEncoding = diffAcceptEncodings[next()%len(diffAcceptEncodings)]
	b2 := next()
	p.contentType = diffContentTypes[(b2&0x0f)%len(diffContentTypes)]
	p.noTransform = b2&0x10 != 0
	p.ownEncoding = b2&0x20 != 0
	p.contentLength = b2&0x40 != 0
	p.trailer = b2&0x80 != 0
	total, informational := 0, 0
	for len(data) > 0 && len(p.ops) < 40 && total < 64<<10 {
		kind := opKind(next() % int(numOpKinds))
		switch kind {
		case opWrite, opCopy:
			n := size()
			total += n
			p.ops = append(p.ops, op{kind, n})
		case opFlush, opControllerFlush, opSetWriteDeadline:
			p.ops = append(p.ops, op{kind: kind})
		case opWriteHeader:
			status := diffStatuses[next()%len(diffStatuses)]
			if status < 200 {
				if informational++; informational > 2 {
					continue // net/http's client gives up after 5 1xx
				}
			}
			p.ops = append(p.ops, op{kind, status})
		case opPanic:
			p.ops = append(p.ops, op{kind, next() % 2})
			p.panics = true
			data = nil // nothing runs after a panic
		case opEvent:
			p.ops = append(p.ops, op{kind, next()})
		}
	}
	if p.panics || p.ownEncoding {
		p.contentLength = false // an exact length needs a body that ends normally
	}
	return p
}

// encodeProgram is decodeProgram's inverse, for seeds.
func encodeProgram(p program) []byte {
	b0 := byte(p.variant)
	if p.head {
		b0 |= 0x80
	}
	b2 := byte(slices.Index(diffContentTypes, p.contentType))
	for bit, on := range map[byte]bool{0x10: p.noTransform, 0x20: p.ownEncoding, 0x40: p.contentLength, 0x80: p.trailer} {
		if on {
			b2 |= bit
		}
	}
	out := []byte{b0, byte(slices.Index(diffAcceptEncodings, p.acceptEncoding)), b2}
	for _, o := range p.ops {
		out = append(out, byte(o.kind))
		switch o.kind {
		case opWrite, opCopy:
			if o.n < 0x80 {
				out = append(out, byte(o.n))
			} else {
				out = append(out, 0x80|byte(o.n>>8), byte(o.n))
			}
		case opWriteHeader:
			out = append(out, byte(slices.Index(diffStatuses, o.n)))
		case opPanic, opEvent:
			out = append(out, byte(o.n))
		}
	}
	return out
}

// diffText is the body every program writes from: text with LF, CRLF and
// CR line ends and blank lines, so event and line boundaries are common.
var diffText = func() []byte {
	var b bytes.Buffer
	ends := []string{"\n", "\r\n", "\r", "\n\n", "\r\n\r\n"}
	for i := 0; b.Len() < 96<<10; i++ {
		fmt.Fprintf(&b, "data: {\"i\":%d,\"v\":\"%s\"}%s", i, strings.Repeat("ab", i%23), ends[(i*7)%len(ends)])
	}
	return b.Bytes()
}()

// diffServer is one loopback server per fuzz worker with the control
// handler and every middleware variant, and a client without transparent
// decompression.
type diffServer struct {
	srv      *httptest.Server
	client   *http.Client
	sessions sync.Map // id → *session
	nextID   atomic.Int64
}

func newDiffServer(f *testing.F) *diffServer {
	d := &diffServer{}
	mux := http.NewServeMux()
	mux.Handle("/control", http.HandlerFunc(d.serve))
	mux.Handle("/streamzip/0", streamzip.Middleware(http.HandlerFunc(d.serve)))
	for v := 1; v < 16; v++ {
		opts := []streamzip.Option{
			streamzip.WithEncodings("zstd", "br", "gzip"),
			streamzip.WithMinSize(diffMinSizes[v%len(diffMinSizes)]),
		}
		if v < 8 {
			opts = append(opts, streamzip.WithEventStreams(streamzip.CompressEventStreams))
		}
		if v%2 == 1 {
			opts = append(opts, streamzip.WithReleaseAfter(0)) // release after every event
		}
		mw, err := streamzip.New(opts...)
		if err != nil {
			f.Fatal(err)
		}
		mux.Handle(fmt.Sprintf("/streamzip/%d", v), mw(http.HandlerFunc(d.serve)))
	}
	d.srv = httptest.NewUnstartedServer(mux)
	// Panics and superfluous WriteHeader calls are the point; keep the log quiet.
	d.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	d.srv.Start()
	tr := d.srv.Client().Transport.(*http.Transport).Clone()
	tr.DisableCompression = true
	d.client = &http.Client{Transport: tr}
	f.Cleanup(func() {
		tr.CloseIdleConnections()
		d.srv.Close()
	})
	return d
}

// session links one request's handler to the test goroutine reading it.
type session struct {
	p       *program
	wants   chan int      // the handler flushed: decode this many bytes
	acks    chan struct{} // the client decoded them
	done    chan struct{} // the handler returned (or panicked)
	written bytes.Buffer  // what the handler's writes accepted
	failed  []bool        // per Write call: it returned an error
	bodyOK  bool          // the response may carry a body
	mu      sync.Mutex
	errs    []string // handler-side failures
}

func (s *session) fail(format string, args ...any) {
	s.mu.Lock()
	s.errs = append(s.errs, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

// diffStep is the liveness bound of one lockstep step: a flushed byte that
// never becomes decodable would otherwise hang the run.
const diffStep = 5 * time.Second

// serve runs the program of the session named in the query.
func (d *diffServer) serve(w http.ResponseWriter, r *http.Request) {
	v, _ := d.sessions.Load(r.URL.Query().Get("s"))
	s := v.(*session)
	defer close(s.done)
	p := s.p
	h := w.Header()
	if p.contentType != "" {
		h.Set("Content-Type", p.contentType)
	}
	if p.noTransform {
		h.Set("Cache-Control", "no-cache, no-transform")
	}
	if p.ownEncoding {
		h.Set("Content-Encoding", "x-custom")
	}
	if p.contentLength {
		h.Set("Content-Length", strconv.Itoa(p.bodyLen()))
	}
	h.Set("X-Program", "1")
	h.Set("ETag", `"diff-v1"`)
	if p.trailer {
		h.Set("Trailer", "X-Diff-Trailer")
		defer h.Set("X-Diff-Trailer", "t1") // after the body, before the end
	}
	rc := http.NewResponseController(w)
	cursor, status := 0, 0
	chunk := func(n int) []byte {
		if cursor+n > len(diffText) {
			cursor = 0
		}
		b := diffText[cursor : cursor+n]
		cursor += n
		return b
	}
	write := func(b []byte) {
		n, err := w.Write(b)
		s.written.Write(b[:n])
		s.failed = append(s.failed, err != nil)
	}
	lockstep := func() {
		want := 0
		if s.bodyOK && bodyAllowed(status) {
			want = s.written.Len()
		}
		select {
		case s.wants <- want:
		case <-time.After(diffStep):
			s.fail("flush: the client never received the headers")
			return
		}
		select {
		case <-s.acks:
		case <-time.After(diffStep):
			s.fail("flush: the client could not decode the %d bytes written so far", want)
		}
	}
	for _, o := range p.ops {
		switch o.kind {
		case opWrite:
			write(chunk(o.n))
		case opEvent:
			ev := []byte("data: event\n\n")
			cut := o.n % len(ev)
			write(ev[:cut])
			write(ev[cut:])
		case opCopy:
			src := chunk(o.n)
			n, err := io.Copy(w, onlyReader{bytes.NewReader(src)})
			s.written.Write(src[:n])
			s.failed = append(s.failed, err != nil)
		case opFlush:
			w.(http.Flusher).Flush()
			status = max(status, 200)
			lockstep()
		case opControllerFlush:
			if err := rc.Flush(); err == nil {
				status = max(status, 200)
				lockstep()
			}
		case opWriteHeader:
			w.WriteHeader(o.n)
			if status == 0 && o.n >= 200 {
				status = o.n
			}
		case opSetWriteDeadline:
			if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
				s.fail("SetWriteDeadline: %v", err)
			}
		case opPanic:
			if o.n == 0 {
				panic(http.ErrAbortHandler)
			}
			panic("differential fuzz: handler panic")
		}
	}
}

// onlyReader hides bytes.Reader's WriteTo so io.Copy uses ReadFrom.
type onlyReader struct{ io.Reader }

// bodyLen is the number of bytes the program's writes hand to Write.
func (p *program) bodyLen() int {
	n := 0
	for _, o := range p.ops {
		switch o.kind {
		case opWrite, opCopy:
			n += o.n
		case opEvent:
			n += len("data: event\n\n")
		}
	}
	return n
}

// bodyAllowed reports whether a response with this final status (0: not
// yet sent) carries a body.
func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified
}

// runResult is what the client saw of one run.
type runResult struct {
	doErr    error
	status   int
	header   http.Header
	body     []byte // decoded
	readErr  error  // nil only for a body that ended cleanly
	written  []byte // what the handler's writes accepted
	failed   []bool // per Write call: it returned an error
	trailer  http.Header
	encoding string // Content-Encoding added by streamzip, "" if none
}

// run sends one request for p to path and reads the response in lockstep
// with the handler.
func (d *diffServer) run(t *testing.T, path string, p *program, hdr ...string) runResult {
	t.Helper()
	id := strconv.FormatInt(d.nextID.Add(1), 10)
	s := &session{
		p: p, bodyOK: !p.head,
		wants: make(chan int), acks: make(chan struct{}), done: make(chan struct{}),
	}
	d.sessions.Store(id, s)
	defer d.sessions.Delete(id)
	method := http.MethodGet
	if p.head {
		method = http.MethodHead
	}
	req, err := http.NewRequest(method, d.srv.URL+path+"?s="+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", p.acceptEncoding)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	var res runResult
	resp, err := d.client.Do(req)
	if err != nil {
		res.doErr = err
		<-s.done
	} else {
		res.status, res.header = resp.StatusCode, resp.Header
		if ce := resp.Header.Get("Content-Encoding"); ce != "" && !p.ownEncoding {
			res.encoding = ce
		}
		transport := &errRecorder{r: resp.Body}
		dec := &lazyDecoder{encoding: res.encoding, raw: bufio.NewReader(transport)}
		var body bytes.Buffer
	steps:
		for {
			select {
			case want := <-s.wants:
				if err := dec.readUntil(&body, want); err != nil {
					t.Errorf("%s: after a flush the client decoded %d of %d bytes: %v", path, body.Len(), want, err)
				}
				select {
				case s.acks <- struct{}{}:
				case <-time.After(diffStep):
					t.Fatalf("%s: handler stopped waiting for the client", path)
				}
			case <-s.done:
				break steps
			}
		}
		res.readErr = dec.readAll(&body)
		if res.readErr == nil {
			// A decoder may take a truncated transport for a clean end (zstd
			// does when the cut falls between frames); the framing knows.
			res.readErr = transport.err
		}
		dec.close()
		resp.Body.Close()
		res.body = body.Bytes()
		res.trailer = resp.Trailer
	}
	for _, e := range s.errs {
		t.Errorf("%s: handler: %s", path, e)
	}
	res.written = s.written.Bytes()
	res.failed = s.failed
	return res
}

// errRecorder remembers the first error other than io.EOF its reader
// returned.
type errRecorder struct {
	r   io.Reader
	err error
}

func (e *errRecorder) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// lazyDecoder creates the decoder at the first byte needed: a gzip reader
// reads its header at creation, which a headers-only flush does not send.
type lazyDecoder struct {
	encoding string
	raw      *bufio.Reader
	r        io.Reader
	zr       *zstd.Decoder
}

func (l *lazyDecoder) reader() (io.Reader, error) {
	if l.r != nil {
		return l.r, nil
	}
	var err error
	switch l.encoding {
	case "":
		l.r = l.raw
	case "gzip":
		l.r, err = gzip.NewReader(l.raw)
	case "br":
		l.r = brotli.NewReader(l.raw)
	case "zstd":
		// One decoder goroutine-free: it decodes in Read, as data arrives.
		l.zr, err = zstd.NewReader(l.raw, zstd.WithDecoderConcurrency(1))
		l.r = l.zr
	default:
		err = fmt.Errorf("unexpected Content-Encoding %q", l.encoding)
	}
	return l.r, err
}

func (l *lazyDecoder) readUntil(dst *bytes.Buffer, want int) error {
	if dst.Len() >= want {
		return nil
	}
	r, err := l.reader()
	if err != nil {
		return err
	}
	buf := make([]byte, 4096)
	for dst.Len() < want {
		n, err := r.Read(buf[:min(len(buf), want-dst.Len())])
		dst.Write(buf[:n])
		if err == io.EOF && dst.Len() >= want {
			return nil // the last bytes and the end of a body of exact length came together
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// readAll reads to the end; nil means the body ended cleanly (for an
// encoded body: with a valid trailer).
func (l *lazyDecoder) readAll(dst *bytes.Buffer) error {
	if l.r == nil {
		if _, err := l.raw.Peek(1); errors.Is(err, io.EOF) {
			return nil // nothing at all: an empty body
		}
	}
	r, err := l.reader()
	if err != nil {
		return err
	}
	_, err = dst.ReadFrom(r)
	return err
}

func (l *lazyDecoder) close() {
	if l.zr != nil {
		l.zr.Close()
	}
}

// diffIgnoredHeaders are the headers compression may change: coding and
// length, caching validators and hints, and per-response ones.
var diffIgnoredHeaders = []string{
	"Content-Encoding", "Content-Length", "Vary", "Etag", "Accept-Ranges",
	"X-Accel-Buffering", "Incremental", "Date", "Transfer-Encoding",
}

func compareRuns(t *testing.T, p *program, control, got runResult) {
	t.Helper()
	if got.encoding != "" && !accepts(p.acceptEncoding, got.encoding) {
		t.Errorf("Content-Encoding %q for Accept-Encoding %q", got.encoding, p.acceptEncoding)
	}
	if p.ownEncoding && got.doErr == nil && got.header.Get("Content-Encoding") != "x-custom" {
		t.Errorf("the handler's Content-Encoding became %q", got.header.Get("Content-Encoding"))
	}
	if !bytes.HasPrefix(got.written, got.body) {
		t.Errorf("decoded body is not what the handler wrote:\n got %q\nwant prefix of %q", clip(got.body), clip(got.written))
	}
	if p.panics {
		// Truncation depends on buffering, so only safety is compared: a
		// response that has a body must not look complete.
		if got.doErr == nil && got.readErr == nil && !p.head && bodyAllowed(got.status) && got.status >= 200 {
			t.Errorf("handler panicked, yet the client read a complete %d body of %d bytes (encoding %q)",
				got.status, len(got.body), got.encoding)
		}
		return
	}
	if control.doErr != nil || control.readErr != nil {
		t.Fatalf("control run failed (a bug in the program decoder): %v %v", control.doErr, control.readErr)
	}
	if got.doErr != nil {
		t.Fatalf("request failed: %v", got.doErr)
	}
	if got.readErr != nil {
		t.Fatalf("body (encoding %q) did not end cleanly: %v", got.encoding, got.readErr)
	}
	if got.status != control.status {
		t.Errorf("status %d, control %d", got.status, control.status)
	}
	if !bytes.Equal(got.body, control.body) {
		t.Errorf("decoded body differs from the control's:\n got %q\nwant %q", clip(got.body), clip(control.body))
	}
	for i := range min(len(got.failed), len(control.failed)) {
		if got.failed[i] && !control.failed[i] {
			t.Errorf("write %d failed through streamzip, not without it", i)
		}
	}
	ignored := diffIgnoredHeaders
	if control.header.Get("Content-Length") != "" && got.encoding != "" {
		// The control's fixed length left net/http no way to send the
		// declared trailers (it sends Trailer as a header and drops them);
		// the encoded body is chunked, so they arrive as declared.
		ignored = append(slices.Clone(ignored), "Trailer")
	} else if g, c := fmt.Sprint(got.trailer), fmt.Sprint(control.trailer); g != c {
		t.Errorf("trailers %s, control %s", g, c)
	}
	keys := map[string]bool{}
	for k := range control.header {
		keys[k] = true
	}
	for k := range got.header {
		keys[k] = true
	}
	for k := range keys {
		if slices.Contains(ignored, k) {
			continue
		}
		if g, c := got.header[k], control.header[k]; !slices.Equal(g, c) {
			t.Errorf("header %s: %q, control %q", k, g, c)
		}
	}
}

// accepts reports whether a coding has a positive weight in the fixed
// Accept-Encoding values of diffAcceptEncodings.
func accepts(acceptEncoding, coding string) bool {
	for _, elem := range strings.Split(acceptEncoding, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(elem), ";")
		if name == coding || name == "*" {
			if params != "q=0" {
				return true
			}
		}
	}
	return false
}

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + fmt.Sprintf("…(%d bytes)", len(b))
	}
	return string(b)
}

// TestDifferentialSeedsRoundTrip keeps the seeds meaningful: each decodes
// back to the program it was written as.
func TestDifferentialSeedsRoundTrip(t *testing.T) {
	for i, seed := range differentialSeeds {
		got := decodeProgram(encodeProgram(seed))
		want := seed
		want.panics = slices.ContainsFunc(seed.ops, func(o op) bool { return o.kind == opPanic })
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("seed %d decodes to\n%+v\nwant\n%+v", i, *got, want)
		}
	}
}

// TestWriteDifferentialSeeds writes the seeds to
// testdata/fuzz/FuzzDifferential in the go fuzz corpus format, when
// STREAMZIP_WRITE_SEEDS=1.
func TestWriteDifferentialSeeds(t *testing.T) {
	if os.Getenv("STREAMZIP_WRITE_SEEDS") != "1" {
		t.Skip("set STREAMZIP_WRITE_SEEDS=1 to regenerate testdata/fuzz/FuzzDifferential")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDifferential")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, seed := range differentialSeeds {
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", encodeProgram(seed))
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// agreeingHeaders are the headers a HEAD, 304 or 206 must share with the
// GET or 200 it stands for.
var agreeingHeaders = []string{"Content-Encoding", "Vary", "Etag", "Accept-Ranges", "Content-Type"}

// compareHeadWithGet runs p's HEAD through the same streamzip variant and
// checks it carries the headers its GET did (RFC 9110 §9.3.2); a
// Content-Length, which HEAD may omit, must be GET's if sent.
func (d *diffServer) compareHeadWithGet(t *testing.T, p *program, get runResult) {
	if p.head {
		return
	}
	hp := *p
	hp.head = true
	head := d.run(t, fmt.Sprintf("/streamzip/%d", p.variant), &hp)
	if head.doErr != nil {
		t.Fatalf("HEAD: %v", head.doErr)
	}
	for _, k := range agreeingHeaders {
		if g, h := get.header[k], head.header[k]; !slices.Equal(g, h) {
			t.Errorf("HEAD %s %q, GET %q", k, h, g)
		}
	}
	if n := head.header.Get("Content-Length"); n != "" && n != get.header.Get("Content-Length") {
		t.Errorf("HEAD Content-Length %s, GET %q", n, get.header.Get("Content-Length"))
	}
}

// compareBodylessWithOK: when p answers 304 or 206, the same program
// answering 200 is the representation it stands for; the 304 (asked with
// that 200's ETag) must carry its ETag and Vary, the 206 its Vary.
func (d *diffServer) compareBodylessWithOK(t *testing.T, p *program) {
	i := slices.IndexFunc(p.ops, func(o op) bool { return o.kind == opWriteHeader && o.n >= 200 })
	if i < 0 || (p.ops[i].n != http.StatusNotModified && p.ops[i].n != http.StatusPartialContent) {
		return
	}
	path := fmt.Sprintf("/streamzip/%d", p.variant)
	okp := *p
	okp.ops = slices.Clone(p.ops)
	okp.ops[i].n = http.StatusOK
	ok := d.run(t, path, &okp)
	if ok.doErr != nil || ok.status != http.StatusOK {
		return // the 200 program failed or chose another status; compareRuns judges it
	}
	bodyless := d.run(t, path, p, "If-None-Match", ok.header.Get("Etag"))
	if bodyless.doErr != nil {
		t.Fatalf("%d: %v", p.ops[i].n, bodyless.doErr)
	}
	headers := []string{"Vary"}
	if p.ops[i].n == http.StatusNotModified {
		headers = append(headers, "Etag")
	}
	for _, k := range headers {
		if g, b := ok.header[k], bodyless.header[k]; !slices.Equal(g, b) {
			t.Errorf("%d %s %q, its 200 %q", p.ops[i].n, k, b, g)
		}
	}
}
