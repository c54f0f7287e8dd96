package e2e

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"
)

// Liveness bounds, never timing assertions: a held-back event does not
// arrive at all before the handler gives up, so a longer bound would not
// make a buffering path pass. stepOK is generous for slow CI machines;
// stepControl is short because negative controls must wait it out.
const (
	stepOK      = 10 * time.Second
	stepControl = 1500 * time.Millisecond
)

// numEvents is how many events each lockstep exchange sends.
const numEvents = 5

// padBytes is the size of each event's random padding: it keeps compressed
// events around half a kilobyte, so every flush emits a real block, while
// a few held-back events still fit easily in a proxy's buffer.
const padBytes = 1024

// errHeldBack is the handler's outcome when a client never reported an
// event: something between the handler and the client held it back.
var errHeldBack = errors.New("event held back")

// lockstep serves one event stream in lockstep with a real client: it
// writes event k, then waits until the client reports (ack) that it decoded
// event k before writing k+1. Only the first request gets the stream;
// later ones (EventSource reconnecting after the stream ended) get 204,
// which tells EventSource to stop.
type lockstep struct {
	events int
	step   time.Duration // liveness bound per event
	// flush makes the handler flush after each event, as most SSE
	// handlers do. The streamzip cases leave it off (streamzip flushes at
	// every event boundary by itself); the buffering controls turn it on,
	// so they fail although the handler did everything right.
	flush bool
	// accelNo makes the handler set X-Accel-Buffering: no itself, the
	// usual workaround, for controls that show it is not enough.
	accelNo bool
	// idle is a pause before each event after the first (not counted in
	// step), long enough for a compressed stream to be released between
	// events.
	idle time.Duration
	// lags holds, for each acked event, the time from the handler's write
	// returning to the client's ack: how late the path delivered it. Read
	// it only after result returned.
	lags []time.Duration

	acks    chan int
	done    chan error
	started atomic.Bool
}

func newLockstep(step time.Duration) *lockstep {
	return &lockstep{
		events: numEvents,
		step:   step,
		acks:   make(chan int, 4*numEvents), // late acks must never block a client
		done:   make(chan error, 1),
	}
}

// ack is the client reporting that it decoded event k. It never blocks:
// acks arriving after the handler gave up are dropped.
func (l *lockstep) ack(k int) {
	select {
	case l.acks <- k:
	default:
	}
}

// ServeHTTP implements http.Handler.
func (l *lockstep) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if l.started.Swap(true) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	l.done <- l.serve(w, r)
}

func (l *lockstep) serve(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	if l.accelNo {
		h.Set("X-Accel-Buffering", "no")
	}
	for k := 0; k < l.events; k++ {
		if k > 0 && l.idle > 0 {
			time.Sleep(l.idle)
		}
		wrote := time.Now()
		if _, err := io.WriteString(w, eventText(k)); err != nil {
			return fmt.Errorf("write event %d: %w", k, err)
		}
		if l.flush {
			if err := http.NewResponseController(w).Flush(); err != nil {
				return fmt.Errorf("flush event %d: %w", k, err)
			}
		}
		if err := l.waitAck(r, k); err != nil {
			return err
		}
		l.lags = append(l.lags, time.Since(wrote))
	}
	return nil
}

// waitAck waits until the client acks event k, it goes away, or the step
// times out.
func (l *lockstep) waitAck(r *http.Request, k int) error {
	timer := time.NewTimer(l.step)
	defer timer.Stop()
	var got int
	select {
	case got = <-l.acks:
	case <-timer.C:
		return fmt.Errorf("%w: the client had not decoded event %d after %v", errHeldBack, k, l.step)
	case <-r.Context().Done():
		// A client may ack and hang up at once; the ack counts.
		select {
		case got = <-l.acks:
		default:
			return fmt.Errorf("client went away before decoding event %d", k)
		}
	}
	if got != k {
		return fmt.Errorf("client acked event %d, want %d", got, k)
	}
	return nil
}

// result waits for the handler's outcome: nil when every event was acked
// in order.
func (l *lockstep) result() error {
	select {
	case err := <-l.done:
		return err
	case <-time.After(l.step*time.Duration(l.events) + 10*time.Second):
		return errors.New("the stream was never requested")
	}
}

// eventText is event k: an id and a JSON payload with padBytes of random
// hex padding (deterministic per k, so clients can check it). Random
// padding compresses to about half, so compressed events stay big enough
// for every flush to carry a real block.
func eventText(k int) string {
	return fmt.Sprintf("id: %d\ndata: {\"k\":%d,\"pad\":%q}\n\n", k, k, pad(k))
}

func pad(k int) string {
	r := rand.New(rand.NewPCG(uint64(k), 0x5eed))
	b := make([]byte, padBytes/2)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return hex.EncodeToString(b)
}
