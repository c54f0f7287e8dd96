package lockstep

import (
	"bufio"
	"bytes"
	"io"
)

// eventReader splits a decoded stream into events at blank lines (CRLF,
// LF or CR line ends) or into lines, never reading past the byte that
// completes one: bufio only returns what the decoder already produced.
type eventReader struct {
	r       *bufio.Reader
	afterCR bool // the last byte was CR: a following LF belongs to it
}

func newEventReader(r io.Reader) *eventReader { return &eventReader{r: bufio.NewReader(r)} }

// next returns the next event, its lines joined by LF.
func (e *eventReader) next() (string, error) {
	var ev bytes.Buffer
	midLine := false
	for {
		c, skip, err := e.readByte(ev.Len() > 0)
		if err != nil {
			return "", err
		}
		if skip {
			continue
		}
		if c != '\r' && c != '\n' {
			midLine = true
			ev.WriteByte(c)
			continue
		}
		if midLine {
			midLine = false
			ev.WriteByte('\n')
			continue
		}
		if ev.Len() > 0 {
			return ev.String(), nil
		}
	}
}

// line returns the next non-empty line.
func (e *eventReader) line() (string, error) {
	var ln bytes.Buffer
	for {
		c, skip, err := e.readByte(ln.Len() > 0)
		if err != nil {
			return "", err
		}
		if skip {
			continue
		}
		if c != '\r' && c != '\n' {
			ln.WriteByte(c)
			continue
		}
		if ln.Len() > 0 {
			return ln.String(), nil
		}
	}
}

// readByte returns the next byte, skip for the LF that completes a CRLF,
// and io.ErrUnexpectedEOF when the stream ends inside an event.
func (e *eventReader) readByte(inside bool) (c byte, skip bool, err error) {
	c, err = e.r.ReadByte()
	if err != nil {
		if err == io.EOF && inside {
			err = io.ErrUnexpectedEOF
		}
		return 0, false, err
	}
	if c == '\n' && e.afterCR {
		e.afterCR = false
		return c, true, nil
	}
	e.afterCR = c == '\r'
	return c, false, nil
}
