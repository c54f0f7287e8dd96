//go:build !unix

package bench

// processCPU cannot be read here: BenchmarkFrontier reports wall time only.
func processCPU() (ns int64, ok bool) { return 0, false }
