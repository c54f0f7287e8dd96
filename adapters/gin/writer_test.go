package ginzip_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/streamzip/streamzip"
	ginzip "github.com/streamzip/streamzip/adapters/gin"
	"github.com/streamzip/streamzip/internal/lockstep"
)

// TestNewRejectsBadOptions: a bad option is an error from New, before any
// request.
func TestNewRejectsBadOptions(t *testing.T) {
	h, err := ginzip.New(streamzip.WithEncodings("lzma"))
	if err == nil || h != nil {
		t.Fatalf("New with an unknown encoding: handler %v, error %v", h != nil, err)
	}
}

// TestJSONIsCompressed: c.JSON is compressed with the negotiated coding
// and decodes to what the handler sent.
func TestJSONIsCompressed(t *testing.T) {
	var doc []lockstep.Message
	for k := range 50 {
		doc = append(doc, lockstep.Payload(k))
	}
	want, _ := json.Marshal(doc)
	srv, c := serve(t, ginApp(t, newZip(t, allCodings), func(r *gin.Engine) {
		r.GET("/doc", func(c *gin.Context) { c.JSON(http.StatusOK, doc) })
	}))
	for _, tc := range []struct{ accept, want string }{
		{"gzip", "gzip"}, {"br", "br"}, {"zstd", "zstd"}, {"", ""}, {"gzip;q=0", ""},
	} {
		t.Run("Accept-Encoding "+tc.accept, func(t *testing.T) {
			resp := get(t, c, srv.URL+"/doc", tc.accept)
			wantEncoding(t, resp, tc.want)
			if got := decodedBody(t, resp); got != string(want) {
				t.Errorf("decoded body differs from the handler's JSON")
			}
		})
	}
	t.Run("Middleware()", func(t *testing.T) {
		srv, c := serve(t, ginApp(t, ginzip.Middleware(), func(r *gin.Engine) {
			r.GET("/doc", func(c *gin.Context) { c.JSON(http.StatusOK, doc) })
		}))
		resp := get(t, c, srv.URL+"/doc", "gzip")
		wantEncoding(t, resp, "gzip")
		if got := decodedBody(t, resp); got != string(want) {
			t.Errorf("decoded body differs from the handler's JSON")
		}
	})
}

// figures is what a gin.ResponseWriter reports at one moment.
type figures struct {
	status, size int
	written      bool
}

func figuresOf(w gin.ResponseWriter) figures {
	return figures{w.Status(), w.Size(), w.Written()}
}

// TestStatusAndSizeAreTheHandlers: Status, Size and Written report what
// the handler wrote — Size before compression — inside the chain and in
// an outer middleware such as gin.Logger, for a compressed and an
// uncompressed response alike.
func TestStatusAndSizeAreTheHandlers(t *testing.T) {
	body := strings.Repeat("compressible text ", 1000)
	for _, accept := range []string{"gzip", ""} {
		t.Run("Accept-Encoding "+accept, func(t *testing.T) {
			seen := make(chan [3]figures, 1) // before and after writing, in the outer middleware
			r := gin.New()
			r.Use(func(c *gin.Context) {
				c.Next()
				f := c.MustGet("figures").([2]figures)
				seen <- [3]figures{f[0], f[1], figuresOf(c.Writer)}
			})
			r.Use(newZip(t))
			r.GET("/", func(c *gin.Context) {
				before := figuresOf(c.Writer)
				c.Data(http.StatusCreated, "text/plain", []byte(body))
				c.Set("figures", [2]figures{before, figuresOf(c.Writer)})
			})
			srv, c := serve(t, r)
			resp := get(t, c, srv.URL, accept)
			if got := decodedBody(t, resp); got != body {
				t.Fatal("body differs")
			}
			if accept != "" {
				wantEncoding(t, resp, accept)
			}
			if resp.StatusCode != http.StatusCreated {
				t.Errorf("status %d", resp.StatusCode)
			}
			f := <-seen
			before, after, outer := f[0], f[1], f[2]
			if want := (figures{http.StatusOK, -1, false}); before != want {
				t.Errorf("before writing: %+v, want %+v", before, want)
			}
			want := figures{http.StatusCreated, len(body), true}
			if after != want || outer != want {
				t.Errorf("after writing: handler sees %+v, outer middleware %+v, want %+v", after, outer, want)
			}
		})
	}
}

