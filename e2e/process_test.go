package e2e

import (
	"bytes"
	"io"
	"os/exec"
	"sync"
	"testing"
)

// client is a client program run by a test, read through its stdout.
type client struct {
	cmd    *exec.Cmd
	stdout io.Reader
	stderr lockedBuffer
	once   sync.Once
}

// startClient starts name with args in dir (e2e/ when empty). It is
// stopped by its PID when the test ends, if not before.
func startClient(t *testing.T, dir, name string, args ...string) *client {
	t.Helper()
	c := &client{cmd: exec.Command(name, args...)}
	c.cmd.Dir = dir
	c.cmd.Stderr = &c.stderr
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.stdout = out
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() { c.stop() })
	return c
}

// stop kills the client if it still runs, waits for it, and returns what
// it wrote to stderr.
func (c *client) stop() string {
	c.once.Do(func() {
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
	})
	return c.stderr.String()
}

// lockedBuffer is a bytes.Buffer that exec's copying goroutine and the
// test may use at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
