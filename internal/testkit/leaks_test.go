package testkit

import (
	"strings"
	"testing"
	"time"
)

// TestLeakedGoroutinesSeesAParkedGoroutine: the check finds a goroutine
// left blocked, names it, and forgets it once it returns.
func TestLeakedGoroutinesSeesAParkedGoroutine(t *testing.T) {
	release := make(chan struct{})
	go parkedForTheLeakCheck(release)
	if got := waitForLeaks(50 * time.Millisecond); !strings.Contains(got, "parkedForTheLeakCheck") {
		t.Fatalf("a parked goroutine was not reported; leaked stacks:\n%s", got)
	}
	close(release)
	if got := waitForLeaks(5 * time.Second); got != "" {
		t.Fatalf("reported after it returned:\n%s", got)
	}
}

func parkedForTheLeakCheck(release chan struct{}) { <-release }
