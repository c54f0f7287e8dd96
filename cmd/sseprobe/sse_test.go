package main

import (
	"reflect"
	"testing"
)

func TestParserFields(t *testing.T) {
	in := ": heartbeat\n\n" +
		"event: token\r\nid: 7\r\ndata: a\r\ndata:b\r\n\r\n" +
		"retry: 100\n\n" +
		"data\rdata: x\r\r" +
		"data: {\"k\":1}\n\n"
	want := []block{
		{size: 13},
		{event: "token", id: "7", data: "a\nb", hasData: true, size: 39},
		{size: 13}, // with the LF of the CRLF that ended the block before
		{data: "\nx", hasData: true, size: 14},
		{data: `{"k":1}`, hasData: true, size: 15},
	}
	// Any split of the input gives the same blocks: a CRLF or a line can
	// be cut between two reads.
	for cut := 0; cut <= len(in); cut++ {
		var p sseParser
		got := append(p.feed([]byte(in[:cut])), p.feed([]byte(in[cut:]))...)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("cut at %d:\n got %+v\nwant %+v", cut, got, want)
		}
	}
}

func TestSummarize(t *testing.T) {
	for in, want := range map[string]string{
		`{"object":"chat.completion.chunk","choices":[{"delta":{"content":" hi"}}]}`: `content " hi"  (chat.completion.chunk)`,
		`{"type":"content_block_delta","delta":{"type":"text_delta","text":"yo"}}`:   `text "yo"  (content_block_delta)`,
		`{"other":1}`: `{"other":1}`,
		`[DONE]`:      `[DONE]`,
	} {
		if got := summarize(in); got != want {
			t.Errorf("summarize(%s) = %s, want %s", in, got, want)
		}
	}
}
