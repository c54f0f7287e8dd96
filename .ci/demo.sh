#!/usr/bin/env bash
# demo: the README's quick tour, run as written — start `go run ./examples/sse`,
# probe a streaming and the buffering column with sseprobe (installed with
# go install, as the README says) and check their verdicts by exit status.
# Needs only Go. The page itself is checked in Chromium by
# e2e/demo_chromium_test.go (run by .ci/e2e.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
demo_pid=""
cleanup() {
	if [ -n "$demo_pid" ]; then kill "$demo_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "== demo: go install ./cmd/sseprobe"
GOBIN="$tmp/bin" go install ./cmd/sseprobe
go build -o "$tmp/bin/sse" ./examples/sse

echo "== demo: start the demo on a free port"
"$tmp/bin/sse" -addr 127.0.0.1:0 >"$tmp/demo.out" 2>&1 &
demo_pid=$!
url=""
for _ in $(seq 100); do
	url=$(sed -n 's/^streamzip demo on \(http:[^ ]*\)$/\1/p' "$tmp/demo.out")
	[ -n "$url" ] && break
	sleep 0.1
done
if [ -z "$url" ]; then echo "demo did not print its URL:"; cat "$tmp/demo.out"; exit 1; fi
echo "demo at $url"

# probe COLUMN WANT_EXIT: run sseprobe on a column and check its exit status.
probe() {
	local status=0
	"$tmp/bin/sseprobe" "${url}stream/$1" >"$tmp/$1.out" 2>&1 || status=$?
	cat "$tmp/$1.out"
	if [ "$status" -ne "$2" ]; then
		echo "sseprobe on /stream/$1 exited $status, want $2"
		exit 1
	fi
}
echo "== demo: sseprobe on the streamzip gzip column (want: streamed, exit 0)"
probe gzip 0
echo "== demo: sseprobe on the naive gzip column (want: buffered, exit 1)"
probe naive 1
echo "== demo: sseprobe refuses /api/items, which is JSON (want exit 4)"
status=0
"$tmp/bin/sseprobe" "${url}api/items" >/dev/null 2>"$tmp/items.err" || status=$?
cat "$tmp/items.err"
if [ "$status" -ne 4 ]; then echo "exit $status, want 4"; exit 1; fi
echo "demo ok"
