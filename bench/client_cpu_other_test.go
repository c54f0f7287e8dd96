//go:build !unix

package bench

import "time"

// processCPU is not measured here; benchEvents then reports no CPU metric.
func processCPU() time.Duration { return 0 }
