package clienttests

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/streamzip/streamzip"
	"github.com/streamzip/streamzip/internal/naivegzip"
)

// Liveness bounds, never timing assertions: a held-back chunk does not
// arrive at all before the handler gives up.
const (
	stepOK      = 10 * time.Second
	stepControl = 1500 * time.Millisecond
)

// numChunks is how many completion chunks each exchange streams.
const numChunks = 6

// fakeCompletions is a local chat completions endpoint speaking OpenAI's
// streaming format: one `data: {chat.completion.chunk}` event per token,
// then `data: [DONE]`. It writes chunk k+1 only after the client reported
// (ack) that the SDK's stream iterator yielded chunk k, so a chunk held
// back anywhere between them fails the exchange with a timeout.
type fakeCompletions struct {
	step time.Duration
	acks chan int
	done chan error
	// flush makes the handler flush after each chunk, as an SSE handler
	// without streamzip must; the buffering control sets it and still
	// stalls.
	flush bool
	// encoding is the Content-Encoding the middleware chose, read from
	// the response once the handler returned.
	encoding chan string
}

func newFakeCompletions(step time.Duration) *fakeCompletions {
	return &fakeCompletions{
		step:     step,
		acks:     make(chan int, 4*numChunks),
		done:     make(chan error, 1),
		encoding: make(chan string, 1),
	}
}

// ack never blocks: acks after the handler gave up are dropped.
func (f *fakeCompletions) ack(k int) {
	select {
	case f.acks <- k:
	default:
	}
}

// token is the content of chunk k.
func token(k int) string { return fmt.Sprintf("tok%d ", k) }

// chunkEvent is chunk k as OpenAI sends it, padded with a long system
// fingerprint so each compressed event is a real block.
func chunkEvent(k int) string {
	return fmt.Sprintf(`data: {"id":"chatcmpl-lockstep","object":"chat.completion.chunk","created":1767225600,"model":"fake-model","system_fingerprint":"fp_%s","choices":[{"index":0,"delta":{"role":"assistant","content":%q},"logprobs":null,"finish_reason":null}]}`+"\n\n",
		strings.Repeat("0123456789abcdef", 32), token(k))
}

func (f *fakeCompletions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		http.NotFound(w, r)
		return
	}
	f.done <- f.serve(w, r)
}

func (f *fakeCompletions) serve(w http.ResponseWriter, r *http.Request) error {
	// The SDK sets no Accept-Encoding of its own, so the Transport's
	// must be the one on the wire.
	if got := r.Header.Get("Accept-Encoding"); got != streamzip.TransportAcceptEncoding {
		return fmt.Errorf("request Accept-Encoding %q, want the Transport's %q", got, streamzip.TransportAcceptEncoding)
	}
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	for k := range numChunks {
		if _, err := io.WriteString(w, chunkEvent(k)); err != nil {
			return fmt.Errorf("write chunk %d: %w", k, err)
		}
		if f.flush {
			if err := http.NewResponseController(w).Flush(); err != nil {
				return fmt.Errorf("flush chunk %d: %w", k, err)
			}
		}
		if err := f.waitAck(r, k); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "data: [DONE]\n\n")
	return err
}

var errHeldBack = errors.New("chunk held back")

func (f *fakeCompletions) waitAck(r *http.Request, k int) error {
	timer := time.NewTimer(f.step)
	defer timer.Stop()
	select {
	case got := <-f.acks:
		if got != k {
			return fmt.Errorf("the SDK yielded chunk %d, want %d", got, k)
		}
		return nil
	case <-timer.C:
		return fmt.Errorf("%w: the SDK had not yielded chunk %d after %v", errHeldBack, k, f.step)
	case <-r.Context().Done():
		return fmt.Errorf("the client went away before chunk %d", k)
	}
}

// recordEncoding wraps the whole server-side chain and reports the
// Content-Encoding the response went out with.
func (f *fakeCompletions) recordEncoding(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		select {
		case f.encoding <- w.Header().Get("Content-Encoding"):
		default:
		}
	})
}

