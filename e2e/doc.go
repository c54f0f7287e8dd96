// Package e2e checks streamzip against real clients: Chromium (driven by
// chromedp), Node's eventsource package and fetch, curl, and nginx, Caddy,
// HAProxy and Apache as reverse proxies in front. Every check runs an
// event stream in lockstep — the server writes event k and waits until
// the client reports that it decoded event k before writing k+1 — so an
// event held back anywhere on the way stalls the stream and fails the test
// instead of passing on the final body.
// Each check has a negative control, a buffering gzip middleware or a proxy
// left to buffer, that must stall, proving the check can see the bug.
//
// The package has only tests. Run them with
//
//	cd e2e && npm ci && go test ./...
//
// Tests skip when chromium, node, curl, nginx, caddy, haproxy or apache2 is
// missing, and fail instead when CI=true.
package e2e
