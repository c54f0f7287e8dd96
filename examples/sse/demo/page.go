package demo

import (
	_ "embed"
	"html/template"
	"net/http"

	"github.com/streamzip/streamzip"
)

//go:embed page.html
var pageSource string

var pageTemplate = template.Must(template.New("page").Parse(pageSource))

// pageData is what the page's script needs to know: the columns, and how
// many events each stream sends (tokens plus "[DONE]").
type pageData struct {
	Stacks []*stack `json:"stacks"`
	Events int      `json:"events"`
}

// pageHandler serves the page through streamzip, like any HTML.
func pageHandler(stacks []*stack, events int) http.Handler {
	return streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := pageTemplate.Execute(w, pageData{Stacks: stacks, Events: events}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
}
