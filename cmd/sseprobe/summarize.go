package main

import (
	"encoding/json"
	"strconv"
)

// summarize shortens an event's data for the table. LLM APIs wrap each
// token in the same JSON envelope, so for OpenAI-style chunks
// (choices[0].delta.content) and Anthropic-style deltas (delta.text) the
// token is what tells events apart; anything else is shown as it is.
func summarize(data string) string {
	if len(data) == 0 || data[0] != '{' {
		return data
	}
	var v struct {
		Object  string `json:"object"`
		Type    string `json:"type"`
		Choices []struct {
			Delta struct {
				Content *string `json:"content"`
			} `json:"delta"`
		} `json:"choices"`
		Delta struct {
			Text *string `json:"text"`
		} `json:"delta"`
	}
	if json.Unmarshal([]byte(data), &v) != nil {
		return data
	}
	switch {
	case len(v.Choices) > 0 && v.Choices[0].Delta.Content != nil:
		return "content " + strconv.Quote(*v.Choices[0].Delta.Content) + "  (" + v.Object + ")"
	case v.Delta.Text != nil:
		return "text " + strconv.Quote(*v.Delta.Text) + "  (" + v.Type + ")"
	}
	return data
}