// TestStatusOnlyResponses: a status without a body, set with c.Status or
// c.AbortWithStatus, reaches the client with the same status and Vary as
// streamzip gives the same response from a net/http handler.
func TestStatusOnlyResponses(t *testing.T) {
	cases := []struct {
		path string
		code int
		gin  gin.HandlerFunc
	}{
		{"/no-content", http.StatusNoContent, func(c *gin.Context) { c.Status(http.StatusNoContent) }},
		{"/not-modified", http.StatusNotModified, func(c *gin.Context) {
			c.Header("ETag", `"v1"`)
			c.Header("Content-Type", "text/html")
			c.Status(http.StatusNotModified)
		}},
		{"/abort", http.StatusForbidden, func(c *gin.Context) { c.AbortWithStatus(http.StatusForbidden) }},
		{"/created", http.StatusCreated, func(c *gin.Context) { c.Status(http.StatusCreated) }},
	}
	r := ginApp(t, newZip(t), func(r *gin.Engine) {
		for _, tc := range cases {
			r.GET(tc.path, tc.gin)
		}
	})
	srv, c := serve(t, r)
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			resp := get(t, c, srv.URL+tc.path, "gzip")
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.code)
			}
			if b := decodedBody(t, resp); b != "" {
				t.Errorf("body %q, want none", b)
			}
			ref := streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tc.code == http.StatusNotModified {
					w.Header().Set("ETag", `"v1"`)
					w.Header().Set("Content-Type", "text/html")
				}
				w.WriteHeader(tc.code)
			}))
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			ref.ServeHTTP(rec, req)
			for _, h := range []string{"Vary", "ETag", "Content-Encoding"} {
				if got, want := resp.Header.Values(h), rec.Header().Values(h); strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s %q, streamzip with net/http gives %q", h, got, want)
				}
			}
		})
	}
}

// TestLateResponses: what an outer middleware writes after the chain
// (an error page when the handler wrote nothing, gin.Recovery's 500 after
// a panic) reaches the client; a write after a body streamzip ended fails
// and leaves that body intact.
func TestLateResponses(t *testing.T) {
	body := strings.Repeat("compressible text ", 1000)
	lateErr := make(chan error, 1)
	r := gin.New()
	r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(http.StatusInternalServerError) }))
	r.Use(func(c *gin.Context) {
		c.Next()
		if c.Writer.Written() {
			_, err := c.Writer.WriteString("appended")
			lateErr <- err
			return
		}
		c.JSON(http.StatusBadGateway, gin.H{"error": "upstream said nothing"})
	})
	r.Use(newZip(t))
	r.GET("/nothing", func(c *gin.Context) {})
	r.GET("/panic", func(c *gin.Context) { panic("boom") })
	r.GET("/body", func(c *gin.Context) { c.String(http.StatusOK, body) })
	srv, c := serve(t, r)

	resp := get(t, c, srv.URL+"/nothing", "gzip")
	if got := decodedBody(t, resp); resp.StatusCode != http.StatusBadGateway || !strings.Contains(got, "upstream said nothing") {
		t.Errorf("/nothing: %d %q, want the outer middleware's 502", resp.StatusCode, got)
	}
	resp = get(t, c, srv.URL+"/panic", "gzip")
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("/panic: status %d, want gin.Recovery's 500", resp.StatusCode)
	}
	resp = get(t, c, srv.URL+"/body", "gzip")
	wantEncoding(t, resp, "gzip")
	if got := decodedBody(t, resp); got != body {
		t.Errorf("/body: a late write changed the compressed body")
	}
	if err := <-lateErr; err == nil {
		t.Error("/body: a write after the compressed body ended succeeded")
	}
}

