#!/usr/bin/env bash
# CI for scale/: vet it, then run the harness at 2,000 streams per mode
# (none, bypass, gzip, br, zstd). It fails if any stream misses an event,
# gets one out of order or not byte for byte, or does not end cleanly.
# Figures are printed, never asserted.
set -euo pipefail
cd "$(dirname "$0")/../scale"
go vet ./...
ulimit -n "$(ulimit -Hn)" || true
go run . -streams 2000 -broadcasts 3 -timeout 10m
