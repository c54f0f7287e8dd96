package e2e

import (
	"os"
	"os/exec"
	"testing"
)

// inCI reports whether missing tools are failures (CI=true) rather than
// reasons to skip (a developer machine without a browser or nginx).
func inCI() bool { return os.Getenv("CI") == "true" }

// requireTool returns the path of the first of names found on PATH. When
// none is, the test skips with a hint, or fails in CI.
func requireTool(t *testing.T, hint string, names ...string) string {
	t.Helper()
	for _, name := range names {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	missing(t, "%v not found on PATH (%s)", names, hint)
	return ""
}

// missing skips the test, or fails it when CI=true, where every tool must be
// installed (.ci/e2e.sh does it).
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	if inCI() {
		t.Fatalf("CI=true: "+format, args...)
	}
	t.Skipf(format+"; skipping (set CI=true to make this a failure)", args...)
}
