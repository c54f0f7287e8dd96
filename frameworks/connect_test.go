package frameworks_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/streamzip/streamzip"
	"github.com/streamzip/streamzip/internal/lockstep"
)

// A tiny Connect service without protoc: plain Go types and a JSON codec
// registered under connect's "json" name, on handler and client alike.
const (
	ticksProcedure    = "/streamzip.test.v1.TickService/Ticks"
	documentProcedure = "/streamzip.test.v1.TickService/Document"
)

type ticksRequest struct {
	Count int `json:"count"`
}

type jsonCodec struct{}

func (jsonCodec) Name() string                    { return "json" }
func (jsonCodec) Marshal(v any) ([]byte, error)   { return json.Marshal(v) }
func (jsonCodec) Unmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// connectApp serves the service behind streamzip, the setup README shows:
// Connect handlers on a ServeMux, the mux wrapped as any net/http handler.
// Ticks streams x's events in lockstep.
func connectApp(t *testing.T, x *lockstep.Exchange) http.Handler {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(ticksProcedure, connect.NewServerStreamHandler(ticksProcedure,
		func(ctx context.Context, _ *connect.Request[ticksRequest], stream *connect.ServerStream[lockstep.Message]) error {
			return x.Serve(ctx, func(k int) error {
				m := lockstep.Payload(k)
				return stream.Send(&m)
			})
		}, connect.WithCodec(jsonCodec{})))
	mux.Handle(documentProcedure, connect.NewUnaryHandler(documentProcedure,
		func(context.Context, *connect.Request[ticksRequest]) (*connect.Response[document], error) {
			return connect.NewResponse(&document{Items: bigDocument().Items}), nil
		}, connect.WithCodec(jsonCodec{})))
	mw, err := streamzip.New(allCodings)
	if err != nil {
		t.Fatal(err)
	}
	return mw(mux)
}

// envelope frames one Connect streaming message.
func envelope(flags byte, payload []byte) []byte {
	b := make([]byte, 5, 5+len(payload))
	b[0] = flags
	binary.BigEndian.PutUint32(b[1:], uint32(len(payload)))
	return append(b, payload...)
}

// readEnvelope reads one Connect streaming message off the raw body.
func readEnvelope(r io.Reader) (flags byte, payload []byte, err error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	payload = make([]byte, binary.BigEndian.Uint32(hdr[1:]))
	_, err = io.ReadFull(r, payload)
	return hdr[0], payload, err
}

