module github.com/streamzip/streamzip/bench

go 1.26.0

replace github.com/streamzip/streamzip => ../

require (
	github.com/CAFxX/httpcompression v0.0.8
	github.com/NYTimes/gziphandler v1.1.1
	github.com/andybalholm/brotli v1.3.0
	github.com/go-chi/chi/v5 v5.5.0
	github.com/klauspost/compress v1.20.4
	github.com/streamzip/streamzip v0.0.0-00010101000000-000000000000
)

require (
	github.com/aclements/go-moremath v0.0.0-20210112150236-f10218a38794 // indirect
	golang.org/x/perf v0.0.0-20260908200009-22c9c6c9d4da // indirect
)

tool golang.org/x/perf/cmd/benchstat
