package main

import "strings"

// block is one blank-line-terminated block of an event stream, parsed as
// the HTML standard's EventSource does.
type block struct {
	event string // the event field ("" means "message")
	id    string
	data  string
	// hasData says whether the block had a data field: only those are
	// dispatched as events; the rest are comments (heartbeats) or
	// retry/id-only blocks.
	hasData bool
	// size is its decoded bytes, line ends included. A block ends at the
	// CR of a CRLF, so that it is dispatched without waiting for the next
	// byte; the LF is counted with the next block.
	size int
}

// sseParser splits a decoded event stream into blocks. It takes the
// stream in arbitrary pieces: lines and line ends (CR, LF or CRLF) may be
// split anywhere.
type sseParser struct {
	line    []byte // the current line so far
	afterCR bool   // the last byte was CR: an LF right after it is its pair
	cur     block
	started bool // the current block has at least one line
}

// feed parses p and returns the blocks it completed.
func (p *sseParser) feed(data []byte) []block {
	var done []block
	for _, c := range data {
		if p.afterCR {
			p.afterCR = false
			if c == '\n' {
				p.cur.size++
				continue
			}
		}
		switch c {
		case '\r', '\n':
			p.afterCR = c == '\r'
			p.cur.size++
			if len(p.line) == 0 {
				if p.started {
					done = append(done, p.cur)
				}
				p.cur, p.started = block{}, false
				continue
			}
			p.field(string(p.line))
			p.line = p.line[:0]
		default:
			p.line = append(p.line, c)
			p.cur.size++
			p.started = true
		}
	}
	return done
}

// field applies one line to the current block.
func (p *sseParser) field(line string) {
	if strings.HasPrefix(line, ":") {
		return // a comment
	}
	name, value, _ := strings.Cut(line, ":")
	value = strings.TrimPrefix(value, " ")
	switch name {
	case "event":
		p.cur.event = value
	case "id":
		if !strings.Contains(value, "\x00") {
			p.cur.id = value
		}
	case "data":
		if p.cur.hasData {
			p.cur.data += "\n"
		}
		p.cur.data += value
		p.cur.hasData = true
	}
}