// TestHijack: a handler takes the connection over before writing, as
// WebSocket libraries do; after a body byte it may not, as in gin.
func TestHijack(t *testing.T) {
	afterBody := make(chan error, 1)
	srv, c := serve(t, ginApp(t, newZip(t), func(r *gin.Engine) {
		r.GET("/hijack", func(c *gin.Context) {
			conn, brw, err := c.Writer.Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			defer conn.Close()
			_, _ = brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
			_ = brw.Flush()
		})
		r.GET("/late", func(c *gin.Context) {
			c.String(http.StatusOK, "body first")
			_, _, err := c.Writer.Hijack()
			afterBody <- err
		})
	}))
	resp := get(t, c, srv.URL+"/hijack", "gzip")
	if got := decodedBody(t, resp); got != "hijacked" {
		t.Errorf("hijacked response %q", got)
	}
	resp = get(t, c, srv.URL+"/late", "gzip")
	_ = decodedBody(t, resp)
	if err := <-afterBody; err == nil {
		t.Error("hijack after a body byte succeeded")
	}
}

// TestClientGoneEndsStream: c.Stream notices through CloseNotify that the
// client went away.
func TestClientGoneEndsStream(t *testing.T) {
	gone := make(chan bool, 1)
	srv, c := serve(t, ginApp(t, newZip(t), func(r *gin.Engine) {
		r.GET("/events", func(c *gin.Context) {
			c.Header("Content-Type", "text/event-stream")
			k := 0
			gone <- c.Stream(func(w io.Writer) bool {
				_, _ = io.WriteString(w, lockstep.SSE(k))
				k++
				time.Sleep(10 * time.Millisecond)
				return k < 500 // bounded: 5 s at most
			})
		})
	}))
	resp := get(t, c, srv.URL+"/events", "gzip")
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case g := <-gone:
		if !g {
			t.Error("c.Stream ran to its end: CloseNotify never fired")
		}
	case <-time.After(lockstep.DefaultStep + 5*time.Second):
		t.Fatal("c.Stream did not return")
	}
}

// TestPusherAndController: Pusher is gin's (present over HTTP/2, nil over
// HTTP/1) and http.ResponseController reaches the connection through the
// adapter and streamzip.
func TestPusherAndController(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "HTTP/1.1", true: "HTTP/2"}[h2], func(t *testing.T) {
			type seen struct {
				hasPusher, ginHasPusher bool
				deadlineErr             error
			}
			got := make(chan seen, 1)
			r := gin.New()
			r.Use(func(c *gin.Context) { c.Set("ginHasPusher", c.Writer.Pusher() != nil) })
			r.Use(newZip(t))
			r.GET("/", func(c *gin.Context) {
				got <- seen{
					hasPusher:    c.Writer.Pusher() != nil,
					ginHasPusher: c.GetBool("ginHasPusher"),
					deadlineErr:  http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(time.Minute)),
				}
				c.String(http.StatusOK, "ok")
			})
			srv := httptest.NewUnstartedServer(r)
			if h2 {
				srv.EnableHTTP2 = true
				srv.StartTLS()
			} else {
				srv.Start()
			}
			defer srv.Close()
			resp, err := srv.Client().Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			s := <-got
			if s.hasPusher != s.ginHasPusher || s.hasPusher != h2 {
				t.Errorf("Pusher present: %v through the adapter, %v in gin's own writer, want %v", s.hasPusher, s.ginHasPusher, h2)
			}
			if s.deadlineErr != nil {
				t.Errorf("SetWriteDeadline through the adapter: %v", s.deadlineErr)
			}
		})
	}
}
