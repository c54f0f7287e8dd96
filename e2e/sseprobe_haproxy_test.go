//go:build unix

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// probeEvents and probePace make the stream sseprobe reads behind HAProxy:
// faster than one event per ~200 ms hold, so a held stream shows.
const (
	probeEvents = 40
	probePace   = 40 * time.Millisecond
)

// TestSSEProbeBehindHAProxy runs sseprobe (built from cmd/sseprobe) on a
// paced event stream behind a default HAProxy, which holds every packet
// about 200 ms: the verdict must be buffered and name option
// http-no-delay. Behind HAProxy with that option the same stream must be
// streamed.
func TestSSEProbeBehindHAProxy(t *testing.T) {
	bin := requireTool(t, "apt-get install haproxy", "haproxy")
	probe := filepath.Join(t.TempDir(), "sseprobe")
	build := exec.Command("go", "build", "-o", probe, "github.com/streamzip/streamzip/cmd/sseprobe")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build sseprobe: %v\n%s", err, out)
	}
	app := streamzipSetups(t)[0].wrap(http.HandlerFunc(paced))
	for _, sc := range []struct {
		name     string
		settings []string
		wantExit int
		verdict  string
	}{
		{"default", nil, 1, "buffered"},
		{"no-delay", []string{haproxyNoDelay}, 0, "streamed"},
	} {
		t.Run(sc.name, func(t *testing.T) {
			base := startHAProxy(t, bin, startServer(t, plainHTTP, app), sc.settings...)
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(probe, "-json", "-duration", "30s", base+"/events")
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatalf("sseprobe: %v", err)
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			var sum struct {
				Events  int      `json:"events"`
				Verdict string   `json:"verdict"`
				Detail  string   `json:"detail"`
				Fixes   []string `json:"fixes"`
			}
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
				t.Fatalf("sseprobe's last line is not its summary: %v\n%s\nstderr: %s", err, stdout.String(), stderr.String())
			}
			t.Logf("sseprobe exit %d: %s %s", code, sum.Verdict, sum.Detail)
			if code != sc.wantExit || sum.Verdict != sc.verdict || sum.Events != probeEvents {
				t.Fatalf("sseprobe exit %d, verdict %s, %d events; want exit %d, %s, %d events\n%s",
					code, sum.Verdict, sum.Events, sc.wantExit, sc.verdict, probeEvents, stdout.String())
			}
			if sc.verdict == "buffered" && (len(sum.Fixes) == 0 || !strings.Contains(sum.Fixes[0], "option http-no-delay")) {
				t.Errorf("fixes %q: the first does not name option http-no-delay", sum.Fixes)
			}
		})
	}
}

// paced writes probeEvents small events, one every probePace.
func paced(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	for k := 0; k < probeEvents; k++ {
		if k > 0 {
			select {
			case <-time.After(probePace):
			case <-r.Context().Done():
				return
			}
		}
		if _, err := fmt.Fprintf(w, "id: %d\ndata: {\"k\":%d}\n\n", k, k); err != nil {
			return
		}
	}
}
