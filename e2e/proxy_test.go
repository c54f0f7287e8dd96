//go:build unix

package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// proxyResult is one exchange through a reverse proxy.
type proxyResult struct {
	err      error  // the handler's outcome
	clientCE string // Content-Encoding as the client received it
	read     int    // events the client decoded, before or after err
	readErr  error
}

// checkUntouched asserts the proxy passed the coding through as the
// server sent it.
func (r *proxyResult) checkUntouched(t *testing.T, server snapshot) {
	t.Helper()
	if r.clientCE != server.ContentEncoding {
		t.Errorf("the client got Content-Encoding %q through the proxy, the server sent %q", r.clientCE, server.ContentEncoding)
	}
}

// readThrough requests c's stream from a proxy at base with the given
// Accept-Encoding and reads it as it arrives, acking each event as the
// client decodes it. It returns once the handler is done (and the
// response ended) or, if the proxy keeps the response open, 10 s later.
func readThrough(t *testing.T, base string, c *streamCase, accept string) *proxyResult {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Accept-Encoding", accept)
	// No transparent decompression: the test sees the real coding.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET through the proxy: %v", err)
	}
	defer resp.Body.Close()
	res := &proxyResult{clientCE: resp.Header.Get("Content-Encoding")}

	done := make(chan struct{})
	go func() {
		defer close(done)
		body, err := decodeBody(res.clientCE, resp.Body)
		if err != nil {
			res.readErr = err
			return
		}
		res.read, res.readErr = ackEvents(body, c.step)
	}()
	res.err = c.step.result()
	select {
	case <-done: // the handler ended the response, so the proxy ends it too
	case <-time.After(10 * time.Second):
		resp.Body.Close()
		<-done
	}
	return res
}

// startProxy starts cmd (a proxy in the foreground) in its own process
// group, waits until it accepts connections on addr, and returns its base
// URL. log returns the proxy's log for failure messages. When the test
// ends the proxy gets SIGTERM, and its group SIGKILL if it has not exited
// within 5 s.
func startProxy(t *testing.T, name string, cmd *exec.Cmd, addr string, log func() string) string {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			t.Logf("%s (pid %d) ignored SIGTERM; killing its process group", name, cmd.Process.Pid)
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})

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
			t.Fatalf("%s exited at start (%v); log:\n%s", name, err, log())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not accepting on %s after 10s; log:\n%s", name, addr, log())
		}
	}
}

// writeConfig writes a proxy's config file into dir.
func writeConfig(t *testing.T, path, format string, args ...any) {
	t.Helper()
	if err := os.WriteFile(path, fmt.Appendf(nil, format, args...), 0o644); err != nil {
		t.Fatal(err)
	}
}
