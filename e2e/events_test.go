package e2e

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// ackEvents reads a decoded event stream, checks that each event is the
// one the server wrote, and acks it at once, until every event has been
// read or the stream ends. It returns how many events it read and the
// first mismatch or read error.
func ackEvents(r io.Reader, l *lockstep) (int, error) {
	br := bufio.NewReader(r)
	for k := 0; k < l.events; k++ {
		ev, err := readEvent(br)
		if err != nil {
			return k, fmt.Errorf("before event %d: %w", k, err)
		}
		if want := eventText(k); ev != want {
			return k, fmt.Errorf("event %d decoded to %.60q…, want %.60q…", k, ev, want)
		}
		l.ack(k)
	}
	return l.events, nil
}

// readEvent returns the next event, its lines and the blank line that ends
// it, never reading past that blank line (the test server ends lines with
// LF only).
func readEvent(br *bufio.Reader) (string, error) {
	var ev strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			if err == io.EOF && (ev.Len() > 0 || line != "") {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		ev.WriteString(line)
		if line == "\n" && ev.Len() > 1 {
			return ev.String(), nil
		}
	}
}