// streamCompletion streams a chat completion from srv with the official
// SDK over httpClient, acking each chunk the moment the SDK's iterator
// yields it. It returns the handler's outcome, and the content and error
// the client ended with.
func streamCompletion(t *testing.T, f *fakeCompletions, baseURL string, httpClient *http.Client) (handlerErr error, content string, streamErr error) {
	t.Helper()
	client := openai.NewClient(
		option.WithBaseURL(baseURL+"/v1/"),
		option.WithAPIKey("sk-test"),
		option.WithHTTPClient(httpClient),
		option.WithMaxRetries(0), // a retry would hide a stalled stream
	)
	ctx, cancel := context.WithTimeout(context.Background(), numChunks*f.step+10*time.Second)
	defer cancel()
	stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model:    "fake-model",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Count, please.")},
	})
	defer stream.Close()

	readerDone := make(chan struct{})
	var got strings.Builder
	go func() {
		defer close(readerDone)
		k := 0
		for stream.Next() {
			chunk := stream.Current()
			if len(chunk.Choices) != 1 {
				streamErr = fmt.Errorf("chunk %d has %d choices", k, len(chunk.Choices))
				return
			}
			delta := chunk.Choices[0].Delta.Content
			if delta != token(k) {
				streamErr = fmt.Errorf("chunk %d content %q, want %q", k, delta, token(k))
				return
			}
			got.WriteString(delta)
			f.ack(k)
			k++
		}
		streamErr = stream.Err()
	}()
	select {
	case handlerErr = <-f.done:
	case <-ctx.Done():
		handlerErr = errors.New("the completion was never requested")
	}
	if handlerErr != nil {
		cancel() // a held-back stream would otherwise wait for its end
	}
	<-readerDone
	return handlerErr, got.String(), streamErr
}

func wantContent() string {
	var b strings.Builder
	for k := range numChunks {
		b.WriteString(token(k))
	}
	return b.String()
}

// TestOpenAISDKStreamsThroughTransport: the official OpenAI Go SDK, with
// its HTTP client's Transport set to streamzip.Transport(nil), streams a
// chat completion from a fake endpoint behind streamzip with
// CompressEventStreams: each chunk reaches the SDK's stream iterator
// before the endpoint writes the next, in every coding, also when the
// gzip stream releases its compressor after every chunk.
func TestOpenAISDKStreamsThroughTransport(t *testing.T) {
	httpClient := &http.Client{Transport: streamzip.Transport(nil)}
	t.Cleanup(httpClient.CloseIdleConnections)

	for _, tc := range []struct {
		name string
		opts []streamzip.Option
		want string
	}{
		{"default", nil, "gzip"},
		{"gzip-released", []streamzip.Option{streamzip.WithEncodings("gzip"), streamzip.WithReleaseAfter(0)}, "gzip"},
		{"br", []streamzip.Option{streamzip.WithEncodings("br")}, "br"},
		{"zstd", []streamzip.Option{streamzip.WithEncodings("zstd")}, "zstd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mw, err := streamzip.New(append(tc.opts, streamzip.WithEventStreams(streamzip.CompressEventStreams))...)
			if err != nil {
				t.Fatal(err)
			}
			f := newFakeCompletions(stepOK)
			srv := httptest.NewServer(f.recordEncoding(mw(f)))
			defer srv.Close()

			handlerErr, content, streamErr := streamCompletion(t, f, srv.URL, httpClient)
			if handlerErr != nil {
				t.Fatalf("lockstep with the SDK: %v (client: %v)", handlerErr, streamErr)
			}
			if streamErr != nil {
				t.Fatalf("the SDK's stream ended with %v", streamErr)
			}
			if content != wantContent() {
				t.Fatalf("content %q, want %q", content, wantContent())
			}
			if got := <-f.encoding; got != tc.want {
				t.Fatalf("the stream went out with Content-Encoding %q, want %q", got, tc.want)
			}
		})
	}
}

// TestOpenAISDKLockstepDetectsBuffering is the negative control: the same
// exchange through a gzip middleware that buffers until the handler
// returns must stall although the handler flushes every chunk, so the
// passes above mean each chunk really reached the iterator on its own.
func TestOpenAISDKLockstepDetectsBuffering(t *testing.T) {
	httpClient := &http.Client{Transport: streamzip.Transport(nil)}
	t.Cleanup(httpClient.CloseIdleConnections)

	f := newFakeCompletions(stepControl)
	f.flush = true
	srv := httptest.NewServer(f.recordEncoding(naivegzip.Middleware(f)))
	defer srv.Close()

	handlerErr, content, streamErr := streamCompletion(t, f, srv.URL, httpClient)
	if !errors.Is(handlerErr, errHeldBack) {
		t.Fatalf("lockstep through a buffering middleware: %v; want the chunks held back", handlerErr)
	}
	if got := <-f.encoding; got != "gzip" {
		t.Errorf("the control sent Content-Encoding %q, want gzip", got)
	}
	// What the middleware released when the handler gave up may still
	// reach the iterator; only the stall is asserted.
	t.Logf("buffering detected as expected: %v (client got %q, then %v)", handlerErr, content, streamErr)
}
