package gen_test

import (
	"slices"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
)

// TestEveryDrawnOpIsWellFormed: what the generator draws passes the
// checks a trace reader makes, so a campaign never writes a trace that
// cannot be read back.
func TestEveryDrawnOpIsWellFormed(t *testing.T) {
	for seed := range uint64(500) {
		p := gen.Program(gen.NewRand(seed), gen.Options{})
		for _, op := range append(slices.Concat(p.Threads...), p.Setup...) {
			if err := op.Check(); err != nil {
				t.Fatalf("seed %d: %v: %v", seed, op, err)
			}
		}
	}
}
