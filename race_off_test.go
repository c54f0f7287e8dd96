//go:build !race

package streamzip

// raceEnabled lets exhaustive tests shrink under the race detector, which
// slows compression loops tenfold; the plain test pass keeps their full size.
const raceEnabled = false
