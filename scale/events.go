package main

import (
	"fmt"
	"strings"
)

// words is the vocabulary of the generated token stream.
var words = strings.Fields(`the a model streams tokens to browser while proxy keeps quiet and user
reads along compression window history buffer flush latency server client event data idle memory
pool writer reader chunk json delta content choice index finish reason answer question because
however therefore example function value result error request response header body status cache`)

// event is an OpenAI-style streaming chunk of about 250 bytes carrying one
// to four pseudo-random tokens; the same k always gives the same event,
// so a client knows exactly what it must decode. It is the token corpus of
// the root package's benchmarks.
func event(k int) string {
	x := uint32(k)*2654435761 + 12345
	next := func() int { x ^= x << 13; x ^= x >> 17; x ^= x << 5; return int(x % uint32(len(words))) }
	var content strings.Builder
	for range 1 + next()%4 {
		content.WriteString(" " + words[next()])
	}
	return fmt.Sprintf(`data: {"id":"chatcmpl-%04x","object":"chat.completion.chunk","created":%d,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":%q},"finish_reason":null}]}`+"\n\n",
		k/400, 1764111600+k/50, content.String())
}
