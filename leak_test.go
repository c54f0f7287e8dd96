package streamzip_test

import (
	"testing"

	"github.com/streamzip/streamzip/internal/testkit"
)

// TestMain checks that no test leaves a goroutine behind: no stream, timer
// or pooled encoder of streamzip may outlive its response.
//
// It lives in the external test package because the internal (package
// streamzip) and external test files build into one test binary, and Go
// allows a single TestMain in it; this one covers the tests of both.
//
// No goroutine is ignored: every test server is closed by t.Cleanup or
// defer (httptest.Server.Close waits for its handlers and closes the idle
// client connections it knows about), and VerifyNoLeaks retries for a while
// before it reports, which absorbs connection goroutines still unwinding.
func TestMain(m *testing.M) {
	testkit.VerifyNoLeaks(m)
}
