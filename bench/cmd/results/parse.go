package main

import (
	"bufio"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// results holds every sample of every benchmark, by name and unit.
type results struct {
	samples map[string]map[string][]float64 // "Response/json16k/gzhttp-gzip" → "ns/op" → samples
	order   []string                        // names in first-seen order
	cpu     string                          // the "cpu:" line of go test
}

// procSuffix is the GOMAXPROCS suffix go test appends to names.
var procSuffix = regexp.MustCompile(`-\d+$`)

// parse reads go test -bench output (any number of runs, concatenated).
func parse(r io.Reader) (*results, error) {
	res := &results{samples: map[string]map[string][]float64{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if cpu, ok := strings.CutPrefix(line, "cpu: "); ok {
			res.cpu = cpu
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := procSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
		units := res.samples[name]
		if units == nil {
			units = map[string][]float64{}
			res.samples[name] = units
			res.order = append(res.order, name)
		}
		// f[1] is the iteration count; then value/unit pairs.
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			units[f[i+1]] = append(units[f[i+1]], v)
		}
	}
	return res, sc.Err()
}

// median returns the median sample of name in unit, and whether there is one.
func (r *results) median(name, unit string) (float64, bool) {
	s := slices.Clone(r.samples[name][unit])
	if len(s) == 0 {
		return 0, false
	}
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// runs returns how many samples name has in unit.
func (r *results) runs(name, unit string) int { return len(r.samples[name][unit]) }

// names returns the benchmark names under prefix ("Response/json16k/"),
// without it, in first-seen order.
func (r *results) names(prefix string) []string {
	var out []string
	for _, n := range r.order {
		if rest, ok := strings.CutPrefix(n, prefix); ok && !strings.Contains(rest, "/") {
			out = append(out, rest)
		}
	}
	return out
}
