#!/usr/bin/env bash
# CI for bench/: vet, the correctness tests (every contender's output decodes
# to its input; streamzip holds back no event), and every benchmark once so
# none can rot. Timings are never asserted.
set -euo pipefail
cd "$(dirname "$0")/../bench"

go vet ./...
go test -count=1 ./...
go test -count=1 -run '^$' -bench . -benchtime=1x ./...
