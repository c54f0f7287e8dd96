#!/usr/bin/env bash
# CI for the framework setups README's "Frameworks" section shows: the
# frameworks/ test module (echo v4 and v5, huma, connect-go, Fiber's
# limitation) and the gin adapter's own module (adapters/gin). Each is its
# own module, so the root's ./... does not enter them.
set -euo pipefail
cd "$(dirname "$0")/.."

for mod in frameworks adapters/gin; do
	echo "-- $mod"
	(
		cd "$mod"
		go vet ./...
		go test -count=1 ./...
		go test -count=1 -race ./...
	)
done
