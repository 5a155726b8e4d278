package gen_test

import (
	"math/rand/v2"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
)

// gen.Rand draws what math/rand/v2's Rand.IntN draws from the same PCG,
// bound after bound: powers of two (a mask), small bounds (the usual
// case) and bounds near 2^63, where Lemire's method rejects a draw about
// half the time and draws again.
func TestRandDrawsAsMathRand(t *testing.T) {
	bounds := []int{1, 2, 3, 4, 6, 7, 18, 64, 1000, 1<<32 + 1, 1<<62 + 12345, 3 << 61, 1<<63 - 1}
	for seed := range uint64(20) {
		r := gen.NewRand(seed)
		want := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
		for i := range 500 {
			n := bounds[i%len(bounds)]
			if got, w := r.IntN(n, "n"), want.IntN(n); got != w {
				t.Fatalf("seed %d, draw %d, bound %d: %d, math/rand/v2 %d", seed, i, n, got, w)
			}
		}
	}
}
