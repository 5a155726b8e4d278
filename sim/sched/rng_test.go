package sched

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The generator drawn from directly gives the draws of a *rand.Rand over
// the same PCG, for every bound (powers of two, which are masked, and
// bounds that reject draws), for raw draws and for permutations: the
// strategies' seeds keep naming the same schedules.
func TestPCGDrawsAsRand(t *testing.T) {
	bounds := []int{1, 2, 3, 4, 5, 7, 8, 64, 100, 1000, 1 << 40, 1<<62 + 1, 3 << 61}
	for _, seed := range []uint64{0, 1, 2, 12345, 1 << 63} {
		for _, stream := range []uint64{0x5eed5c4ed, 0x9c7c0de, 0x905a3b1e, 0x5a3c0de} {
			want := rand.New(rand.NewPCG(seed, stream))
			got := newPCG(seed, stream)
			for i := range 2000 {
				n := bounds[i%len(bounds)]
				if g, w := got.IntN(n), want.IntN(n); g != w {
					t.Fatalf("seed %d stream %#x draw %d: IntN(%d) = %d, rand gives %d", seed, stream, i, n, g, w)
				}
				if g, w := got.Uint64(), want.Uint64(); g != w {
					t.Fatalf("seed %d stream %#x draw %d: Uint64 = %d, rand gives %d", seed, stream, i, g, w)
				}
			}
			for n := range 12 {
				perm := make([]int, n)
				for i := range perm {
					perm[i] = i
				}
				got.shuffle(perm)
				if w := want.Perm(n); !slices.Equal(perm, w) {
					t.Fatalf("seed %d stream %#x: shuffle of %d = %v, Perm gives %v", seed, stream, n, perm, w)
				}
			}
		}
	}
}
