//go:build unix

package e2e

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streamzip/streamzip/internal/decoding"
)

// nginxConf puts nginx in front of the test server as a reverse proxy with
// proxy_buffering on (the default, spelled out) and the given upstream HTTP
// version. Everything nginx writes stays in the test's temp dir.
//
// What buffering holds back depends on that version (nginx 1.22, measured
// by these tests): with proxy_http_version 1.0, nginx's default, the
// upstream body has no chunks, so nginx keeps a partly filled buffer until
// it fills or the upstream ends — SSE behind a default nginx stalls unless
// X-Accel-Buffering: no turns buffering off for the response. With 1.1 the
// body is chunked and nginx passes every complete chunk on at once, header
// or not. The lockstep keeps at most one ~1.1 KiB event in flight, far
// below the smallest buffer (proxy_buffer_size, one 4 KiB page), so under
// 1.0 a held event stays held until the handler gives up: the control is
// deterministic.
const nginxConf = `daemon off;
master_process on;
worker_processes 1;
%[1]s
pid %[2]s/nginx.pid;
error_log %[2]s/error.log info;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[2]s/client_body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    server {
        listen 127.0.0.1:%[3]d;
        location / {
            proxy_pass %[4]s;
            proxy_http_version %[5]s;
            proxy_buffering on;
        }
    }
}
`

// TestNginx runs the lockstep stream through nginx with proxy_buffering
// on, with HTTP/1.1 and HTTP/1.0 (nginx's default) to the upstream: events
// arrive one by one, because streamzip sends X-Accel-Buffering: no. Two
// controls must stall: the same streamzip response with that header
// stripped before nginx sees it, under HTTP/1.0 where nginx buffers (it
// then holds the events until the handler gives up, and releases them
// only then); and a buffering gzip middleware whose handler sets the
// header itself.
func TestNginx(t *testing.T) {
	bin := requireTool(t, "apt-get install nginx", "nginx")
	setups := streamzipSetups(t)
	bypass, compress := setups[0], setups[1]

	for _, version := range []string{"1.1", "1.0"} {
		for _, sc := range []struct {
			setup  setup
			accept string
		}{
			{bypass, "gzip, br, zstd"},
			{compress, "gzip, br, zstd"},
			{compress, "br"},
			{compress, "zstd"},
		} {
			t.Run("http"+version+"/"+sc.setup.name+"/"+sc.accept, func(t *testing.T) {
				c := newStreamCase(sc.setup, stepOK)
				res := runNginx(t, bin, version, c, nil, sc.accept)
				got := c.rec.get()
				checkExchange(t, sc.setup, got)
				res.checkUntouched(t, got)
				if res.err != nil {
					t.Fatalf("lockstep through nginx: %v", res.err)
				}
			})
		}
	}

	for _, s := range []setup{bypass, compress} {
		t.Run("http1.0/control-header-stripped/"+s.name, func(t *testing.T) {
			stripped := s
			stripped.accelNo = false // the control removes it on purpose
			c := newStreamCase(stripped, stepControl)
			res := runNginx(t, bin, "1.0", c, stripAccelBuffering, "gzip")
			got := c.rec.get()
			checkExchange(t, stripped, got)
			res.checkUntouched(t, got)
			if got.AccelBuffering != "" {
				t.Fatalf("X-Accel-Buffering %q reached nginx: the control did not strip it", got.AccelBuffering)
			}
			if !errors.Is(res.err, errHeldBack) {
				t.Fatalf("lockstep without X-Accel-Buffering: %v; want nginx to hold the events back", res.err)
			}
			// Held, not lost: once the handler gave up and the response
			// ended, nginx released what it held.
			if res.read < 1 {
				t.Errorf("nginx never released event 0 after the response ended (reader: %v)", res.readErr)
			}
			t.Logf("nginx held the events back as expected: %v; released %d event(s) when the response ended", res.err, res.read)
		})
	}

	t.Run("http1.1/control-naive-gzip", func(t *testing.T) {
		c := newStreamCase(naiveSetup, stepControl)
		c.step.accelNo = true // the usual workaround, not enough against a buffering middleware
		res := runNginx(t, bin, "1.1", c, nil, "gzip")
		got := c.rec.get()
		checkExchange(t, naiveSetup, got)
		res.checkUntouched(t, got)
		if got.AccelBuffering != "no" {
			t.Errorf("X-Accel-Buffering %q, want the handler's no", got.AccelBuffering)
		}
		if !errors.Is(res.err, errHeldBack) {
			t.Fatalf("lockstep through a buffering gzip middleware behind nginx: %v; want the events held back", res.err)
		}
		t.Logf("buffering middleware detected as expected: %v", res.err)
	})
}

// runNginx serves c's stream (outer between recorder and middleware, may
// be nil), puts a fresh nginx in front of it speaking HTTP/version to it, and reads the stream through
// nginx, acking each event as the client decodes it.
func runNginx(t *testing.T, bin, version string, c *streamCase, outer func(http.Handler) http.Handler, accept string) *proxyResult {
	t.Helper()
	upstream := startServer(t, plainHTTP, c.handler(outer))
	return readThrough(t, startNginx(t, bin, version, upstream), c, accept)
}

// decodeBody decodes a response body by its Content-Encoding.
func decodeBody(ce string, body io.Reader) (io.Reader, error) {
	return decoding.NewReader(ce, body)
}

// startNginx starts nginx (daemon off, in its own process group) proxying
// to upstream over HTTP/version on a free loopback port, waits until it accepts connections,
// and returns its base URL. It stops nginx by PID when the test ends.
func startNginx(t *testing.T, bin, version, upstream string) string {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	user := ""
	if os.Geteuid() == 0 {
		// As root nginx would run its worker as nobody, which cannot
		// write to the test's temp dir; CI runs as root.
		user = "user root root;"
	}
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, nginxConf, user, dir, port, upstream, version), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", conf, "-e", filepath.Join(dir, "error.log"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // master and worker, stopped together
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { stopNginx(t, cmd, exited) })

	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return "http://" + addr
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("nginx exited at start (%v); error log:\n%s", err, readFile(filepath.Join(dir, "error.log")))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx not accepting on %s after 10s; error log:\n%s", addr, readFile(filepath.Join(dir, "error.log")))
		}
	}
}

// stopNginx asks the master to shut down (SIGTERM: it stops its worker
// and exits) and kills the process group if it has not within 5 s.
func stopNginx(t *testing.T, cmd *exec.Cmd, exited chan error) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Logf("nginx (pid %d) ignored SIGTERM; killing its process group", cmd.Process.Pid)
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return strings.TrimSpace(string(b))
}
