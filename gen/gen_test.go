package gen_test

import (
	"bytes"
	"reflect"
	"slices"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
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

// TestDescriptorsAreUsable: every open a program draws gets a descriptor
// of its own, and every read or close names one opened before it in its
// thread (or in the setup, for the setup's). An open left at descriptor 0,
// or given one in use, always fails with EINVAL and tests nothing.
func TestDescriptorsAreUsable(t *testing.T) {
	opens := 0
	for seed := range uint64(2000) {
		p := gen.Program(gen.NewRand(seed), gen.Options{})
		given := map[int]bool{}
		for i, ops := range append([][]model.Op{p.Setup}, p.Threads...) {
			opened := map[int]bool{}
			for _, op := range ops {
				switch op.Kind {
				case model.Open:
					opens++
					if op.FD <= 0 || given[op.FD] {
						t.Fatalf("seed %d, part %d: %v: descriptor 0 or given twice: always EINVAL", seed, i, op)
					}
					given[op.FD], opened[op.FD] = true, true
				case model.Read, model.Close:
					if !opened[op.FD] {
						t.Fatalf("seed %d, part %d: %v: descriptor not opened before it", seed, i, op)
					}
				}
			}
		}
	}
	if opens < 1000 {
		t.Fatalf("only %d opens in 2000 programs: the test checks too little", opens)
	}
}

// A program drawn again from its recorded choices is the same program; a
// mutant at a high rate differs from its parent in some programs and
// keeps most of its choices.
func TestRecorderAndMutant(t *testing.T) {
	differ := 0
	for seed := range uint64(200) {
		rec := &gen.Recorder{C: gen.NewRand(seed)}
		p := gen.Program(rec, gen.Options{})
		again := gen.Program(&gen.Mutant{Base: rec.Choices}, gen.Options{})
		if !reflect.DeepEqual(p, again) {
			t.Fatalf("seed %d: replayed choices draw another program:\n%+v\n%+v", seed, p, again)
		}
		same := gen.Program(&gen.Mutant{Base: rec.Choices, R: gen.NewRand(seed + 1), Rate: 1 << 30}, gen.Options{})
		if !reflect.DeepEqual(p, same) {
			differ++ // odds 1 in 2^30 per choice: almost never
		}
		m := gen.Program(&gen.Mutant{Base: rec.Choices, R: gen.NewRand(seed + 1), Rate: 4}, gen.Options{})
		if !reflect.DeepEqual(p, m) {
			differ += 1000
		}
	}
	if differ%1000 != 0 || differ/1000 < 150 {
		t.Fatalf("%d mutants at rate 4 differ from their parent, %d at rate 2^30", differ/1000, differ%1000)
	}
}

// A Buffer draws the programs Program draws, from one call to the next,
// and a Clone of one outlives the buffer's next draw.
func TestBufferDrawsWhatProgramDraws(t *testing.T) {
	var (
		buf  gen.Buffer
		r    gen.Rand
		kept []history.Program
	)
	for seed := range uint64(300) {
		r.Reseed(seed)
		p, _ := buf.Draw(&r, gen.Options{}, nil)
		want := gen.Program(gen.NewRand(seed), gen.Options{})
		if !reflect.DeepEqual(p, want) {
			t.Fatalf("seed %d: the buffer drew\n%+v\nProgram draws\n%+v", seed, p, want)
		}
		kept = append(kept, gen.Clone(p))
	}
	for seed, p := range kept {
		if want := gen.Program(gen.NewRand(uint64(seed)), gen.Options{}); !reflect.DeepEqual(p, want) {
			t.Fatalf("seed %d: the clone changed with later draws", seed)
		}
	}
}
