// Command scale holds many event streams open over loopback, broadcasts
// events to all of them and measures what the server pays per stream: idle
// live heap and RSS, and for each broadcast the server CPU, the peak heap
// over idle and the p50/p99 delivery latency. It runs one mode after
// another: none (no middleware), bypass (streamzip's default, events sent
// as they are), gzip, br and zstd (CompressEventStreams).
//
// The process started by the user orchestrates: it starts server processes
// (this binary with -role server) and client processes (-role client),
// each holding at most -per-process streams so that no process needs more
// file descriptors than its limit allows, and talks to them through their
// stdin and stdout. Clients connect from several loopback source addresses
// (127.0.0.2, 127.0.0.3, …), so ephemeral ports do not run out, decode
// every event with a real decoder and check it arrived once, in order, and
// byte for byte; a gzip stream's CRC is checked at its end. Traffic goes
// only to 127.0.0.1. Every phase has a deadline and the whole run stops by
// itself (-timeout).
//
//	go run . -streams 2000             # what CI runs (.ci/scale.sh)
//	go run . -streams 200000 -broadcasts 3
//	bash run.sh                        # writes RESULTS.md
package main
