#!/usr/bin/env bash
# e2e: real clients against streamzip — Chromium (chromedp), Node's
# eventsource package and fetch, curl, and nginx, Caddy, HAProxy and Apache as
# reverse proxies in front.
# Installs what it needs; with CI=true a missing tool fails the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== e2e: apt packages"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends \
	chromium nginx caddy haproxy apache2 curl ca-certificates
# Node and npm come with the machine (Node 20+); Debian's nodejs is not
# installed over them.
node --version
npm --version

echo "== e2e: versions"
chromium --version 2>/dev/null || true
curl --version | head -1
nginx -v 2>&1
echo "caddy $(caddy version)"
haproxy -v | sed -n 1p
apache2 -v | sed -n 1p

cd e2e
echo "== e2e: npm ci"
npm ci --no-audit --no-fund
echo "eventsource $(node -p 'require("./node_modules/eventsource/package.json").version')"

echo "== e2e: go vet"
go vet ./...

echo "== e2e: go test"
CI=true go test -count=1 ./...
