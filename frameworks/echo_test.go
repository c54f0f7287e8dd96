package frameworks_test

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/streamzip/streamzip"
	"github.com/streamzip/streamzip/internal/lockstep"
)

// echoApp is the setup README shows for echo v4: streamzip through
// echo.WrapMiddleware, routes as usual.
func echoApp(mw echo.MiddlewareFunc, routes func(*echo.Echo)) *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.Use(mw)
	routes(e)
	return e
}

func echoStreamzip(t *testing.T, opts ...streamzip.Option) echo.MiddlewareFunc {
	t.Helper()
	mw, err := streamzip.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return echo.WrapMiddleware(mw)
}

// echoEvents writes the exchange's events through c.Response(), flushing
// after each one only when flush is set.
func echoEvents(x *lockstep.Exchange, flush bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		res.Header().Set(echo.HeaderContentType, "text/event-stream")
		res.Header().Set(echo.HeaderCacheControl, "no-cache")
		return x.Serve(c.Request().Context(), func(k int) error {
			if _, err := io.WriteString(res, lockstep.SSE(k)); err != nil {
				return err
			}
			if flush {
				res.Flush()
			}
			return nil
		})
	}
}

// TestEchoV4EventStreamsArriveOneByOne: an SSE handler writing to echo's
// c.Response() streams per event, bypassed by default and compressed with
// CompressEventStreams, whether or not it flushes.
func TestEchoV4EventStreamsArriveOneByOne(t *testing.T) {
	compressed := []streamzip.Option{allCodings, streamzip.WithEventStreams(streamzip.CompressEventStreams)}
	cases := []struct {
		name, accept, wantCE string
		opts                 []streamzip.Option
	}{
		{"bypassed", "gzip, br, zstd", "", []streamzip.Option{allCodings}},
		{"compressed gzip", "gzip", "gzip", compressed},
		{"compressed br", "br", "br", compressed},
		{"compressed zstd", "zstd", "zstd", compressed},
	}
	for _, tc := range cases {
		for _, flush := range []bool{false, true} {
			t.Run(tc.name+map[bool]string{false: ", never flushes", true: ", flushes"}[flush], func(t *testing.T) {
				x := lockstep.New(5)
				srv, c := serve(t, echoApp(echoStreamzip(t, tc.opts...), func(e *echo.Echo) {
					e.GET("/events", echoEvents(x, flush))
				}))
				resp := get(t, c, srv.URL+"/events", tc.accept)
				wantEncoding(t, resp, tc.wantCE)
				if got := resp.Header.Get("X-Accel-Buffering"); got != "no" {
					t.Errorf("X-Accel-Buffering %q, want no", got)
				}
				if err := x.RunSSE(resp); err != nil {
					t.Fatalf("client: %v", err)
				}
				if err := x.HandlerResult(); err != nil {
					t.Fatalf("handler: %v", err)
				}
			})
		}
	}
}

// TestEchoV4JSONIsCompressed: c.JSON is compressed with the negotiated
// coding and decodes to what the handler sent.
func TestEchoV4JSONIsCompressed(t *testing.T) {
	doc := bigDocument()
	e := echoApp(echoStreamzip(t, allCodings), func(e *echo.Echo) {
		e.GET("/doc", func(c echo.Context) error { return c.JSON(http.StatusOK, doc) })
	})
	srv, c := serve(t, e)
	for _, tc := range []struct{ accept, want string }{
		{"gzip", "gzip"}, {"br", "br"}, {"zstd", "zstd"}, {"", ""}, {"gzip;q=0", ""},
	} {
		t.Run("Accept-Encoding "+tc.accept, func(t *testing.T) {
			resp := get(t, c, srv.URL+"/doc", tc.accept)
			wantEncoding(t, resp, tc.want)
			var got document
			if err := json.Unmarshal([]byte(decodedBody(t, resp)), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, doc) {
				t.Error("decoded JSON differs from the handler's")
			}
		})
	}
}

// TestEchoV4ReturnedErrorsReachTheClient: echo renders a returned error
// (and its own 404) after the middleware chain returned, and Recover set
// up before streamzip renders a panic's 500 after streamzip unwound; each
// arrives as it would without streamzip.
func TestEchoV4ReturnedErrorsReachTheClient(t *testing.T) {
	recoverFirst := middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true})
	e := echoApp(recoverFirst, func(e *echo.Echo) {
		e.Use(echoStreamzip(t))
		e.GET("/teapot", func(c echo.Context) error {
			return echo.NewHTTPError(http.StatusTeapot, "short and stout")
		})
		e.GET("/panic", func(c echo.Context) error { panic("boom") })
	})
	srv, c := serve(t, e)
	for _, tc := range []struct {
		path string
		code int
		body string
	}{
		{"/teapot", http.StatusTeapot, "short and stout"},
		{"/missing", http.StatusNotFound, "Not Found"},
		{"/panic", http.StatusInternalServerError, "Internal Server Error"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp := get(t, c, srv.URL+tc.path, "gzip")
			if resp.StatusCode != tc.code {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.code)
			}
			if body := decodedBody(t, resp); !strings.Contains(body, tc.body) {
				t.Errorf("body %q, want it to carry %q", body, tc.body)
			}
		})
	}
}

// TestEchoV4GzipSwap: replacing echo's middleware.Gzip() with streamzip
// keeps what worked (compressed JSON decodes to the same document) and
// fixes what did not: an event stream whose handler does not flush is
// held back by echo's Gzip (the control) and streams with streamzip.
func TestEchoV4GzipSwap(t *testing.T) {
	doc := bigDocument()
	stacks := []struct {
		name     string
		mw       echo.MiddlewareFunc
		streams  bool
		eventsCE string
	}{
		{"echo middleware.Gzip (control)", middleware.Gzip(), false, "gzip"},
		{"streamzip", echoStreamzip(t), true, ""},
	}
	for _, st := range stacks {
		t.Run(st.name, func(t *testing.T) {
			x := lockstep.New(3)
			if !st.streams {
				x.Step = lockstep.ControlStep
			}
			srv, c := serve(t, echoApp(st.mw, func(e *echo.Echo) {
				e.GET("/doc", func(c echo.Context) error { return c.JSON(http.StatusOK, doc) })
				e.GET("/events", echoEvents(x, false))
			}))

			resp := get(t, c, srv.URL+"/doc", "gzip")
			wantEncoding(t, resp, "gzip")
			var got document
			if err := json.Unmarshal([]byte(decodedBody(t, resp)), &got); err != nil || !reflect.DeepEqual(got, doc) {
				t.Errorf("compressed JSON does not decode to the document (err %v)", err)
			}

			resp = get(t, c, srv.URL+"/events", "gzip")
			err := x.RunSSE(resp)
			herr := x.HandlerResult()
			if st.streams {
				wantEncoding(t, resp, st.eventsCE)
				if err != nil || herr != nil {
					t.Fatalf("stream: client %v, handler %v", err, herr)
				}
				return
			}
			if !lockstep.HeldBack(err, herr) {
				t.Fatalf("control streamed: client %v, handler %v; it should hold events back", err, herr)
			}
		})
	}
}
