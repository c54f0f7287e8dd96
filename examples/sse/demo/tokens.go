package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// answer is what the demo "model" says, one word per token.
const answer = `Server-Sent Events let a server push each token the moment it exists.
A compression middleware that only flushes when the handler returns holds
every token back, so the reader sees nothing and then everything at once.
streamzip flushes at every event boundary instead, compressed or not.`

// DefaultTokens returns the demo answer split into LLM-like tokens: words
// with their leading space.
func DefaultTokens() []string {
	words := strings.Fields(answer)
	tokens := make([]string, len(words))
	for i, w := range words {
		if i > 0 {
			w = " " + w
		}
		tokens[i] = w
	}
	return tokens
}

// DoneData is the data of the last event of every stream, as OpenAI's
// chat completions API ends its streams.
const DoneData = "[DONE]"

// chunk is an OpenAI-style chat.completion.chunk, so the stream looks like
// what people put behind these middlewares.
type chunk struct {
	ID      string        `json:"id"`
	Object  string        `json:"object"`
	Created int64         `json:"created"`
	Model   string        `json:"model"`
	Choices []chunkChoice `json:"choices"`
}

type chunkChoice struct {
	Index        int        `json:"index"`
	Delta        chunkDelta `json:"delta"`
	FinishReason *string    `json:"finish_reason"`
}

type chunkDelta struct {
	Content string `json:"content"`
}

// Chunk is the decoded data of one token event, for clients of the demo.
type Chunk = chunk

// Content returns the token a chunk carries.
func (c *chunk) Content() string {
	if len(c.Choices) == 0 {
		return ""
	}
	return c.Choices[0].Delta.Content
}

// formatEvent returns event k of a stream of tokens: a chunk per token,
// the last with finish_reason "stop", then "data: [DONE]". The id field is
// k, so a client can tell events apart without decoding the data.
func formatEvent(k int, tokens []string, created int64) string {
	if k == len(tokens) {
		return fmt.Sprintf("id: %d\ndata: %s\n\n", k, DoneData)
	}
	c := chunk{
		ID:      "chatcmpl-streamzip-demo",
		Object:  "chat.completion.chunk",
		Created: created,
		Model:   "demo-1",
		Choices: []chunkChoice{{Delta: chunkDelta{Content: tokens[k]}}},
	}
	if k == len(tokens)-1 {
		stop := "stop"
		c.Choices[0].FinishReason = &stop
	}
	data, _ := json.Marshal(c) // plain strings and numbers: cannot fail
	return fmt.Sprintf("id: %d\ndata: %s\n\n", k, data)
}

// streamHandler serves the token stream through stack s, with the wire
// counter below s's middleware so it sees exactly what the middleware
// hands to the connection.
func (h *Handler) streamHandler(s *stack) http.Handler {
	inner := s.mw(h.tokenHandler(s.Name))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wc := newWireCounter(w)
		rec := h.runs.stream(r.URL.Query().Get("run"), s.Name, wc)
		inner.ServeHTTP(wc, r.WithContext(context.WithValue(r.Context(), recordKey{}, rec)))
		rec.finish() // the middleware has ended the body: count its tail
	})
}

type recordKey struct{}

// tokenHandler is an ordinary SSE handler, written the way people write
// them: set the type, write an event, Flush, repeat. Only the middleware
// in front of it changes between columns.
func (h *Handler) tokenHandler(stack string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec, _ := r.Context().Value(recordKey{}).(*streamRecord)
		ctx := r.Context()
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		flusher, _ := w.(http.Flusher)
		if flusher != nil {
			flusher.Flush() // headers now: the EventSource opens at once
		}
		created := time.Now().Unix()
		for k := 0; k <= len(h.cfg.Tokens); k++ {
			if err := h.pause(ctx, stack, k); err != nil {
				return
			}
			ev := formatEvent(k, h.cfg.Tokens, created)
			if _, err := io.WriteString(w, ev); err != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
			if rec != nil {
				rec.sent(k, len(ev))
			}
		}
		if h.cfg.Done != nil {
			h.cfg.Done(ctx, stack)
		}
	}
}
