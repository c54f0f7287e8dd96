#!/usr/bin/env bash
# Hardening checks for CI (issue 7): every fuzz target of the root package,
# one at a time, for FUZZTIME each (default 20s). The load, fault, leak
# and limit tests need nothing here: they run in .ci/run's plain
# `go test ./...` (10,000 streams, non-race) and `go test -race ./...`
# (500 streams) passes.
#
# A failing input is written to testdata/fuzz/<FuzzName>/ by go test; the
# script prints it so the CI log has the reproducer.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime="${FUZZTIME:-20s}"
targets=$(go test -list '^Fuzz' . | grep '^Fuzz' || true)
if [ -z "$targets" ]; then
	echo "no fuzz targets found"; exit 1
fi
for target in $targets; do
	echo "== fuzz $target ($fuzztime)"
	log="$(mktemp)"
	status=0
	go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" . >"$log" 2>&1 || status=$?
	if [ "$status" -ne 0 ]; then
		cat "$log"
		echo "fuzz $target failed; reproducer(s):"
		for f in $(git ls-files --others --exclude-standard "testdata/fuzz/$target"); do
			echo "--- $f"; cat "$f"
		done
		exit 1
	fi
	# The last progress line holds the execution count.
	grep -E 'execs: [0-9]+' "$log" | tail -n 1
	rm -f "$log"
done
