package streamzip_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/streamzip/streamzip"
)

// TestDefaultCodingPerClient: with the defaults, each kind of client gets
// the coding the codec frontier chose for it (README, Performance), over a
// real connection, and the body decodes.
func TestDefaultCodingPerClient(t *testing.T) {
	body := jsonBody(16 << 10)
	srv, c := newServer(t, streamzip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})))
	for _, tc := range []struct{ accept, want string }{
		{"gzip, deflate, br, zstd", "zstd"}, // every current browser
		{"gzip, deflate, br", "gzip"},       // Safari, older browsers
		{"gzip", "gzip"},                    // curl --compressed, Go, most bots
		{"br", "br"},
		{"br;q=1, gzip;q=0.5", "br"}, // the client's weights still decide
		{"zstd;q=0, gzip, br", "gzip"},
	} {
		t.Run(tc.accept, func(t *testing.T) {
			resp := get(t, c, "GET", srv.URL, tc.accept)
			if got := resp.Header.Get("Content-Encoding"); got != tc.want {
				t.Fatalf("Content-Encoding = %q, want %q", got, tc.want)
			}
			got, err := io.ReadAll(decoder(t, resp))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, body) {
				t.Fatalf("decoded %d bytes, want the %d-byte body", len(got), len(body))
			}
		})
	}
}

// TestZstdLevels: every level WithZstdLevel accepts serves a decodable
// response whose frame declares a window of at most 8 MiB (browsers refuse
// more) and carries its content checksum; out-of-range levels are errors.
func TestZstdLevels(t *testing.T) {
	// Over one 128 KiB block, so the frame declares its window. (jsonBody
	// builds its list by re-encoding it, too slow at this size under -race.)
	body := bytes.Repeat(jsonBody(16<<10), 10)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	mux := http.NewServeMux()
	for level := 1; level <= 4; level++ {
		mw, err := streamzip.New(streamzip.WithEncodings("zstd"), streamzip.WithZstdLevel(level))
		if err != nil {
			t.Fatalf("level %d: %v", level, err)
		}
		mux.Handle(fmt.Sprintf("/%d", level), mw(handler))
	}
	srv, c := newServer(t, mux)
	for level := 1; level <= 4; level++ {
		resp := get(t, c, "GET", fmt.Sprintf("%s/%d", srv.URL, level), "zstd")
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		window, checksum := zstdFrameHeader(t, raw)
		if window > 8<<20 {
			t.Errorf("level %d: window %d bytes, over 8 MiB", level, window)
		}
		if !checksum {
			t.Errorf("level %d: frame carries no content checksum", level)
		}
		dec, err := decode("zstd", bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(dec)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, body) {
			t.Fatalf("level %d: decoded %d bytes, want %d", level, len(got), len(body))
		}
	}
	for _, bad := range []int{-1, 0, 5, 22} {
		if _, err := streamzip.New(streamzip.WithZstdLevel(bad)); err == nil {
			t.Errorf("WithZstdLevel(%d) accepted", bad)
		}
	}
}

// zstdFrameHeader reads the window size and the checksum flag from the
// first frame's header (RFC 8878 §3.1.1.1).
func zstdFrameHeader(t *testing.T, frame []byte) (window uint64, checksum bool) {
	t.Helper()
	if len(frame) < 6 || binary.LittleEndian.Uint32(frame) != 0xFD2FB528 {
		t.Fatalf("not a zstd frame: % x", frame[:min(len(frame), 8)])
	}
	fhd := frame[4]
	checksum = fhd&0x04 != 0
	if fhd&0x20 != 0 {
		t.Fatalf("single-segment frame: no window declared to check")
	}
	wd := frame[5]
	exp, mantissa := uint64(wd>>3), uint64(wd&7)
	base := uint64(1) << (10 + exp)
	return base + base/8*mantissa, checksum
}
