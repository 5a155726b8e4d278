package sched

import (
	"math/rand/v2"

	"github.com/sysfsim/sysfsim/internal/pcgdraw"
)

// pcg is a PCG generator held by value and drawn from directly. Its draws
// are those of rand.New(rand.NewPCG(seed, stream)), value for value
// (TestPCGDrawsAsRand), so seeds name the schedules they always named;
// what it saves is the *rand.Rand and the *rand.PCG behind its Source
// interface, two allocations per strategy and so per execution, and an
// interface call per draw.
type pcg struct{ src rand.PCG }

// newPCG returns the generator rand.NewPCG(seed, stream) would be.
func newPCG(seed, stream uint64) pcg {
	var p pcg
	p.src.Seed(seed, stream)
	return p
}

// Uint64 is rand.Rand.Uint64.
func (p *pcg) Uint64() uint64 { return p.src.Uint64() }

// IntN is rand.Rand.IntN, for n > 0.
func (p *pcg) IntN(n int) int {
	if n <= 0 {
		panic("sched: IntN of a non-positive bound")
	}
	return int(p.uint64n(uint64(n)))
}

func (p *pcg) uint64n(n uint64) uint64 { return pcgdraw.Uint64n(&p.src, n) }

// shuffle is rand.Rand.Shuffle of xs: rand.Rand.Perm(n) is shuffle of
// 0..n-1.
func (p *pcg) shuffle(xs []int) {
	for i := len(xs) - 1; i > 0; i-- {
		j := int(p.uint64n(uint64(i + 1)))
		xs[i], xs[j] = xs[j], xs[i]
	}
}
