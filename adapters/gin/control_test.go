package ginzip_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	ginzip "github.com/streamzip/streamzip/adapters/gin"
	"github.com/streamzip/streamzip/internal/lockstep"
	"github.com/streamzip/streamzip/internal/naivegzip"
)

// naiveUnderAdapter is the buffering gzip middleware in streamzip's place
// in the adapter. Its writer has no Unwrap, so it is given one to reach
// the writer the adapter passed in.
func naiveUnderAdapter(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		naivegzip.Middleware(http.HandlerFunc(func(nw http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(unwrapsTo{nw, w}, r)
		})).ServeHTTP(w, r)
	})
}

type unwrapsTo struct {
	http.ResponseWriter
	below http.ResponseWriter
}

func (u unwrapsTo) Flush()                      { u.ResponseWriter.(http.Flusher).Flush() }
func (u unwrapsTo) Unwrap() http.ResponseWriter { return u.below }

// TestControlBufferingMiddlewareStalls proves the lockstep tests above can
// fail: with a buffering gzip middleware in the adapter, c.SSEvent and
// c.Stream (which flushes) are held back, and the handler never hears that
// event 0 arrived.
func TestControlBufferingMiddlewareStalls(t *testing.T) {
	handlers := map[string]func(x *lockstep.Exchange) gin.HandlerFunc{
		"c.SSEvent": func(x *lockstep.Exchange) gin.HandlerFunc {
			return func(c *gin.Context) {
				_ = x.Serve(c.Request.Context(), func(k int) error {
					c.SSEvent("tick", lockstep.Payload(k))
					return nil
				})
			}
		},
		"c.Stream": func(x *lockstep.Exchange) gin.HandlerFunc {
			return func(c *gin.Context) {
				c.Header("Content-Type", "text/event-stream")
				c.Stream(func(w io.Writer) bool {
					_, _ = io.WriteString(w, lockstep.SSE(0))
					return false
				})
				x.Finish(x.WaitAck(c.Request.Context(), 0))
			}
		},
	}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			x := lockstep.New(2)
			x.Step = lockstep.ControlStep
			srv, c := serve(t, ginApp(t, ginzip.WithMiddleware(naiveUnderAdapter), func(r *gin.Engine) {
				r.GET("/events", h(x))
			}))
			resp := get(t, c, srv.URL+"/events", "gzip")
			err := x.RunSSE(resp)
			herr := x.HandlerResult()
			if !lockstep.HeldBack(err, herr) {
				t.Fatalf("control streamed: client %v, handler %v; it should hold events back", err, herr)
			}
		})
	}
}
