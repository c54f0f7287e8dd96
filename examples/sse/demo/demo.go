// Package demo is the handler behind `go run ./examples/sse`: a page that
// opens one EventSource per middleware stack, side by side, and the
// endpoints it reads. Every stack serves the same LLM-like token stream;
// only the middleware in front of it differs, so the page shows what each
// one does to the timing of events.
//
// It is a package of its own, not part of package main, so that its tests
// and the browser tests in the e2e module can start it on an
// httptest.Server.
package demo

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// DefaultInterval is the pause before each token: about the pace at which
// a hosted LLM streams them.
const DefaultInterval = 80 * time.Millisecond

// Config sets up a demo handler. The zero value is the demo as people see
// it.
type Config struct {
	// Tokens is the answer streamed one token per event (default: a
	// built-in answer of DefaultTokens()).
	Tokens []string
	// Interval is the pause before each event (default DefaultInterval).
	Interval time.Duration
	// Step, when set, replaces the pause: it is called before event k of a
	// stream through stack (k counts from 0; the final "[DONE]" event is
	// k == len(Tokens)), and the stream ends if it returns an error. Tests
	// use it to run the server in lockstep with a client.
	Step func(ctx context.Context, stack string, k int) error
	// Done, when set, is called after the last event was written, before
	// the handler returns and the middleware ends the response. Tests use
	// it to look at the connection while a buffering middleware still
	// holds everything.
	Done func(ctx context.Context, stack string)
}

// Handler is the demo: the page at "/", one event stream per stack at
// "/stream/{stack}", per-event wire sizes at "/api/wire", and an ordinary
// JSON response at "/api/items".
type Handler struct {
	cfg    Config
	stacks []*stack
	runs   *runs
	mux    *http.ServeMux
}

// New returns the demo handler, or an error if a stack's middleware
// rejects its options (a bug in the demo, reported rather than panicking).
func New(cfg Config) (*Handler, error) {
	if len(cfg.Tokens) == 0 {
		cfg.Tokens = DefaultTokens()
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	stacks, err := newStacks()
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	h := &Handler{cfg: cfg, stacks: stacks, runs: newRuns(maxRuns), mux: http.NewServeMux()}
	h.mux.Handle("GET /{$}", pageHandler(stacks, len(cfg.Tokens)+1))
	h.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	for _, s := range stacks {
		h.mux.Handle("GET /stream/"+s.Name, h.streamHandler(s))
	}
	h.mux.HandleFunc("GET /api/wire", h.runs.serveWire)
	h.mux.Handle("GET /api/items", itemsHandler())
	return h, nil
}

// ServeHTTP serves the demo.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Stacks returns the names of the stacks, in the order the page shows
// them: the paths of their streams are "/stream/" + name.
func (h *Handler) Stacks() []string {
	names := make([]string, len(h.stacks))
	for i, s := range h.stacks {
		names[i] = s.Name
	}
	return names
}

// pause waits before event k, by Config.Step or Config.Interval.
func (h *Handler) pause(ctx context.Context, stack string, k int) error {
	if h.cfg.Step != nil {
		return h.cfg.Step(ctx, stack, k)
	}
	t := time.NewTimer(h.cfg.Interval)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
