//go:build unix

package e2e

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// apacheConf is the Apache config a user writes to put Apache in front of
// an app: mod_proxy_http and one ProxyPass. The rest (modules by path,
// the pid file and error log in the test's temp dir) is what a full
// server config would otherwise provide. %[5]s adds the settings under
// test.
const apacheConf = `ServerRoot %[4]s
ServerName localhost
Listen %[1]s
PidFile %[3]s/httpd.pid
ErrorLog %[3]s/error.log
LoadModule mpm_event_module modules/mod_mpm_event.so
LoadModule authz_core_module modules/mod_authz_core.so
LoadModule proxy_module modules/mod_proxy.so
LoadModule proxy_http_module modules/mod_proxy_http.so
LoadModule filter_module modules/mod_filter.so
LoadModule deflate_module modules/mod_deflate.so

ProxyPass / http://%[2]s/
%[5]s
`

// apacheDeflate is Apache compressing responses itself with mod_deflate,
// event streams included.
const apacheDeflate = "AddOutputFilterByType DEFLATE text/html text/plain application/json text/event-stream"

// TestApache runs the lockstep stream through Apache's mod_proxy_http:
// bypassed and compressed streams arrive one by one, also with mod_deflate
// compressing event streams itself (mod_proxy_http flushes whenever the
// upstream has nothing more to read, and mod_deflate flushes its
// compressor with it). Apache has no buffering of its own to turn on, so
// the control is a buffering gzip middleware behind it.
func TestApache(t *testing.T) {
	bin := requireTool(t, "apt-get install apache2", "apache2", "httpd")
	setups := streamzipSetups(t)
	bypass, compress := setups[0], setups[1]
	const accept = "gzip, br, zstd"

	for _, sc := range []struct {
		name     string
		settings string
		setup    setup
		wantCE   string // as the client receives it, "" for the server's own
	}{
		{"proxy", "", bypass, ""},
		{"proxy", "", compress, ""},
		{"proxy+deflate", apacheDeflate, compress, ""},
		{"proxy+deflate", apacheDeflate, bypass, "gzip"}, // Apache compresses it, and flushes per event
	} {
		t.Run(sc.name+"/"+sc.setup.name, func(t *testing.T) {
			c := newStreamCase(sc.setup, stepOK)
			base := startApache(t, bin, startServer(t, plainHTTP, c.handler(nil)), sc.settings)
			res := readThrough(t, base, c, accept)
			got := c.rec.get()
			checkExchange(t, sc.setup, got)
			if sc.wantCE == "" {
				res.checkUntouched(t, got)
			} else if res.clientCE != sc.wantCE {
				t.Errorf("the client got Content-Encoding %q, want Apache's own %q", res.clientCE, sc.wantCE)
			}
			if res.err != nil {
				t.Fatalf("lockstep through Apache: %v", res.err)
			}
		})
	}

	t.Run("control-naive-gzip", func(t *testing.T) {
		c := newStreamCase(naiveSetup, stepControl)
		base := startApache(t, bin, startServer(t, plainHTTP, c.handler(nil)), "")
		res := readThrough(t, base, c, "gzip")
		checkExchange(t, naiveSetup, c.rec.get())
		if !errors.Is(res.err, errHeldBack) {
			t.Fatalf("lockstep through a buffering gzip middleware behind Apache: %v; want the events held back", res.err)
		}
		t.Logf("buffering middleware detected as expected: %v", res.err)
	})
}

// apacheRoots are where distributions keep Apache's modules/ directory.
var apacheRoots = []string{"/usr/lib/apache2", "/usr/lib64/httpd", "/usr/lib/httpd"}

// startApache runs Apache in the foreground as one process (-X) on a free
// loopback port in front of upstream, with apacheConf plus settings, and
// returns its base URL. It stops when the test ends.
func startApache(t *testing.T, bin, upstream, settings string) string {
	t.Helper()
	root := ""
	for _, r := range apacheRoots {
		if _, err := os.Stat(filepath.Join(r, "modules", "mod_proxy_http.so")); err == nil {
			root = r
			break
		}
	}
	if root == "" {
		missing(t, "Apache's mod_proxy_http not found under %v (apt-get install apache2)", apacheRoots)
	}
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	conf := filepath.Join(dir, "httpd.conf")
	writeConfig(t, conf, apacheConf, addr, u.Host, dir, root, settings)
	var log lockedBuffer
	cmd := exec.Command(bin, "-X", "-f", conf)
	cmd.Stdout, cmd.Stderr = &log, &log
	return startProxy(t, "apache", cmd, addr, func() string {
		return log.String() + readFile(filepath.Join(dir, "error.log"))
	})
}
