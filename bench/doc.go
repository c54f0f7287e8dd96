// Package bench compares streamzip with the compression middlewares Go
// servers use today — klauspost/compress/gzhttp, chi's middleware.Compress,
// CAFxX/httpcompression and NYTimes/gziphandler — with a bare encoder and
// with no compression at all, in one run and on the same inputs.
//
// It is its own module so that the competitors never enter streamzip's
// go.mod. Everything lives in _test.go files: run.sh runs the benchmarks and
// writes RESULTS.md with cmd/results.
package bench
