package streamzip

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"testing"
)

// TestReview4ResetAcrossMembers reuses one stream for several members, with
// Reset at random points: while an eventDeflater holds bytes not yet
// encoded, while a flate.Writer is hot, while released. Each member must
// decode on its own.
func TestReview4ResetAcrossMembers(t *testing.T) {
	corpus := bytes.Join(gzsSSECorpus(300, 9), nil)
	for _, level := range []int{-1, 1, 5, 6, 9} {
		for _, hist := range []int{7, 4 << 10, defaultGzipHistorySize, maxGzipHistorySize} {
			t.Run(fmt.Sprintf("level=%d/hist=%d", level, hist), func(t *testing.T) {
				r := rand.New(rand.NewSource(int64(level*1000 + hist)))
				s := newGzipStream(gzsNewPool(t, level), hist)
				for member := range 6 {
					var out bytes.Buffer
					var in []byte
					s.Reset(&out)
					off := r.Intn(len(corpus))
					for range 40 {
						n := []int{1, 30, 250, 511, 512, 513, 2000}[r.Intn(7)]
						p := make([]byte, n)
						for i := range p {
							p[i] = corpus[(off+i)%len(corpus)]
						}
						off = (off + n) % len(corpus)
						if _, err := s.Write(p); err != nil {
							t.Fatal(err)
						}
						in = append(in, p...)
						switch r.Intn(4) {
						case 0:
							s.Flush()
						case 1:
							s.Release()
						}
					}
					if err := s.Close(); err != nil {
						t.Fatal(err)
					}
					if got := gzsGunzip(t, out.Bytes()); !bytes.Equal(got, in) {
						t.Fatalf("member %d: decoded %d bytes, want %d", member, len(got), len(in))
					}
				}
			})
		}
	}
}

// TestReview4ResetOpenMember resets a stream whose member was left open
// (pending bytes in the eventDeflater, or a hot flate.Writer) and checks
// the next member.
func TestReview4ResetOpenMember(t *testing.T) {
	ev := gzsSSECorpus(200, 3)
	for _, level := range []int{1, 5, 9} {
		for _, state := range []string{"edPending", "edFlushed", "fwPending", "released"} {
			t.Run(fmt.Sprintf("level=%d/%s", level, state), func(t *testing.T) {
				s := newGzipStream(gzsNewPool(t, level), defaultGzipHistorySize)
				var junk bytes.Buffer
				s.Reset(&junk)
				for _, e := range ev[:100] {
					s.Write(e)
					s.Flush()
					s.Release()
				}
				switch state {
				case "edPending":
					s.Write(ev[100])
				case "edFlushed":
					s.Write(ev[100])
					s.Flush()
				case "fwPending":
					s.Write(bytes.Repeat(ev[100], 5))
				}
				var out bytes.Buffer
				s.Reset(&out)
				var in []byte
				for _, e := range ev[101:] {
					if _, err := s.Write(e); err != nil {
						t.Fatal(err)
					}
					in = append(in, e...)
					s.Flush()
					s.Release()
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				if got := gzsGunzip(t, out.Bytes()); !bytes.Equal(got, in) {
					t.Fatalf("decoded %d bytes, want %d", len(got), len(in))
				}
			})
		}
	}
}

// review4FlakyWriter fails its failAt-th Write.
type review4FlakyWriter struct {
	bytes.Buffer
	n, failAt int
}

func (w *review4FlakyWriter) Write(p []byte) (int, error) {
	w.n++
	if w.n == w.failAt {
		return 0, errors.New("boom")
	}
	return w.Buffer.Write(p)
}

// TestReview4ErrorThenReset breaks a stream with a write error at each
// possible point, then Resets it onto a good writer: the next member must
// be correct (no state left from the broken one).
func TestReview4ErrorThenReset(t *testing.T) {
	ev := gzsSSECorpus(120, 5)
	for _, level := range []int{5, 9} {
		for failAt := 1; failAt < 60; failAt += 3 {
			s := newGzipStream(gzsNewPool(t, level), defaultGzipHistorySize)
			w := &review4FlakyWriter{failAt: failAt}
			s.Reset(w)
			for i, e := range ev[:60] {
				s.Write(e)
				if i%5 == 4 {
					s.Write(bytes.Repeat(e, 4))
				}
				s.Flush()
				s.Release()
			}
			var out bytes.Buffer
			s.Reset(&out)
			var in []byte
			for i, e := range ev[60:] {
				if _, err := s.Write(e); err != nil {
					t.Fatal(err)
				}
				in = append(in, e...)
				if i%3 == 0 {
					s.Flush()
					s.Release()
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if got := gzsGunzip(t, out.Bytes()); !bytes.Equal(got, in) {
				t.Fatalf("level %d failAt %d: decoded %d bytes, want %d", level, failAt, len(got), len(in))
			}
		}
	}
}

// TestReview4ReleaseResumeAllocs: a stream that releases after every
// event (the broadcast case) should not allocate per event once warm.
func TestReview4ReleaseResumeAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	ev := gzsSSECorpus(2000, 7)
	for _, level := range []int{5, 9} {
		for _, hist := range []int{4 << 10, defaultGzipHistorySize, maxGzipHistorySize} {
			s := newGzipStream(gzsNewPool(t, level), hist)
			var out bytes.Buffer
			s.Reset(&out)
			i := 0
			step := func() {
				s.Write(ev[i%len(ev)])
				s.Flush()
				s.Release()
				i++
				if out.Len() > 1<<20 {
					out.Reset()
				}
			}
			for range 500 {
				step()
			}
			allocs := testing.AllocsPerRun(500, step)
			t.Logf("level %d hist %d: %.3f allocs per event", level, hist, allocs)
			if allocs > 0.05 {
				t.Errorf("level %d hist %d: %.3f allocs per released event", level, hist, allocs)
			}
		}
	}
}

// TestReview4MixedAllocs: events of mixed sizes (some past maxEventDeflate,
// some pieces of one event), released after each, or kept hot.
func TestReview4MixedAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	ev := gzsSSECorpus(2000, 8)
	for _, level := range []int{1, 5, 9} {
		for _, release := range []bool{true, false} {
			s := newGzipStream(gzsNewPool(t, level), defaultGzipHistorySize)
			var out bytes.Buffer
			s.Reset(&out)
			i := 0
			big := make([]byte, 0, 4096)
			step := func() {
				e := ev[i%len(ev)]
				switch i % 5 {
				case 0:
					big = append(big[:0], e...)
					big = append(big, ev[(i+1)%len(ev)]...)
					big = append(big, ev[(i+2)%len(ev)]...)
					s.Write(big)
				case 1:
					s.Write(e[:6])
					s.Write(e[6:])
				case 2:
					s.Write(e)
					s.Write(ev[(i+3)%len(ev)])
					s.Write(ev[(i+4)%len(ev)])
				default:
					s.Write(e)
				}
				s.Flush()
				if release {
					s.Release()
				}
				i++
				if out.Len() > 1<<20 {
					out.Reset()
				}
			}
			for range 3000 {
				step()
			}
			allocs := testing.AllocsPerRun(1000, step)
			t.Logf("level %d release %v: %.3f allocs per event", level, release, allocs)
			if allocs > 0.05 {
				t.Errorf("level %d release %v: %.3f allocs per event", level, release, allocs)
			}
		}
	}
}
