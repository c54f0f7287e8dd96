#!/usr/bin/env bash
# Runs the scale harness and writes scale/RESULTS.md: the machine, the Go
# version, the command and what it printed. Arguments go to the harness
# (default: 2,000 streams per mode, what CI runs). Examples:
#
#   bash scale/run.sh
#   bash scale/run.sh -streams 200000 -broadcasts 3 -timeout 60m
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
"$bin" "$@" | tee "$out"
{
	echo "# Scale harness results"
	echo
	echo "Written by \`scale/run.sh\` on $(date -u +'%Y-%m-%d %H:%M UTC'). Command:"
	echo
	echo '```'
	echo "bash scale/run.sh $*"
	echo '```'
	echo
	echo "- machine: $(uname -srm), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, open-file limit $(ulimit -n)"
	echo "- $(go version)"
	echo "- streamzip: $(git -C .. log -1 --format='%h %s' 2>/dev/null || echo unknown)"
	echo "- the machine is shared: the 1-minute load average before the run was $(cut -d' ' -f1 /proc/loadavg) (after: see below)"
	echo
	echo "Per stream figures are the server processes' totals over the baseline"
	echo "before any connection, divided by the streams. Broadcast figures are"
	echo "the range over the broadcasts; each goes to streams idle past the"
	echo "release delay. Latency is from the broadcast command to the client's"
	echo "decoding of the event (clients and servers share the machine's CPUs)."
	echo
	sed -n '/^| mode/,$p' "$out"
	echo
	echo "Full output:"
	echo
	echo '```'
	cat "$out"
	echo '```'
	echo
	echo "Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} > RESULTS.md
rm -f "$out"
