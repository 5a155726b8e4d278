package properties

import (
	"fmt"
	"slices"
	"testing"
)

// judgedOnce says why cs is not a partition of names: every property
// judged by exactly one checker, no checker judging another.
func judgedOnce(names []Property, cs []checker) error {
	by := map[Property]int{}
	for _, c := range cs {
		for _, p := range c.judges {
			if !slices.Contains(names, p) {
				return fmt.Errorf("a checker judges %q, which is no property", p)
			}
			by[p]++
		}
	}
	for _, p := range names {
		if by[p] != 1 {
			return fmt.Errorf("%s is judged by %d checkers", p, by[p])
		}
	}
	return nil
}

// The checker table judges each property once, so that Check and
// CheckProperty agree on which checker a property is; judgedOnce itself
// rejects a table that misses a property, judges one twice or judges a
// name that is no property.
func TestCheckersJudgeEveryPropertyOnce(t *testing.T) {
	if err := judgedOnce(Names, checkers[:]); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]checker{
		"missing":    checkers[1:],
		"twice":      append(slices.Clone(checkers[:]), checker{judges: []Property{Liveness}}),
		"not a name": append(slices.Clone(checkers[:]), checker{judges: []Property{"speed"}}),
	} {
		if judgedOnce(Names, bad) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
