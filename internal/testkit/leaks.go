package testkit

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// VerifyNoLeaks runs the tests of m and then fails the binary if any
// goroutine other than the runtime's and the testing package's own is still
// alive: no stream, timer or pooled encoder of streamzip may outlive its
// response. It retries for a while before it reports, which absorbs
// connection goroutines still unwinding after a server closed. It stands in
// for go.uber.org/goleak so that the library's module needs no test-only
// requirement.
func VerifyNoLeaks(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := waitForLeaks(10 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines leaked by the tests:\n\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// waitForLeaks returns the stacks of leaked goroutines, "" once there are
// none, retrying until timeout.
func waitForLeaks(timeout time.Duration) string {
	deadline := time.Now().Add(timeout)
	for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		leaked := leakedGoroutines()
		if leaked == "" || time.Now().After(deadline) {
			return leaked
		}
		time.Sleep(delay)
	}
}

// leakedGoroutines lists the goroutines that are neither this one nor the
// runtime's or the testing package's.
func leakedGoroutines() string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var leaked []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 || expectedGoroutine(g) {
			continue // the first stack is this goroutine's
		}
		leaked = append(leaked, g)
	}
	return strings.Join(leaked, "\n\n")
}

// expectedGoroutine reports whether a goroutine's stack belongs to the
// runtime or the test framework, which outlive every test.
func expectedGoroutine(stack string) bool {
	for _, owner := range []string{
		"testing.(*M).", "testing.tRunner", "testing.runFuzz", "testing/internal",
		"os/signal.", "runtime.ensureSigM", "runtime/trace", "runtime.ReadTrace",
	} {
		if strings.Contains(stack, owner) {
			return true
		}
	}
	return false
}
