package streamzip_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind: no stream, timer
// or pooled encoder of streamzip may outlive its response.
//
// It lives in the external test package because the internal (package
// streamzip) and external test files build into one test binary, and Go
// allows a single TestMain in it; this one covers the tests of both.
//
// Every test server is closed by t.Cleanup (httptest.Server.Close also
// closes the idle client connections it knows about), so nothing from
// net/http is expected to linger; goleak retries for a while before it
// reports, which absorbs connection goroutines that are still winding down.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The HTTP/2 test client keeps a read loop per connection until the
		// server closes it; Close does, but the loop may still be unwinding.
		goleak.IgnoreAnyFunction("net/http.(*http2ClientConn).readLoop"),
		// helpers_test.go's lockstep.run leaves its reader goroutine blocked
		// on an unbuffered send when run returns early, which
		// TestLockstepDetectsBuffering does on purpose. A test-helper leak,
		// not a streamzip one; drop this line once run stops its reader.
		goleak.IgnoreTopFunction("github.com/streamzip/streamzip_test.(*lockstep).run.func1"),
	)
}
