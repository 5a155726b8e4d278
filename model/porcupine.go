package model

import (
	"fmt"

	"github.com/anishathalye/porcupine"
)

// Porcupine returns the specification as a porcupine model for the
// configuration c. Inputs are Op (steps, observers and exits: expand device
// flows with Steps first) and outputs Result.
// It is nondeterministic where Step is (dying entries). An output of nil
// stands for an operation that never returned: any outcome fits it.
//
// The history is partitioned by namespace when no operation in it moves a
// device between namespaces: every other operation reads or writes the
// entries of one tag only (a lookup or readdir the tag its mount captured),
// so the partitions are truly independent. With a move, they are not, and the
// history is checked whole.
func Porcupine(c Config) porcupine.Model {
	return porcupine.Model{
		Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
			return partition(c, h)
		},
		Init: func() any { return Init() },
		Step: func(state, input, output any) (bool, any) {
			op := input.(Op)
			out, known := output.(Result) // nil: it never returned
			if s, ok := state.(State); ok && deterministic(op.Kind) {
				// The common case, without allocating: one state, one way.
				r, next := apply(c, s, op)
				return !known || SameResult(r, out), next
			}
			return stepSet(c, state, op, out, known)
		},
		Equal: func(a, b any) bool {
			x, y := states(a), states(b)
			if len(x) != len(y) {
				return false
			}
		outer:
			for _, s := range x {
				for _, t := range y {
					if s.Equal(t) {
						continue outer
					}
				}
				return false
			}
			return true
		},
		DescribeOperation: func(input, output any) string {
			if out, ok := output.(Result); ok {
				return fmt.Sprintf("%v -> %v", input.(Op), out)
			}
			return fmt.Sprintf("%v -> (never returned)", input.(Op))
		},
		DescribeState: func(state any) string {
			if s, ok := state.(State); ok {
				return s.String()
			}
			return fmt.Sprint(state.(Set))
		},
	}
}

// deterministic reports whether Step has a single outcome for every
// operation of kind k: all but the kinds that may race (races).
func deterministic(k Kind) bool { return !mayRace(k) }

// stepSet steps a state that is one State, or a Set of them after a step
// that could go more than one way: the power-set construction, paid for
// only where the specification is nondeterministic. It is a function of
// its own so that the common path's stack frame stays small: porcupine
// runs each check on a new goroutine, whose stack grows by copying.
//
//go:noinline
func stepSet(c Config, state any, op Op, out Result, known bool) (bool, any) {
	if s, ok := state.(State); ok {
		if outs := Step(c, s, op); len(outs) == 1 {
			// No dying entry in the way: one outcome after all.
			return !known || SameResult(outs[0].Result, out), outs[0].State
		}
	}
	var next Set
	add := func(s State) {
		for _, t := range next {
			if t.Equal(s) {
				return
			}
		}
		next = append(next, s)
	}
	for _, s := range states(state) {
		for _, o := range Step(c, s, op) {
			if !known || SameResult(o.Result, out) {
				add(o.State)
			}
		}
	}
	switch len(next) {
	case 0:
		return false, state
	case 1:
		return true, next[0]
	}
	return true, next
}

// Set is the states the specification may be in after a nondeterministic
// step.
type Set []State

func states(state any) []State {
	if s, ok := state.(State); ok {
		return []State{s}
	}
	return state.(Set)
}

// partition splits a history by namespace. Every operation but a move
// reads or writes the entries of one tag only: flows, steps and exits their
// NS, observers the tag their mount captured, and reads and closes that of
// the open that made their descriptor.
func partition(c Config, h []porcupine.Operation) [][]porcupine.Operation {
	fdTag := map[int]int{}
	for _, o := range h {
		if op := o.Input.(Op); op.Kind == Open {
			fdTag[op.FD] = c.MountTag(op.Mount)
		}
	}
	byNS := map[int][]porcupine.Operation{}
	var order []int
	for _, o := range h {
		op := o.Input.(Op)
		var k int
		switch op.Kind {
		case Move, MoveLink, MoveDev, Setns, Mount, Umount:
			// A move touches two tags; a process's namespace and the
			// mounts it makes tie partitions together.
			return [][]porcupine.Operation{h}
		case Lookup, Readdir, Readlink, Open:
			k = c.MountTag(op.Mount)
		case Read, Close:
			k = fdTag[op.FD]
		case AddUID, DelUID, ExitUser:
			k = -op.User // user tags: a key space of their own
		default:
			k = op.NS
		}
		if op.Dir == UIDs && (op.Kind == Lookup || op.Kind == Readdir) {
			// The user tag the mount captured is static for mounts made
			// before the start; a mount made later ties it all together.
			if op.Mount > len(c.Mounts) {
				return [][]porcupine.Operation{h}
			}
			k = -at(c.MountUsers, op.Mount-1)
		}
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
