#!/usr/bin/env bash
# Module hygiene: a scratch application that requires streamzip (and chi
# v5.2.3, older than anything streamzip's tests use) gets no test-only
# module in its graph, and `go mod tidy` leaves its chi alone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
app="$(mktemp -d)"
trap 'rm -rf "$app"' EXIT
cd "$app"
cat >go.mod <<MOD
module example.com/scratchapp

go 1.25

require (
	github.com/go-chi/chi/v5 v5.2.3
	github.com/streamzip/streamzip v0.0.0
)

replace github.com/streamzip/streamzip => $root
MOD
cat >main.go <<'GO'
package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/streamzip/streamzip"
)

func main() {
	r := chi.NewRouter()
	r.Use(streamzip.Middleware)
	_ = http.Handler(r)
}
GO
go mod tidy
go build ./...
echo "go list -m all of a scratch app:"
go list -m all | sed 's/^/  /'
if ! grep -q 'github.com/go-chi/chi/v5 v5.2.3$' <(go list -m all); then
	echo "go mod tidy changed the app's chi version"; exit 1
fi
extra=$(go list -m all | awk '{print $1}' | grep -v -x -e example.com/scratchapp -e github.com/streamzip/streamzip \
	-e github.com/go-chi/chi/v5 -e github.com/klauspost/compress -e github.com/andybalholm/brotli \
	-e github.com/xyproto/randomstring || true) # randomstring: brotli's own requirement
if [ -n "$extra" ]; then
	echo "modules the library should not bring: $extra"; exit 1
fi
echo "module graph: only streamzip's compression libraries"
