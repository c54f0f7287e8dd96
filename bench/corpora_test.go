package bench

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
)

// The frontier corpora: what a web server sends, generated from fixed seeds
// (nothing is downloaded, nothing copied from elsewhere). JSON, HTML and the
// SSE events are the ones the other benchmarks use (payloads_test.go); the
// JavaScript bundle, the stylesheet and the SVG are generated here in the
// shape minifiers and design tools produce.

// corpus is one kind of response the frontier is drawn for. A corpus with
// events is an event stream, written and flushed one event at a time.
type corpus struct {
	name        string
	contentType string
	body        []byte
	events      [][]byte
}

// frontierSSEEvents is how many token events one frontier stream carries:
// fewer than BenchmarkSSE's 1,000, so that brotli 11 (a whole brotli
// compression per flushed event) stays within a round's time.
const frontierSSEEvents = 200

var corpora = sync.OnceValue(func() []corpus {
	wl := map[string]workload{}
	for _, w := range workloads() {
		wl[w.name] = w
	}
	events := sseTokenEvents(frontierSSEEvents)
	return []corpus{
		{"json1k", wl["json1k"].contentType, wl["json1k"].body, nil},
		{"json16k", wl["json16k"].contentType, wl["json16k"].body, nil},
		{"json256k", wl["json256k"].contentType, wl["json256k"].body, nil},
		{"html", wl["html"].contentType, wl["html"].body, nil},
		{"js", "text/javascript; charset=utf-8", jsBundle(200 << 10), nil},
		{"css", "text/css; charset=utf-8", stylesheet(48 << 10), nil},
		{"svg", "image/svg+xml", svgSprite(24 << 10), nil},
		{"sse", "text/event-stream", bytes.Join(events, nil), events},
	}
})

// jsIdents are the one- and two-letter names a minifier gives locals.
var jsIdents = strings.Fields(`e t n r o i a s c u l f d p h m g v y b w x k S E C T O A P R I N _ $ ee te ne re oe ie ae se ce ue le fe de pe he me ge ve`)

// jsProps are the property and method names a minifier must keep: DOM and
// library APIs, and an application's own field names.
var jsProps = strings.Fields(`length prototype call apply bind push slice splice indexOf forEach map filter reduce
keys assign defineProperty hasOwnProperty toString createElement appendChild removeChild setAttribute getAttribute
addEventListener removeEventListener preventDefault stopPropagation target value className classList style
innerHTML textContent parentNode childNodes firstChild nextSibling querySelector querySelectorAll then catch resolve
reject state props setState render children key ref current memoizedState updateQueue alternate return sibling
flags lanes pendingProps memoizedProps stateNode elementType tag mode dependencies subtreeFlags deletions
onClick onChange disabled checked href src type name id data error message status headers json fetch method body
options config default exports module request response token cache client stream event buffer timeout`)

