// Package ginzip runs streamzip in gin. gin middleware is a
// func(*gin.Context), not a func(http.Handler) http.Handler, so the
// adapter swaps c.Writer for a gin.ResponseWriter backed by streamzip for
// the rest of the chain: c.JSON is compressed, and c.SSEvent and c.Stream
// reach the client one event at a time.
//
//	r := gin.New()
//	r.Use(gin.Logger(), gin.Recovery(), ginzip.Middleware())
//
// It is its own module, so the streamzip core never depends on gin.
package ginzip

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/streamzip/streamzip"
)

// Middleware returns a gin.HandlerFunc that compresses responses with
// streamzip's defaults.
func Middleware() gin.HandlerFunc { return handlerFunc(streamzip.Middleware) }

// New returns a gin.HandlerFunc that compresses responses with streamzip
// configured by opts. Invalid options are an error here, never a panic
// while serving.
func New(opts ...streamzip.Option) (gin.HandlerFunc, error) {
	mw, err := streamzip.New(opts...)
	if err != nil {
		return nil, err
	}
	return handlerFunc(mw), nil
}

// handlerFunc wraps the rest of the gin chain in mw once; per request it
// only allocates the writer, which carries the gin context to the chain
// through streamzip (see chainHandler).
func handlerFunc(mw func(http.Handler) http.Handler) gin.HandlerFunc {
	h := mw(chainHandler{})
	return func(c *gin.Context) {
		w := newResponseWriter(c)
		h.ServeHTTP(&w.below, c.Request)
	}
}

// chainHandler runs the rest of the gin chain behind streamzip: it finds
// the request's writer below streamzip's and hands gin streamzip's.
type chainHandler struct{}

// ServeHTTP implements http.Handler.
func (chainHandler) ServeHTTP(zw http.ResponseWriter, r *http.Request) {
	w := writerBelow(zw)
	if w == nil {
		panic("ginzip: the writer below streamzip's is missing") // unreachable: handlerFunc always passes it
	}
	w.zw = zw
	c := w.c
	c.Request = r
	c.Writer = w
	c.Next()
	w.endChain()
}

// writerBelow follows Unwrap from streamzip's writer down to the one
// handlerFunc passed in.
func writerBelow(rw http.ResponseWriter) *responseWriter {
	for {
		switch t := rw.(type) {
		case *below:
			return t.w
		case interface{ Unwrap() http.ResponseWriter }:
			rw = t.Unwrap()
		default:
			return nil
		}
	}
}
