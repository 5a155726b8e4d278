package model

import (
	"fmt"

	"github.com/anishathalye/porcupine"
)

// Porcupine returns the specification as a porcupine model for the
// configuration c. Inputs are Op and outputs Result.
// It is nondeterministic where Step is (dying entries). An output of nil
// stands for an operation that never returned: any outcome fits it.
//
// The history is partitioned by namespace when no operation in it moves a
// device between namespaces: every other operation reads or writes the
// entries of one tag only (a lookup or readdir the tag its mount captured),
// so the partitions are truly independent. With a move, they are not, and the
// history is checked whole.
func Porcupine(c Config) porcupine.Model {
	m := porcupine.NondeterministicModel{
		Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
			return partition(c, h)
		},
		Init: func() []any { return []any{Init()} },
		Step: func(state, input, output any) []any {
			s, op := state.(State), input.(Op)
			out, known := output.(Result) // nil: it never returned
			var next []any
			for _, o := range Step(c, s, op) {
				if !known || SameResult(o.Result, out) {
					next = append(next, o.State)
				}
			}
			return next
		},
		Equal: func(a, b any) bool { return a.(State).Equal(b.(State)) },
		DescribeOperation: func(input, output any) string {
			if out, ok := output.(Result); ok {
				return fmt.Sprintf("%v -> %v", input.(Op), out)
			}
			return fmt.Sprintf("%v -> (never returned)", input.(Op))
		},
		DescribeState: func(state any) string { return state.(State).String() },
	}
	// The power-set construction costs little: only a dying entry, rare and
	// short-lived, ever makes a step nondeterministic.
	return m.ToModel()
}

// Key returns the namespace an operation touches, or 0 for a move, which
// touches two.
func (c Config) Key(op Op) int {
	switch op.Kind {
	case Move:
		return 0
	case Lookup, Readdir:
		return c.MountTag(op.Mount)
	}
	return op.NS
}

func partition(c Config, h []porcupine.Operation) [][]porcupine.Operation {
	byNS := map[int][]porcupine.Operation{}
	var order []int
	for _, o := range h {
		k := c.Key(o.Input.(Op))
		if k == 0 {
			return [][]porcupine.Operation{h}
		}
		if _, ok := byNS[k]; !ok {
			order = append(order, k)
		}
		byNS[k] = append(byNS[k], o)
	}
	parts := make([][]porcupine.Operation, 0, len(order))
	for _, k := range order {
		parts = append(parts, byNS[k])
	}
	return parts
}
