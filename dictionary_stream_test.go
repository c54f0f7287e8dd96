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

// countingReader counts the encoded bytes read so far.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// eventsDictionary is a skeleton of the events the stream sends, without
// their values: what a server would ship as its fixed stream dictionary.
func eventsDictionary() []byte {
	return []byte(strings.ReplaceAll(event(0, "\n"), "0", ""))
}

// dictionaryStreamServer serves a lockstep event stream at /events with
// CompressEventStreams and the stream dictionary d.
func dictionaryStreamServer(t *testing.T, d *streamzip.Dictionary, events int, opts ...streamzip.Option) (string, *http.Client, *lockstep) {
	mw, err := streamzip.New(append([]streamzip.Option{streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithEncodings("zstd", "br", "gzip"), streamzip.WithDictionaries(d)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	l := newLockstep(events)
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for k := range events {
			io.WriteString(w, event(k, "\n"))
			if err := l.WaitAck(k); err != nil {
				t.Error(err)
				return
			}
		}
	}))
	srv, c := newServer(t, h)
	return srv.URL, c, l
}

// readInLockstep decodes events one by one, acking each so the handler
// writes the next, and returns the encoded bytes read when each event was
// decoded. An event held back makes the handler's WaitAck time out, which
// ends the response and fails the read.
func readInLockstep(t *testing.T, resp *http.Response, l *lockstep, dict []byte) []int {
	t.Helper()
	cr := &countingReader{r: resp.Body}
	var body io.Reader
	if ce := resp.Header.Get("Content-Encoding"); ce == "dcz" {
		body = dczReader(t, cr, dict)
	} else {
		var err error
		if body, err = decode(ce, cr); err != nil {
			t.Fatal(err)
		}
	}
	er := newEventReader(body)
	var at []int
	for k := range l.Events {
		ev, err := er.Next()
		if err != nil {
			t.Fatalf("event %d: %v", k, err)
		}
		if want := strings.TrimSuffix(event(k, "\n"), "\n"); ev != want {
			t.Fatalf("event %d = %q, want %q", k, ev, want)
		}
		at = append(at, cr.n)
		select {
		case l.Acks <- k:
		case <-time.After(stepTimeout):
			t.Fatalf("handler stopped before event %d", k+1)
		}
	}
	return at
}

// TestDczEventStreamInLockstep: a client holding the stream dictionary gets
// a dcz stream it decodes event by event, and its first event costs less
// than without the dictionary; a client without it gets the ordinary stream coding (control).
func TestDczEventStreamInLockstep(t *testing.T) {
	raw := eventsDictionary()
	d, err := streamzip.NewDictionary(raw, "/events", "events-v1")
	if err != nil {
		t.Fatal(err)
	}
	const events = 6
	url, c, l := dictionaryStreamServer(t, d, events)

	resp := get(t, c, "GET", url+"/events", chromiumAccept, "Available-Dictionary", availableDictionary(raw), "Dictionary-ID", `"events-v1"`)
	if ce := resp.Header.Get("Content-Encoding"); ce != "dcz" {
		t.Fatalf("Content-Encoding %q, want dcz", ce)
	}
	if got := strings.Join(resp.Header.Values("Vary"), ", "); got != "Accept-Encoding, Available-Dictionary" {
		t.Errorf("Vary %q", got)
	}
	withDict := readInLockstep(t, resp, l, raw)

	resp = get(t, c, "GET", url+"/events", chromiumAccept)
	if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
		t.Fatalf("control Content-Encoding %q, want gzip, the ordinary stream coding", ce)
	}
	without := readInLockstep(t, resp, l, nil)
	// The dcz count includes its 40-byte header.
	t.Logf("encoded bytes after each event: dcz %v, gzip %v", withDict, without)
	if withDict[0]-40 >= without[0] {
		t.Errorf("first event: %d bytes of dcz (after the header) against %d of gzip: the dictionary did not help", withDict[0]-40, without[0])
	}
}

// TestDcbOnlyEventStreamGetsOrdinaryCoding: a client that holds the stream
// dictionary but offers dcb, not dcz, gets the ordinary stream coding (as
// the control client of TestDczEventStreamInLockstep), event by event.
func TestDcbOnlyEventStreamGetsOrdinaryCoding(t *testing.T) {
	raw := eventsDictionary()
	d, err := streamzip.NewDictionary(raw, "/events", "")
	if err != nil {
		t.Fatal(err)
	}
	url, c, l := dictionaryStreamServer(t, d, 6)
	resp := get(t, c, "GET", url+"/events", "gzip, deflate, br, zstd, dcb", "Available-Dictionary", availableDictionary(raw))
	if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip, the ordinary stream coding", ce)
	}
	t.Logf("encoded bytes after each event: gzip %v", readInLockstep(t, resp, l, raw))
}

