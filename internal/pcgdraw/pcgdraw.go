// Package pcgdraw draws bounded numbers from a math/rand/v2 PCG the way
// rand.Rand does, without a rand.Rand: the generator and the scheduler's
// strategies hold a PCG directly (no Source interface call per draw, no
// allocation per generator), and seeds must keep naming the programs and
// schedules they always named, so the numbers have to be rand.Rand's.
package pcgdraw

import (
	"math/bits"
	"math/rand/v2"
)

// Uint64n is rand.Rand.Uint64N of src, n > 0: on a 64-bit platform
// Lemire's multiply-and-reject with powers of two masked; the 32-bit
// variant of rand.Rand.IntN draws the same numbers.
func Uint64n(src *rand.PCG, n uint64) uint64 {
	if n&(n-1) == 0 {
		return src.Uint64() & (n - 1)
	}
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}
