package ginzip_test

import (
	"io"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/streamzip/streamzip"
	"github.com/streamzip/streamzip/internal/lockstep"
)

// streamModes are the ways an event stream leaves streamzip: bypassed
// (the default) or compressed per event in each coding.
var streamModes = []struct {
	name, accept, wantCE string
	opts                 []streamzip.Option
}{
	{"bypassed", "gzip, br, zstd", "", []streamzip.Option{allCodings}},
	{"compressed gzip", "gzip", "gzip", []streamzip.Option{allCodings, streamzip.WithEventStreams(streamzip.CompressEventStreams)}},
	{"compressed br", "br", "br", []streamzip.Option{allCodings, streamzip.WithEventStreams(streamzip.CompressEventStreams)}},
	{"compressed zstd", "zstd", "zstd", []streamzip.Option{allCodings, streamzip.WithEventStreams(streamzip.CompressEventStreams)}},
}

// TestSSEventArrivesOneByOne: c.SSEvent, which never flushes, reaches the
// client one event at a time — the client decoded event k before the
// handler writes k+1.
func TestSSEventArrivesOneByOne(t *testing.T) {
	for _, m := range streamModes {
		t.Run(m.name, func(t *testing.T) {
			x := lockstep.New(5)
			srv, c := serve(t, ginApp(t, newZip(t, m.opts...), func(r *gin.Engine) {
				r.GET("/events", func(c *gin.Context) {
					_ = x.Serve(c.Request.Context(), func(k int) error {
						c.SSEvent("tick", lockstep.Payload(k))
						return nil
					})
				})
			}))
			resp := get(t, c, srv.URL+"/events", m.accept)
			wantEncoding(t, resp, m.wantCE)
			if err := x.RunSSE(resp); err != nil {
				t.Fatalf("client: %v", err)
			}
			if err := x.HandlerResult(); err != nil {
				t.Fatalf("handler: %v", err)
			}
		})
	}
}

// TestStreamArrivesOneByOne: c.Stream, which flushes after each step,
// streams per event; each step first waits until the client decoded the
// event of the step before.
func TestStreamArrivesOneByOne(t *testing.T) {
	for _, m := range streamModes {
		t.Run(m.name, func(t *testing.T) {
			x := lockstep.New(5)
			srv, c := serve(t, ginApp(t, newZip(t, m.opts...), func(r *gin.Engine) {
				r.GET("/events", func(c *gin.Context) {
					c.Header("Content-Type", "text/event-stream")
					ctx := c.Request.Context()
					var err error
					k := 0
					c.Stream(func(w io.Writer) bool {
						if k > 0 {
							if err = x.WaitAck(ctx, k-1); err != nil {
								return false
							}
						}
						if _, err = io.WriteString(w, lockstep.SSE(k)); err != nil {
							return false
						}
						k++
						return k < x.Events
					})
					if err == nil {
						err = x.WaitAck(ctx, k-1)
					}
					x.Finish(err)
				})
			}))
			resp := get(t, c, srv.URL+"/events", m.accept)
			wantEncoding(t, resp, m.wantCE)
			if err := x.RunSSE(resp); err != nil {
				t.Fatalf("client: %v", err)
			}
			if err := x.HandlerResult(); err != nil {
				t.Fatalf("handler: %v", err)
			}
		})
	}
}
