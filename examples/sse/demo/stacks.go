package demo

import (
	"net/http"

	"github.com/streamzip/streamzip"
	"github.com/streamzip/streamzip/internal/naivegzip"
)

// Stack names, also the last element of each stream's path.
const (
	StackPlain  = "plain"  // no middleware
	StackNaive  = "naive"  // a buffering gzip middleware: the bug
	StackBypass = "bypass" // streamzip.Middleware: event streams sent as they are
	StackGzip   = "gzip"   // streamzip compressing the stream with gzip, per event
	StackBr     = "br"     // streamzip compressing the stream with brotli, per event
)

// stack is one column of the page: a middleware in front of the same
// token stream.
type stack struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Note  string `json:"note"`
	// Streamzip marks the columns streamzip serves, Buffers the one that is
	// expected to hold events back.
	Streamzip bool `json:"streamzip"`
	Buffers   bool `json:"buffers"`

	mw func(http.Handler) http.Handler
}

func newStacks() ([]*stack, error) {
	// The compressed columns each allow one coding, so the page shows both
	// whatever the browser prefers.
	gz, err := streamzip.New(
		streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithEncodings("gzip"),
	)
	if err != nil {
		return nil, err
	}
	br, err := streamzip.New(
		streamzip.WithEventStreams(streamzip.CompressEventStreams),
		streamzip.WithEncodings("br"),
	)
	if err != nil {
		return nil, err
	}
	return []*stack{
		{Name: StackPlain, Title: "no middleware", Note: "the handler flushes each event itself", mw: identity},
		{Name: StackNaive, Title: "naive gzip", Note: "compressor flushed only when the handler returns: the bug", Buffers: true, mw: naivegzip.Middleware},
		{Name: StackBypass, Title: "streamzip", Note: "Middleware: event streams bypassed, flushed per event", Streamzip: true, mw: streamzip.Middleware},
		{Name: StackGzip, Title: "streamzip gzip", Note: "CompressEventStreams: one gzip flush per event", Streamzip: true, mw: gz},
		{Name: StackBr, Title: "streamzip br", Note: "CompressEventStreams: one brotli flush per event", Streamzip: true, mw: br},
	}, nil
}

func identity(h http.Handler) http.Handler { return h }