// jsBundle returns a minified, webpack-shaped bundle of at least n bytes:
// numbered modules of short-named functions calling library APIs, with the
// strings, numbers and repeated idioms a real bundle has.
func jsBundle(n int) []byte {
	r := rand.New(rand.NewPCG(13, 13))
	id := func() string { return jsIdents[r.IntN(len(jsIdents))] }
	prop := func() string { return jsProps[r.IntN(len(jsProps))] }
	str := func() string {
		s := sentence(r, 1+r.IntN(4))
		if r.IntN(3) == 0 {
			s = strings.ReplaceAll(s, " ", "-")
		}
		return `"` + s + `"`
	}
	num := func() string {
		switch r.IntN(4) {
		case 0:
			return fmt.Sprint(r.IntN(10))
		case 1:
			return fmt.Sprint(r.IntN(1 << 16))
		case 2:
			return fmt.Sprintf("%.3g", r.Float64()*100)
		}
		return fmt.Sprintf("0x%x", r.Uint32()&0xffff)
	}
	atom := func() string {
		switch r.IntN(6) {
		case 0:
			return str()
		case 1:
			return num()
		case 2:
			return id() + "." + prop()
		case 3:
			return "!" + fmt.Sprint(r.IntN(2))
		}
		return id()
	}
	var stmt func(depth int) string
	stmt = func(depth int) string {
		k := r.IntN(12)
		if depth > 2 && k < 4 {
			k += 4
		}
		switch k {
		case 0:
			return fmt.Sprintf("if(%s.%s===%s){%s}else{%s}", id(), prop(), atom(), stmt(depth+1), stmt(depth+1))
		case 1:
			return fmt.Sprintf("for(var %s=0;%s<%s.length;%s++)%s.%s(%s[%s]);", "i", "i", id(), "i", id(), prop(), id(), "i")
		case 2:
			return fmt.Sprintf("function %s(%s,%s){%sreturn %s.%s(%s,%s)}", id(), id(), id(), stmt(depth+1), id(), prop(), atom(), atom())
		case 3:
			return fmt.Sprintf("%s.prototype.%s=function(%s){%sreturn this.%s=%s,this};", id(), prop(), id(), stmt(depth+1), prop(), id())
		case 4:
			return fmt.Sprintf("var %s=%s(%s),%s=%s.%s;", id(), id(), num(), id(), id(), prop())
		case 5:
			return fmt.Sprintf("Object.defineProperty(%s,%s,{enumerable:!0,get:function(){return %s}});", id(), str(), id())
		case 6:
			return fmt.Sprintf("%s={%s:%s,%s:%s,%s:%s};", id(), prop(), atom(), prop(), atom(), prop(), atom())
		case 7:
			return fmt.Sprintf("throw new Error(%s+%s.%s);", str(), id(), prop())
		case 8:
			return fmt.Sprintf("return %s&&%s.__esModule?%s:{default:%s};", id(), id(), id(), id())
		case 9:
			return fmt.Sprintf("%s.%s(%s,function(%s){%s.%s(%s)});", id(), prop(), str(), id(), id(), prop(), atom())
		case 10:
			return fmt.Sprintf("%s=%s?%s:%s.%s(%s);", id(), id(), atom(), id(), prop(), atom())
		}
		return fmt.Sprintf("%s.%s=%s;", id(), prop(), atom())
	}
	var b bytes.Buffer
	b.WriteString(`/*! app.bundle.js | generated */(()=>{"use strict";var e={`)
	for m := 0; b.Len() < n-64; m++ {
		if m > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d:(e,t,n)=>{n.d(t,{Z:()=>%s});", 100+m*7+r.IntN(7), id())
		for s := 2 + r.IntN(10); s > 0; s-- {
			b.WriteString(stmt(0))
		}
		b.WriteByte('}')
	}
	b.WriteString(`},t={};function n(r){var o=t[r];if(void 0!==o)return o.exports;var i=t[r]={exports:{}};return e[r](i,i.exports,n),i.exports}n.d=(e,t)=>{for(var r in t)n.o(t,r)&&!n.o(e,r)&&Object.defineProperty(e,r,{enumerable:!0,get:t[r]})},n.o=(e,t)=>Object.prototype.hasOwnProperty.call(e,t),n(100)})();`)
	return b.Bytes()
}

// stylesheet returns a minified, framework-shaped stylesheet of at least n
// bytes: component and utility classes with states, breakpoints and a
// palette, the repetition that makes CSS compress well.
func stylesheet(n int) []byte {
	r := rand.New(rand.NewPCG(17, 17))
	components := strings.Fields(`btn card nav navbar modal dropdown alert badge form-control input-group table list-group toast tooltip pagination breadcrumb progress spinner offcanvas accordion`)
	variants := strings.Fields(`primary secondary success danger warning info light dark outline-primary outline-secondary sm lg`)
	states := []string{"", ":hover", ":focus", ":active", ":disabled", ".active", ":focus-visible", "::placeholder"}
	palette := []string{"#0d6efd", "#6c757d", "#198754", "#dc3545", "#ffc107", "#0dcaf0", "#f8f9fa", "#212529", "#fff", "#000", "#0b5ed7", "#5c636a", "#157347", "#bb2d3b"}
	props := []func() string{
		func() string { return "color:" + palette[r.IntN(len(palette))] },
		func() string { return "background-color:" + palette[r.IntN(len(palette))] },
		func() string { return "border-color:" + palette[r.IntN(len(palette))] },
		func() string {
			return fmt.Sprintf("padding:%.4grem %.4grem", float64(r.IntN(8))*0.25, float64(r.IntN(12))*0.25)
		},
		func() string { return fmt.Sprintf("margin-bottom:%.4grem", float64(r.IntN(8))*0.25) },
		func() string { return fmt.Sprintf("border-radius:%.4grem", float64(r.IntN(4))*0.125) },
		func() string {
			return []string{"display:flex", "display:block", "display:inline-flex", "display:none", "display:grid"}[r.IntN(5)]
		},
		func() string {
			return fmt.Sprintf("box-shadow:0 0 0 .25rem rgba(%d,%d,%d,.%d)", r.IntN(256), r.IntN(256), r.IntN(256), 1+r.IntN(9))
		},
		func() string {
			return "transition:color .15s ease-in-out,background-color .15s ease-in-out,border-color .15s ease-in-out,box-shadow .15s ease-in-out"
		},
		func() string { return fmt.Sprintf("font-size:%.4grem", 0.75+float64(r.IntN(8))*0.125) },
		func() string { return fmt.Sprintf("--bs-%s-%s:%s", pick(r), pick(r), palette[r.IntN(len(palette))]) },
		func() string { return "opacity:." + fmt.Sprint(1+r.IntN(9)) },
	}
	rule := func(b *bytes.Buffer) {
		c := components[r.IntN(len(components))]
		sel := "." + c
		if r.IntN(3) > 0 {
			sel += "-" + variants[r.IntN(len(variants))]
		}
		sel += states[r.IntN(len(states))]
		if r.IntN(4) == 0 {
			sel += ">." + c + "-" + []string{"header", "body", "footer", "title", "text", "item", "link"}[r.IntN(7)]
		}
		b.WriteString(sel + "{")
		for i, k := 0, 1+r.IntN(5); i < k; i++ {
			if i > 0 {
				b.WriteByte(';')
			}
			b.WriteString(props[r.IntN(len(props))]())
		}
		b.WriteByte('}')
	}
	var b bytes.Buffer
	b.WriteString(`@charset "UTF-8";/*! site.css | generated */:root{--bs-font-sans-serif:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;--bs-body-font-size:1rem;--bs-body-line-height:1.5}*,::after,::before{box-sizing:border-box}`)
	for b.Len() < n {
		if r.IntN(10) == 0 {
			fmt.Fprintf(&b, "@media (min-width:%dpx){", []int{576, 768, 992, 1200, 1400}[r.IntN(5)])
			for i := 0; i < 3+r.IntN(5); i++ {
				rule(&b)
			}
			b.WriteByte('}')
			continue
		}
		rule(&b)
	}
	return b.Bytes()
}

// svgSprite returns an icon sprite of at least n bytes: symbols whose paths
// are the relative commands and one-decimal coordinates design tools export.
func svgSprite(n int) []byte {
	r := rand.New(rand.NewPCG(19, 19))
	coord := func() string {
		v := float64(r.IntN(480)-240) / 10
		return strings.Replace(fmt.Sprintf("%.1f", v), "0.", ".", 1)
	}
	var b bytes.Buffer
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" style="display:none">`)
	for b.Len() < n-16 {
		fmt.Fprintf(&b, `<symbol id="icon-%s-%s" viewBox="0 0 24 24"><title>%s</title>`, pick(r), pick(r), capitalize(sentence(r, 2)))
		for p := 1 + r.IntN(3); p > 0; p-- {
			b.WriteString(`<path fill="none" stroke="currentColor" stroke-linecap="round" stroke-linejoin="round" stroke-width="2" d="M`)
			fmt.Fprintf(&b, "%d %d", r.IntN(24), r.IntN(24))
			for s := 4 + r.IntN(16); s > 0; s-- {
				switch r.IntN(5) {
				case 0:
					fmt.Fprintf(&b, "c%s %s %s %s %s %s", coord(), coord(), coord(), coord(), coord(), coord())
				case 1:
					fmt.Fprintf(&b, "a%d %d 0 0 %d %s %s", 1+r.IntN(12), 1+r.IntN(12), r.IntN(2), coord(), coord())
				case 2:
					fmt.Fprintf(&b, "h%s", coord())
				case 3:
					fmt.Fprintf(&b, "v%s", coord())
				default:
					fmt.Fprintf(&b, "l%s %s", coord(), coord())
				}
			}
			if r.IntN(2) == 0 {
				b.WriteByte('z')
			}
			b.WriteString(`"/>`)
		}
		b.WriteString(`</symbol>`)
	}
	b.WriteString(`</svg>`)
	return b.Bytes()
}
