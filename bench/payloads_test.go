package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"strings"
	"time"
)

// The payloads are generated from a fixed seed, so every run and every
// contender compresses exactly the same bytes.

// words is a small English vocabulary: enough repetition for realistic
// compression ratios, enough variety not to flatter any compressor.
var words = strings.Fields(`the of and to in is you that it he was for on are as with his they
at be this have from or one had by word but not what all were we when your can said there use
an each which she do how their if will up other about out many then them these so some her would
make like him into time has look two more write go see number no way could people my than first
water been call who oil its now find long down day did get come made may part stream server event
token model request response header cache client browser network latency buffer compress flush`)

// apiRecord is one element of a typical REST list response.
type apiRecord struct {
	ID        int64             `json:"id"`
	UUID      string            `json:"uuid"`
	Name      string            `json:"name"`
	Email     string            `json:"email"`
	Active    bool              `json:"active"`
	Score     float64           `json:"score"`
	CreatedAt time.Time         `json:"created_at"`
	Tags      []string          `json:"tags"`
	Address   apiAddress        `json:"address"`
	Meta      map[string]string `json:"meta"`
}

type apiAddress struct {
	Street  string `json:"street"`
	City    string `json:"city"`
	Country string `json:"country"`
	Zip     string `json:"zip"`
}

var cities = []string{"Lisbon", "Berlin", "Osaka", "Lagos", "Lima", "Austin", "Oslo", "Pune"}

func newAPIRecord(r *rand.Rand, i int) apiRecord {
	name := capitalize(pick(r)) + " " + capitalize(pick(r))
	tags := make([]string, 1+r.IntN(4))
	for j := range tags {
		tags[j] = pick(r)
	}
	return apiRecord{
		ID:        int64(100000 + i),
		UUID:      fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xfff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff),
		Name:      name,
		Email:     strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com",
		Active:    r.IntN(3) > 0,
		Score:     float64(r.IntN(100000)) / 100,
		CreatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour)))),
		Tags:      tags,
		Address: apiAddress{
			Street:  fmt.Sprintf("%d %s %s", 1+r.IntN(999), capitalize(pick(r)), "Street"),
			City:    cities[r.IntN(len(cities))],
			Country: "XX",
			Zip:     fmt.Sprintf("%05d", r.IntN(100000)),
		},
		Meta: map[string]string{"source": pick(r), "plan": []string{"free", "pro", "team"}[r.IntN(3)]},
	}
}

// jsonPayload returns a JSON list response ({"data":[...],"next":...}) of
// about n bytes: the smallest whole list of at least n bytes.
func jsonPayload(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 1))
	type page struct {
		Data []apiRecord `json:"data"`
		Next string      `json:"next"`
	}
	var p page
	p.Next = "/v1/users?cursor=" + fmt.Sprintf("%016x", r.Uint64())
	for i := 0; ; i++ {
		p.Data = append(p.Data, newAPIRecord(r, i))
		b, err := json.Marshal(p)
		if err != nil {
			panic(err)
		}
		if len(b) >= n {
			return b
		}
	}
}

// htmlPage returns a server-rendered article page of about 30 KiB: head,
// navigation, paragraphs and a table, the shape of a typical CMS page.
func htmlPage() []byte {
	r := rand.New(rand.NewPCG(7, 7))
	var b bytes.Buffer
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Streaming responses</title>` +
		`<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/static/site.css">` +
		`<script defer src="/static/app.js"></script></head><body><header class="site-header"><nav><ul>`)
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&b, `<li class="nav-item"><a class="nav-link" href="/section/%s">%s</a></li>`, pick(r), capitalize(pick(r)))
	}
	b.WriteString(`</ul></nav></header><main class="container"><article class="post">`)
	for b.Len() < 24<<10 {
		fmt.Fprintf(&b, `<h2 id="%s-%d">%s</h2>`, pick(r), b.Len(), capitalize(sentence(r, 5)))
		for p := 0; p < 3; p++ {
			fmt.Fprintf(&b, `<p class="lead">%s. %s. <a href="/posts/%d">%s</a>.</p>`, capitalize(sentence(r, 18)), capitalize(sentence(r, 12)), r.IntN(10000), sentence(r, 3))
		}
	}
	b.WriteString(`<table class="table"><thead><tr><th>Name</th><th>Requests</th><th>p99 (ms)</th></tr></thead><tbody>`)
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, `<tr><td>%s</td><td>%d</td><td>%d.%d</td></tr>`, pick(r), r.IntN(1e6), r.IntN(500), r.IntN(10))
	}
	b.WriteString(`</tbody></table></article></main><footer class="site-footer"><p>&copy; 2025 Example</p></footer></body></html>`)
	return b.Bytes()
}

// pngImage returns a 64×64 PNG of noise (about 16 KiB): already compressed,
// so a middleware should pass it through untouched.
func pngImage() []byte {
	r := rand.New(rand.NewPCG(3, 3))
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.NRGBA{uint8(r.Uint32()), uint8(r.Uint32()), uint8(r.Uint32()), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// sseTokenEvents returns n OpenAI-style chat completion chunks, each one
// Server-Sent Event carrying one token (about 250 bytes each).
func sseTokenEvents(n int) [][]byte {
	r := rand.New(rand.NewPCG(11, 11))
	events := make([][]byte, n)
	for i := range events {
		tok := pick(r)
		if r.IntN(4) > 0 {
			tok = " " + tok
		}
		content, _ := json.Marshal(tok)
		events[i] = fmt.Appendf(nil, `data: {"id":"chatcmpl-9xK2mQ7rT4vB8nL1pZ6wY3sD0fH5jA","object":"chat.completion.chunk","created":%d,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":%s},"logprobs":null,"finish_reason":null}]}`+"\n\n",
			1735689600+i/50, content)
	}
	return events
}

func pick(r *rand.Rand) string { return words[r.IntN(len(words))] }

func sentence(r *rand.Rand, n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = pick(r)
	}
	return strings.Join(s, " ")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
