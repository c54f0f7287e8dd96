#!/usr/bin/env bash
# Runs the side-by-side benchmarks and writes RESULTS.md.
#
#   bench/run.sh                 # 6 rounds, 0.4s per benchmark: ~6 min on 2 cores
#   COUNT=10 BENCHTIME=1s LOOPBACK_BENCHTIME=10000x bench/run.sh
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
	# Idle memory is a size, not a time: one measurement per round.
	"$bin" -test.run '^$' -test.bench '^BenchmarkIdle$' -test.benchmem -test.benchtime=1x >>"$raw"
	# The 1-minute load after each round: whether the run itself shared the
	# CPUs (the 15-minute figure at the start is mostly what came before).
	load_rounds="${load_rounds:+$load_rounds }$(cut -d' ' -f1 /proc/loadavg)"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

go tool benchstat "$raw" >results/benchstat.txt
go run ./cmd/results -raw "$raw" -benchstat results/benchstat.txt \
	-cmd "COUNT=$COUNT BENCHTIME=$BENCHTIME LOOPBACK_BENCHTIME=$LOOPBACK_BENCHTIME bench/run.sh" \
	-load "$load_start at start, $load_end at end (1/5/15 min); 1 min after each round: $load_rounds" \
	-load1 "$load_rounds" >RESULTS.md
echo "wrote bench/RESULTS.md" >&2