// TestConnectStreamPassesThroughRaw reads a Connect server stream as raw
// bytes through streamzip: no Content-Encoding although the client accepts
// every coding, the body parses as Connect envelopes (compressed by Connect
// itself when asked), and each message arrives before the next is sent.
func TestConnectStreamPassesThroughRaw(t *testing.T) {
	for _, connectCoding := range []string{"", "gzip"} {
		t.Run("Connect-Accept-Encoding "+connectCoding, func(t *testing.T) {
			x := lockstep.New(5)
			srv, c := serve(t, connectApp(t, x))
			req, err := http.NewRequest(http.MethodPost, srv.URL+ticksProcedure,
				bytes.NewReader(envelope(0, []byte(`{"count":5}`))))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/connect+json")
			req.Header.Set("Connect-Protocol-Version", "1")
			req.Header.Set("Accept-Encoding", "zstd, br, gzip")
			if connectCoding != "" {
				req.Header.Set("Connect-Accept-Encoding", connectCoding)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if ct := resp.Header.Get("Content-Type"); ct != "application/connect+json" {
				t.Fatalf("Content-Type %q", ct)
			}
			wantEncoding(t, resp, "")
			if got := resp.Header.Get("Connect-Content-Encoding"); got != connectCoding && !(connectCoding == "" && got == "identity") {
				t.Errorf("Connect-Content-Encoding %q, want %q", got, connectCoding)
			}
			next := func() (int, error) {
				flags, payload, err := readEnvelope(resp.Body)
				if err != nil {
					return 0, err
				}
				if flags&1 != 0 {
					if payload, err = gunzip(payload); err != nil {
						return 0, fmt.Errorf("Connect's own message compression: %w", err)
					}
				}
				var m lockstep.Message
				if err := json.Unmarshal(payload, &m); err != nil {
					return 0, fmt.Errorf("envelope flags %#x payload %q: %w", flags, payload, err)
				}
				return m.K, nil
			}
			if err := x.Run(next, func() { resp.Body.Close() }); err != nil {
				t.Fatalf("client: %v", err)
			}
			if err := x.HandlerResult(); err != nil {
				t.Fatalf("handler: %v", err)
			}
			flags, payload, err := readEnvelope(resp.Body)
			if err != nil || flags&2 == 0 {
				t.Fatalf("end of stream: flags %#x payload %q error %v", flags, payload, err)
			}
			if flags&1 != 0 {
				payload, _ = gunzip(payload)
			}
			if strings.Contains(string(payload), `"error"`) {
				t.Errorf("stream ended with an error: %s", payload)
			}
		})
	}
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// recordingTransport advertises every coding on each request, as a
// browser would, and keeps the Content-Encoding of each response. Go's
// transport decodes nothing once Accept-Encoding is set by hand, so a
// response encoded on top of Connect's framing would reach the client as
// garbage.
type recordingTransport struct {
	rt        http.RoundTripper
	encodings chan string
}

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Accept-Encoding", "zstd, br, gzip")
	resp, err := r.rt.RoundTrip(req)
	if err == nil {
		select {
		case r.encodings <- resp.Proto + "|" + resp.Header.Get("Content-Encoding") + "|" + resp.Header.Get("Content-Type"):
		default:
		}
	}
	return resp, err
}

// TestConnectClientStreamsThroughStreamzip: connect-go's own client, over
// the Connect, gRPC and gRPC-Web protocols (HTTP/2), receives each message
// of a server stream before the handler sends the next, with no
// Content-Encoding added by streamzip.
func TestConnectClientStreamsThroughStreamzip(t *testing.T) {
	protocols := []struct {
		name string
		opts []connect.ClientOption
		ct   string
	}{
		{"Connect", nil, "application/connect+json"},
		{"gRPC", []connect.ClientOption{connect.WithGRPC()}, "application/grpc+json"},
		{"gRPC-Web", []connect.ClientOption{connect.WithGRPCWeb()}, "application/grpc-web+json"},
	}
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			x := lockstep.New(5)
			srv := httptest.NewUnstartedServer(connectApp(t, x))
			srv.EnableHTTP2 = true
			srv.StartTLS()
			defer srv.Close()
			rt := &recordingTransport{rt: lockstep.RawClient(srv).Transport, encodings: make(chan string, 4)}
			client := connect.NewClient[ticksRequest, lockstep.Message](&http.Client{Transport: rt}, srv.URL+ticksProcedure,
				append([]connect.ClientOption{connect.WithCodec(jsonCodec{})}, p.opts...)...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stream, err := client.CallServerStream(ctx, connect.NewRequest(&ticksRequest{Count: 5}))
			if err != nil {
				t.Fatal(err)
			}
			defer stream.Close()
			next := func() (int, error) {
				if !stream.Receive() {
					return 0, fmt.Errorf("stream ended: %v", stream.Err())
				}
				return stream.Msg().K, nil
			}
			if err := x.Run(next, cancel); err != nil {
				t.Fatalf("client: %v", err)
			}
			if err := x.HandlerResult(); err != nil {
				t.Fatalf("handler: %v", err)
			}
			if stream.Receive() || stream.Err() != nil {
				t.Errorf("after the last message: more %v, error %v", stream.Msg(), stream.Err())
			}
			if got, want := <-rt.encodings, "HTTP/2.0||"+p.ct; got != want {
				t.Errorf("protocol|Content-Encoding|Content-Type %q, want %q", got, want)
			}
		})
	}
}

// TestConnectUnaryKeepsItsOwnEncoding: a unary Connect response that
// Connect gzipped itself passes through untouched (one gzip layer, not
// two, and not re-encoded to the client's preferred zstd); one that
// Connect left alone is compressed by streamzip like any JSON. connect-go's
// client reads both.
func TestConnectUnaryKeepsItsOwnEncoding(t *testing.T) {
	srv, c := serve(t, connectApp(t, lockstep.New(0)))
	for _, tc := range []struct{ accept, want string }{
		{"zstd, br, gzip", "gzip"}, // Connect's own gzip
		{"br", "br"},               // Connect cannot: streamzip's br
	} {
		t.Run("Accept-Encoding "+tc.accept, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, srv.URL+documentProcedure, strings.NewReader(`{"count":1}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Connect-Protocol-Version", "1")
			req.Header.Set("Accept-Encoding", tc.accept)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := resp.Header.Values("Content-Encoding"); len(got) != 1 || got[0] != tc.want {
				t.Fatalf("Content-Encoding %q, want exactly %q", got, tc.want)
			}
			var got document
			if err := json.Unmarshal([]byte(decodedBody(t, resp)), &got); err != nil {
				t.Fatalf("one %s layer does not give the JSON: %v", tc.want, err)
			}
			if !reflect.DeepEqual(got, bigDocument()) {
				t.Error("document differs")
			}
		})
	}
	t.Run("connect-go client", func(t *testing.T) {
		rt := &recordingTransport{rt: c.Transport, encodings: make(chan string, 1)}
		client := connect.NewClient[ticksRequest, document](&http.Client{Transport: rt}, srv.URL+documentProcedure, connect.WithCodec(jsonCodec{}))
		res, err := client.CallUnary(context.Background(), connect.NewRequest(&ticksRequest{Count: 1}))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*res.Msg, bigDocument()) {
			t.Error("document differs")
		}
		t.Logf("protocol|Content-Encoding|Content-Type: %s", <-rt.encodings)
	})
}
