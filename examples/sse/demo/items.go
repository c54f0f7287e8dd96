package demo

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/streamzip/streamzip"
)

// item is one entry of /api/items: a typical JSON API payload, repetitive
// enough that compression matters.
type item struct {
	ID       int      `json:"id"`
	Name     string   `json:"name"`
	Price    float64  `json:"price"`
	InStock  bool     `json:"in_stock"`
	Tags     []string `json:"tags"`
	Category string   `json:"category"`
}

// itemsHandler serves 500 items through streamzip's defaults: an ordinary
// response, buffered to min size, then compressed with br or gzip.
func itemsHandler() http.Handler {
	categories := []string{"books", "garden", "kitchen", "toys", "tools"}
	items := make([]item, 500)
	for i := range items {
		items[i] = item{
			ID:       i + 1,
			Name:     fmt.Sprintf("item %d", i+1),
			Price:    float64((i*37)%10000) / 100,
			InStock:  i%3 != 0,
			Tags:     []string{"demo", categories[i%len(categories)]},
			Category: categories[(i/7)%len(categories)],
		}
	}
	body, _ := json.Marshal(items) // plain values: cannot fail
	return streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(body)
	}))
}
