package gen_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/traces/tracefile"
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
		var b bytes.Buffer
		tr := &tracefile.Trace{Program: p}
		tr.History.Config = p.Config
		if err := tracefile.Write(&b, tr); err != nil {
			t.Fatal(err)
		}
		if _, err := tracefile.Read(&b, "drawn.jsonl"); err != nil {
			t.Fatalf("seed %d: the program's trace is refused: %v", seed, err)
		}
	}
}
