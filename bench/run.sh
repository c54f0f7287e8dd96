#!/usr/bin/env bash
# Runs the side-by-side benchmarks and writes RESULTS.md and frontier.png
# (the codec frontier, plotted).
#
#   bench/run.sh                 # 6 rounds: ~20 min on 2 cores
#   COUNT=10 BENCHTIME=1s LOOPBACK_BENCHTIME=10000x FRONTIER_BENCHTIME=0.5s bench/run.sh
#
# The test binary is built once and the whole suite runs COUNT times in
# rounds (not each benchmark COUNT times in a row), so a burst of load from
# elsewhere on the machine spreads over every contender instead of landing
# on one. Medians go into the tables; benchstat summarises the spread.
set -euo pipefail
cd "$(dirname "$0")"

COUNT=${COUNT:-6}
BENCHTIME=${BENCHTIME:-0.4s}
# Loopback requests take tens of microseconds and vary with the scheduler:
# a fixed count keeps every contender's sample the same size.
LOOPBACK_BENCHTIME=${LOOPBACK_BENCHTIME:-5000x}
# The frontier is ~370 benchmarks (every codec setting on every corpus):
# a shorter time each keeps a round near three minutes.
FRONTIER_BENCHTIME=${FRONTIER_BENCHTIME:-0.2s}
# NOTE is printed in RESULTS.md's header: say there whether the machine was
# shared while the benchmarks ran.
NOTE=${NOTE:-}
mkdir -p results
raw=results/raw.txt
bin=$(mktemp -d)/bench.test
trap 'rm -rf "$(dirname "$bin")"' EXIT

go test -c -o "$bin" .
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$raw"
load_rounds=""
for round in $(seq 1 "$COUNT"); do
	echo "== round $round/$COUNT" >&2
	"$bin" -test.run '^$' -test.bench '^Benchmark(Response|SSE)$' -test.benchmem \
		-test.benchtime="$BENCHTIME" >>"$raw"
	"$bin" -test.run '^$' -test.bench '^BenchmarkLoopback$' -test.benchmem \
		-test.benchtime="$LOOPBACK_BENCHTIME" >>"$raw"
	"$bin" -test.run '^$' -test.bench '^BenchmarkFrontier$' -test.benchmem \
		-test.benchtime="$FRONTIER_BENCHTIME" >>"$raw"
	# Idle memory is a size, not a time: one measurement per round.
	"$bin" -test.run '^$' -test.bench '^BenchmarkIdle$' -test.benchmem -test.benchtime=1x >>"$raw"
	# The 1-minute load after each round: whether the run itself shared the
	# CPUs (the 15-minute figure at the start is mostly what came before).
	load_rounds="${load_rounds:+$load_rounds }$(cut -d' ' -f1 /proc/loadavg)"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# benchstat's summary: the frontier's ~370 rows in a file of their own, so
# that RESULTS.md keeps the rest readable.
tmp=$(dirname "$bin")
grep -v '^BenchmarkFrontier/' "$raw" >"$tmp/main.txt"
grep -E '^(goos|goarch|pkg|cpu):|^BenchmarkFrontier/' "$raw" >"$tmp/frontier.txt"
go tool benchstat "$tmp/main.txt" >results/benchstat.txt
go tool benchstat "$tmp/frontier.txt" >results/frontier-benchstat.txt
go run ./cmd/results -raw "$raw" -benchstat results/benchstat.txt \
	-cmd "COUNT=$COUNT BENCHTIME=$BENCHTIME LOOPBACK_BENCHTIME=$LOOPBACK_BENCHTIME FRONTIER_BENCHTIME=$FRONTIER_BENCHTIME bench/run.sh" \
	-plot frontier.png -note "$NOTE" \
	-load "$load_start at start, $load_end at end (1/5/15 min); 1 min after each round: $load_rounds" \
	-load1 "$load_rounds" >RESULTS.md
# Dictionary sizes are exact bytes, the same on every machine: one run,
# appended to RESULTS.md.
DICTIONARY_FIGURES=results/dictionaries.md go test -count=1 -run '^TestDictionaryFigures$' . >&2
{ echo; sed 's/^# /## /' results/dictionaries.md; } >>RESULTS.md
echo "wrote bench/RESULTS.md and bench/frontier.png" >&2
