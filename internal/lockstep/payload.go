package lockstep

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Message is the payload of event k, as frameworks marshal it to JSON.
type Message struct {
	K   int    `json:"k"`
	Pad string `json:"pad"`
}

// Payload returns event k's message. The padding makes a compressed event
// a real deflate block, so a compressor that holds bytes back is caught.
func Payload(k int) Message {
	return Message{K: k, Pad: strings.Repeat("token ", 40)}
}

// SSE returns event k as a whole Server-Sent Event with an id line.
func SSE(k int) string {
	p := Payload(k)
	return fmt.Sprintf("id: %d\ndata: {\"k\":%d,\"pad\":%q}\n\n", k, p.K, p.Pad)
}

var indexPattern = regexp.MustCompile(`"k"\s*:\s*(\d+)`)

// Index finds the event number in a decoded event or line: the value of
// its "k" JSON field, whatever framing the framework added around it.
func Index(event string) (int, error) {
	m := indexPattern.FindStringSubmatch(event)
	if m == nil {
		return 0, fmt.Errorf("no \"k\" field in event %q", event)
	}
	return strconv.Atoi(m[1])
}
