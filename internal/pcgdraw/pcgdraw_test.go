package pcgdraw

import (
	"math/rand/v2"
	"testing"
)

// Uint64n draws what rand.Rand.Uint64N draws from the same PCG, for
// powers of two, bounds that reject often (just above a power of two),
// and the largest ones.
func TestUint64nDrawsAsRand(t *testing.T) {
	bounds := []uint64{1, 2, 3, 5, 7, 64, 65, 1<<32 + 1, 1<<63 + 1, ^uint64(0)}
	for _, n := range bounds {
		ours, theirs := rand.NewPCG(1, 2), rand.New(rand.NewPCG(1, 2))
		for i := range 2000 {
			if a, b := Uint64n(ours, n), theirs.Uint64N(n); a != b {
				t.Fatalf("bound %d, draw %d: %d, rand.Rand %d", n, i, a, b)
			}
		}
	}
}
