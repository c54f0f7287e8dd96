//go:build unix

package e2e

import (
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"testing"
)

// caddyConf is the Caddyfile a user writes to put Caddy in front of an
// app: a site and reverse_proxy. The global block (no admin endpoint) and
// the http:// site address bound to 127.0.0.1 only keep the test off
// shared ports and away from certificates. %[3]s adds site directives
// (encode) and %[4]s reverse_proxy subdirectives.
const caddyConf = `{
	admin off
}

http://%[1]s {
	bind 127.0.0.1
%[3]s
	reverse_proxy %[2]s {
%[4]s
	}
}
`

// Caddy settings under test.
const (
	// caddyEncode is Caddy compressing responses itself. Caddy 2.6
	// encodes text/* by default, event streams included.
	caddyEncode = "\tencode gzip zstd"
	// caddyEncodeNoEvents compresses only the listed types, leaving
	// text/event-stream out.
	caddyEncodeNoEvents = "\tencode gzip zstd {\n\t\tmatch {\n\t\t\theader Content-Type text/html*\n\t\t\theader Content-Type application/json*\n\t\t}\n\t}"
	// caddyBufferResponses makes reverse_proxy read the whole response
	// before sending it: the buffering control.
	caddyBufferResponses = "\t\tbuffer_responses"
)

// TestCaddy runs the lockstep stream through Caddy's reverse_proxy, which
// flushes event streams at once by itself: bypassed and compressed
// streams arrive one by one. With Caddy's own encode on, streamzip's
// compressed streams pass it untouched, and a bypassed stream streams when
// encode's match leaves text/event-stream out. Two controls must stall:
// reverse_proxy with buffer_responses, and encode over a bypassed stream —
// Caddy 2.6 compresses it and does not flush its encoder when the proxy
// flushes, so the events wait until the response ends.
func TestCaddy(t *testing.T) {
	bin := requireTool(t, "apt-get install caddy", "caddy")
	setups := streamzipSetups(t)
	bypass, compress := setups[0], setups[1]
	const accept = "gzip, br, zstd"

	for _, sc := range []struct {
		name          string
		site, reverse string
		setup         setup
		accept        string
	}{
		{"reverse_proxy", "", "", bypass, accept},
		{"reverse_proxy", "", "", compress, accept},
		{"reverse_proxy", "", "", compress, "br"},
		{"encode", caddyEncode, "", compress, accept},
		{"encode", caddyEncode, "", compress, "zstd"},
		{"encode-without-event-stream", caddyEncodeNoEvents, "", bypass, accept},
	} {
		t.Run(sc.name+"/"+sc.setup.name+"/"+sc.accept, func(t *testing.T) {
			c := newStreamCase(sc.setup, stepOK)
			base := startCaddy(t, bin, startServer(t, plainHTTP, c.handler(nil)), sc.site, sc.reverse)
			res := readThrough(t, base, c, sc.accept)
			got := c.rec.get()
			checkExchange(t, sc.setup, got)
			res.checkUntouched(t, got)
			if res.err != nil {
				t.Fatalf("lockstep through Caddy: %v", res.err)
			}
		})
	}

	for _, sc := range []struct {
		name, site, reverse string
		setup               setup
		wantCE              string // as the client receives it
	}{
		{"control-buffer_responses", "", caddyBufferResponses, bypass, ""},
		{"control-buffer_responses", "", caddyBufferResponses, compress, "gzip"},
		{"control-encode", caddyEncode, "", bypass, "gzip"},
	} {
		t.Run(sc.name+"/"+sc.setup.name, func(t *testing.T) {
			c := newStreamCase(sc.setup, stepControl)
			base := startCaddy(t, bin, startServer(t, plainHTTP, c.handler(nil)), sc.site, sc.reverse)
			res := readThrough(t, base, c, accept)
			checkExchange(t, sc.setup, c.rec.get())
			if res.clientCE != sc.wantCE {
				t.Errorf("the client got Content-Encoding %q, want %q", res.clientCE, sc.wantCE)
			}
			if !errors.Is(res.err, errHeldBack) {
				t.Fatalf("lockstep through Caddy: %v; want the events held back", res.err)
			}
			if res.read < 1 {
				t.Errorf("Caddy never released event 0 after the response ended (reader: %v)", res.readErr)
			}
			t.Logf("Caddy held the events back as expected: %v; released %d event(s) when the response ended", res.err, res.read)
		})
	}
}

// startCaddy runs Caddy (caddy run) on a free loopback port in front of
// upstream with caddyConf and the given site directives and
// reverse_proxy subdirectives, and returns its base URL. Caddy's home,
// data and config dirs are the test's temp dir. It stops when the test
// ends.
func startCaddy(t *testing.T, bin, upstream, site, reverse string) string {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	conf := filepath.Join(dir, "Caddyfile")
	writeConfig(t, conf, caddyConf, addr, u.Host, site, reverse)
	t.Logf("Caddyfile:\n%s", readFile(conf))
	var log lockedBuffer
	cmd := exec.Command(bin, "run", "--config", conf, "--adapter", "caddyfile")
	cmd.Env = []string{"HOME=" + dir, "XDG_DATA_HOME=" + dir, "XDG_CONFIG_HOME=" + dir}
	cmd.Stdout, cmd.Stderr = &log, &log
	return startProxy(t, "caddy", cmd, addr, log.String)
}
