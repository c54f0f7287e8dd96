//go:build unix

package bench

import "syscall"

// processCPU returns the CPU time the process has used so far (user and
// system, every thread: the benchmark's goroutine and the garbage
// collector's work it causes), and whether it could be read. On a shared
// machine it leaves out the time the process waited for a CPU, which the
// wall-clock ns/op includes.
func processCPU() (ns int64, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
