#!/usr/bin/env bash
# Runs the scale harness and writes scale/RESULTS.md: the machine, the Go
# version, the command and what it printed (RESULTS_APPEND=1 adds to the
# file instead). Arguments go to the harness (default: 2,000 streams per
# mode, what CI runs). Examples:
#
#   bash scale/run.sh
#   bash scale/run.sh -streams 20000 -modes none,bypass,gzip
#   RESULTS_APPEND=1 bash scale/run.sh -streams 2000 -modes br,zstd
#   bash scale/run.sh -streams 200000 -timeout 60m
#
# Traffic stays on loopback; the run stops by itself (-timeout).
set -euo pipefail
cd "$(dirname "$0")"
[ $# -gt 0 ] || set -- -streams 2000
# As many open files as the hard limit allows; the harness spreads streams
# over processes so that none needs more.
ulimit -n "$(ulimit -Hn)" || true
bin=$(mktemp -d)/scale
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" .
out=$(mktemp)
load_before=$(cut -d' ' -f1 /proc/loadavg)
"$bin" "$@" | tee "$out"
if [ "${RESULTS_APPEND:-0}" != 1 ]; then
	{
		echo "# Scale harness results"
		echo
		echo "Written by \`scale/run.sh\`; each section is one run (RESULTS_APPEND=1"
		echo "adds a section instead of starting the file anew). Per stream figures"
		echo "are the server processes' totals over their baseline before any"
		echo "connection, divided by the streams. Broadcast figures are the range"
		echo "over the broadcasts; each goes to streams idle past the release delay."
		echo "Latency is from the broadcast command to the client's decoding of the"
		echo "event (clients and servers share the machine's CPUs)."
	} > RESULTS.md
fi
{
	echo
	echo "## \`bash scale/run.sh $*\`"
	echo
	echo "- $(date -u +'%Y-%m-%d %H:%M UTC'); machine: $(uname -srm), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, open-file limit $(ulimit -n)"
	echo "- $(go version)"
	echo "- streamzip: $(git -C .. log -1 --format='%h %s' 2>/dev/null || echo unknown)"
	echo "- shared machine: 1-minute load average $load_before before the run, $(cut -d' ' -f1 /proc/loadavg) after"
	echo
	sed -n '/^| mode/,$p' "$out"
	echo
	echo "<details><summary>Full output</summary>"
	echo
	echo '```'
	cat "$out"
	echo '```'
	echo
	echo "</details>"
} >> RESULTS.md
rm -f "$out"
