// Package lockstep runs a stream in lockstep between a handler and a real
// client: the handler writes event k, then waits until the client reports
// that it decoded event k before writing k+1. A layer that holds events
// back makes the exchange time out instead of passing on the final body.
// The nested test modules (frameworks/, adapters/gin) share it; the root
// tests and e2e keep their own, older copies of the same idea.
package lockstep

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DefaultStep bounds how long one event may take to reach the client. It
// is a liveness bound, never a timing assertion: a held-back event does
// not arrive at all while the handler waits, so a longer bound would not
// make a buffering layer pass.
const DefaultStep = 5 * time.Second

// ControlStep is the bound for negative controls, which must wait it out:
// they show that a layer holds events back, so it can be short.
const ControlStep = time.Second

// ErrHeldBack is the outcome when an event never reached the client.
var ErrHeldBack = errors.New("event held back")

// Exchange is one stream of Events events run in lockstep.
type Exchange struct {
	Events int
	Step   time.Duration // liveness bound per event
	acks   chan int
	result chan error
}

// New returns an exchange of n events bounded by DefaultStep.
func New(n int) *Exchange {
	return &Exchange{Events: n, Step: DefaultStep, acks: make(chan int), result: make(chan error, 1)}
}

// Serve is the handler side: it writes each event with write, then waits
// for the client's ack before the next. Its outcome is returned and kept
// for HandlerResult.
func (x *Exchange) Serve(ctx context.Context, write func(k int) error) error {
	return x.Finish(x.serve(ctx, write))
}

// Finish records the handler's outcome for HandlerResult and returns it,
// for handlers that drive the events themselves (gin's c.Stream) and call
// WaitAck on their own.
func (x *Exchange) Finish(err error) error {
	select {
	case x.result <- err:
	default: // served twice: the first outcome stands
	}
	return err
}

func (x *Exchange) serve(ctx context.Context, write func(k int) error) error {
	for k := range x.Events {
		if err := write(k); err != nil {
			return fmt.Errorf("write event %d: %w", k, err)
		}
		if err := x.WaitAck(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// HeldBack reports whether a negative control failed as it should: both
// sides failed, and one of them waited out the step for an event. Which
// side notices first depends on when each started its clock.
func HeldBack(client, handler error) bool {
	return client != nil && handler != nil &&
		(errors.Is(client, ErrHeldBack) || errors.Is(handler, ErrHeldBack))
}

// HandlerResult waits for Serve's outcome: nil when every event was acked
// in order.
func (x *Exchange) HandlerResult() error {
	select {
	case err := <-x.result:
		return err
	case <-time.After(x.Step*time.Duration(x.Events) + DefaultStep):
		return errors.New("the handler never finished serving the stream")
	}
}

// WaitAck is called by the handler after it wrote event k: it returns once
// the client decoded event k, or an error wrapping ErrHeldBack after Step.
func (x *Exchange) WaitAck(ctx context.Context, k int) error {
	timer := time.NewTimer(x.Step)
	defer timer.Stop()
	select {
	case got := <-x.acks:
		if got != k {
			return fmt.Errorf("client acked event %d, want %d", got, k)
		}
		return nil
	case <-timer.C:
		return fmt.Errorf("%w: the client had not decoded event %d after %v", ErrHeldBack, k, x.Step)
	case <-ctx.Done():
		return fmt.Errorf("client went away before decoding event %d: %w", k, ctx.Err())
	}
}

// Run is the client side. next blocks until the client has decoded the
// next event and returns its index; Run acks each one to the handler. stop
// unblocks a next stuck on an event that never comes (close the body).
// Run returns the first failure, a timeout when an event is held back.
func (x *Exchange) Run(next func() (int, error), stop func()) error {
	got := make(chan int)
	fail := make(chan error, 1)
	quit := make(chan struct{})
	readerDone := make(chan struct{})
	defer func() {
		close(quit) // a reader that decoded an event late stops sending
		select {
		case <-readerDone:
		case <-time.After(x.Step):
			stop()
			<-readerDone
		}
	}()
	go func() {
		defer close(readerDone)
		for range x.Events {
			k, err := next()
			if err != nil {
				fail <- err
				return
			}
			select {
			case got <- k:
			case <-quit:
				return
			}
		}
	}()
	for k := 0; k < x.Events; k++ {
		timer := time.NewTimer(x.Step)
		select {
		case n := <-got:
			timer.Stop()
			if n != k {
				return fmt.Errorf("event %d arrived, want %d", n, k)
			}
			select {
			case x.acks <- k:
			case <-time.After(x.Step):
				return fmt.Errorf("handler stopped before event %d", k+1)
			}
		case err := <-fail:
			timer.Stop()
			return fmt.Errorf("before event %d: %w", k, err)
		case <-timer.C:
			stop()
			return fmt.Errorf("%w: event %d not decoded within %v", ErrHeldBack, k, x.Step)
		}
	}
	return nil
}
