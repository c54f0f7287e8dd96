package frameworks_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/danielgtaylor/huma/v2/sse"
	"github.com/streamzip/streamzip"
	"github.com/streamzip/streamzip/internal/lockstep"
)

type documentOutput struct {
	Body document
}

type countInput struct {
	Count int `query:"count" minimum:"1" maximum:"10"`
}

// humaApp is the setup README shows for huma v2: the humago adapter on a
// Go 1.22 ServeMux, and streamzip around the mux like any net/http
// handler. /events is an SSE operation from huma's sse package that
// streams x's events in lockstep.
func humaApp(t *testing.T, x *lockstep.Exchange, opts ...streamzip.Option) http.Handler {
	t.Helper()
	mux := http.NewServeMux()
	api := humago.New(mux, huma.DefaultConfig("Ticks", "1.0.0"))
	huma.Get(api, "/document", func(ctx context.Context, in *countInput) (*documentOutput, error) {
		return &documentOutput{Body: bigDocument()}, nil
	})
	sse.Register(api, huma.Operation{OperationID: "events", Method: http.MethodGet, Path: "/events"},
		map[string]any{"message": lockstep.Message{}},
		func(ctx context.Context, _ *struct{}, send sse.Sender) {
			_ = x.Serve(ctx, func(k int) error { return send.Data(lockstep.Payload(k)) })
		})
	mw, err := streamzip.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return mw(mux)
}

// TestHumaSSEArrivesOneByOne: an operation registered with huma's sse
// package streams per event through streamzip, bypassed or compressed.
func TestHumaSSEArrivesOneByOne(t *testing.T) {
	compressed := []streamzip.Option{allCodings, streamzip.WithEventStreams(streamzip.CompressEventStreams)}
	for _, tc := range []struct {
		name, accept, wantCE string
		opts                 []streamzip.Option
	}{
		{"bypassed", "gzip, br, zstd", "", []streamzip.Option{allCodings}},
		{"compressed gzip", "gzip", "gzip", compressed},
		{"compressed br", "br", "br", compressed},
		{"compressed zstd", "zstd", "zstd", compressed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := lockstep.New(5)
			srv, c := serve(t, humaApp(t, x, tc.opts...))
			resp := get(t, c, srv.URL+"/events", tc.accept)
			wantEncoding(t, resp, tc.wantCE)
			if err := x.RunSSE(resp); err != nil {
				t.Fatalf("client: %v", err)
			}
			if err := x.HandlerResult(); err != nil {
				t.Fatalf("handler: %v", err)
			}
		})
	}
}

// TestHumaResponsesAreCompressed: an operation's JSON body and the
// generated OpenAPI document are compressed and decode to what huma wrote;
// huma's problem+json validation error (below the minimum size, so sent
// as is) arrives intact.
func TestHumaResponsesAreCompressed(t *testing.T) {
	srv, c := serve(t, humaApp(t, lockstep.New(0), allCodings))
	for _, accept := range []string{"gzip", "br", "zstd", ""} {
		t.Run("Accept-Encoding "+accept, func(t *testing.T) {
			resp := get(t, c, srv.URL+"/document?count=3", accept)
			wantEncoding(t, resp, accept)
			var got document
			if err := json.Unmarshal([]byte(decodedBody(t, resp)), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, bigDocument()) {
				t.Error("decoded JSON differs from huma's")
			}

			resp = get(t, c, srv.URL+"/openapi.json", accept)
			wantEncoding(t, resp, accept)
			if body := decodedBody(t, resp); !strings.Contains(body, `"/events"`) {
				t.Errorf("OpenAPI document without the operations: %.200q", body)
			}

			resp = get(t, c, srv.URL+"/document?count=99", accept)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("validation error status %d", resp.StatusCode)
			}
			if body := decodedBody(t, resp); !strings.Contains(body, "expected number <= 10") {
				t.Errorf("problem+json body %q", body)
			}
		})
	}
}
