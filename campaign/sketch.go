package campaign

import (
	"math"
	"math/bits"
)

// sketch is a HyperLogLog estimator of the number of distinct schedules:
// fixed size (so a long campaign's memory stays flat), about 1.6%
// standard error, and mergeable, register by register, across workers,
// runs and shards. The estimate depends only on the set of hashes added,
// not their order.
type sketch [sketchSize]uint8

const (
	sketchBits = 12
	sketchSize = 1 << sketchBits
)

func (h *sketch) add(x uint64) {
	i := x >> (64 - sketchBits)
	w := x<<sketchBits | 1<<(sketchBits-1)
	if r := uint8(bits.LeadingZeros64(w) + 1); r > h[i] {
		h[i] = r
	}
}

func (h *sketch) merge(o *sketch) {
	for i, r := range o {
		h[i] = max(h[i], r)
	}
}

func (h *sketch) estimate() int64 {
	const m = float64(sketchSize)
	sum, zeros := 0.0, 0
	for _, r := range h {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	e := 0.7213 / (1 + 1.079/m) * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros)) // linear counting for small sets
	}
	return int64(e + 0.5)
}

// scheduleHash hashes a schedule (FNV-1a, then a splitmix finalizer so
// that every bit is mixed, as the sketch needs). Four steps at a time:
// every execution hashes its schedule, some eighty steps, and the loop's
// own counting cost a third of the hash.
func scheduleHash(s []int) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	n := len(s)
	for ; len(s) >= 4; s = s[4:] {
		h = (h ^ (uint64(s[0]) + 1)) * prime
		h = (h ^ (uint64(s[1]) + 1)) * prime
		h = (h ^ (uint64(s[2]) + 1)) * prime
		h = (h ^ (uint64(s[3]) + 1)) * prime
	}
	for _, t := range s {
		h = (h ^ (uint64(t) + 1)) * prime
	}
	h ^= uint64(n)
	h = (h ^ h>>30) * 0xbf58476d1ce4e5b9
	h = (h ^ h>>27) * 0x94d049bb133111eb
	return h ^ h>>31
}