// TestDczStreamReleasesWhileIdle: a dcz stream gives its encoder back
// after WithReleaseAfter without writes and starts a new Zstandard frame
// against the dictionary at the next event; the client decodes the frames
// as one stream, event by event. The handler waits until the stream has
// released (a test hook) before writing the next event, so with a zero
// delay every event is exactly one frame.
func TestDczStreamReleasesWhileIdle(t *testing.T) {
	raw, d, released := watchedDictionaryStreams(t)
	const events = 6
	for _, tc := range []struct {
		after      time.Duration
		wantFrames int
	}{
		{0, events},    // released after every event
		{time.Hour, 1}, // never idle that long: one frame
	} {
		t.Run(tc.after.String(), func(t *testing.T) {
			mw, err := streamzip.New(streamzip.WithEventStreams(streamzip.CompressEventStreams),
				streamzip.WithDictionaries(d), streamzip.WithReleaseAfter(tc.after))
			if err != nil {
				t.Fatal(err)
			}
			l := newLockstep(events)
			h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				for k := range events {
					io.WriteString(w, event(k, "\n"))
					if tc.after == 0 {
						select {
						case <-released:
						case <-time.After(stepTimeout):
							t.Errorf("event %d: the stream never released", k)
							return
						}
					}
					if err := l.WaitAck(k); err != nil {
						t.Error(err)
						return
					}
				}
			}))
			srv, c := newServer(t, h)
			resp := get(t, c, "GET", srv.URL+"/events", chromiumAccept, "Available-Dictionary", availableDictionary(raw))
			if ce := resp.Header.Get("Content-Encoding"); ce != "dcz" {
				t.Fatalf("Content-Encoding %q, want dcz", ce)
			}
			var wire bytes.Buffer
			resp.Body = struct {
				io.Reader
				io.Closer
			}{io.TeeReader(resp.Body, &wire), resp.Body}
			readInLockstep(t, resp, l, raw)
			if rest, err := io.ReadAll(resp.Body); err != nil || len(rest) != 3 {
				t.Errorf("after the last event: % x, %v; want the 3-byte end of the last frame", rest, err)
			}
			if n := bytes.Count(wire.Bytes(), []byte{0x28, 0xb5, 0x2f, 0xfd}); n != tc.wantFrames { // Zstandard frame magic
				t.Errorf("%d Zstandard frames after the dcz header, want %d", n, tc.wantFrames)
			}
			t.Logf("release after %v: %d bytes", tc.after, wire.Len())
		})
	}
}

// TestDczStreamAbandonedOnPanic: a handler that panics mid-stream gets a
// body that does not end cleanly (no last block: the client sees a
// truncated frame, not a complete one), and the next stream is whole.
func TestDczStreamAbandonedOnPanic(t *testing.T) {
	raw := eventsDictionary()
	d, err := streamzip.NewDictionary(raw, "/events", "")
	if err != nil {
		t.Fatal(err)
	}
	mw, err := streamzip.New(streamzip.WithEventStreams(streamzip.CompressEventStreams), streamzip.WithDictionaries(d), streamzip.WithReleaseAfter(0))
	if err != nil {
		t.Fatal(err)
	}
	srv, c := newServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, event(0, "\n"))
		if r.URL.Query().Has("panic") {
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, event(1, "\n"))
	})))
	resp := get(t, c, "GET", srv.URL+"/events?panic", chromiumAccept, "Available-Dictionary", availableDictionary(raw))
	if _, err := io.ReadAll(dczReader(t, resp.Body, raw)); err == nil {
		t.Error("a stream abandoned by a panic decoded as complete")
	}
	resp = get(t, c, "GET", srv.URL+"/events", chromiumAccept, "Available-Dictionary", availableDictionary(raw))
	got, err := io.ReadAll(dczReader(t, resp.Body, raw))
	if err != nil || string(got) != event(0, "\n")+event(1, "\n") {
		t.Errorf("next stream: %q, %v", got, err)
	}
}

// watchedDictionaryStreams returns the events dictionary (raw and made)
// and a channel that receives once per dcz stream release, through the
// test hook, so tests wait for a release instead of guessing its timing.
func watchedDictionaryStreams(t *testing.T) ([]byte, *streamzip.Dictionary, chan struct{}) {
	t.Helper()
	raw := eventsDictionary()
	d, err := streamzip.NewDictionary(raw, "/events", "")
	if err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{}, 16)
	streamzip.SetDictionaryStreamReleased(func() { released <- struct{}{} })
	t.Cleanup(func() { streamzip.SetDictionaryStreamReleased(nil) })
	return raw, d, released
}
