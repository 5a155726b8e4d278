package model

// Event is an operation with what it returned. Pending marks one that
// never returned: any outcome fits it, and it may or may not have taken
// effect.
type Event struct {
	Op      Op
	Result  Result
	Pending bool
}

// Explains reports whether the specification, running events one after
// the other from its initial state, can give each its result: whether
// that order is a linearization of them. Events are steps, observers and
// exits, as for Step: expand a device flow with Steps first.
//
// It is the check a linearizability checker tries first with the order in
// which operations returned, which respects real time: most histories are
// explained by it, and then no search is needed. It runs on typed states,
// without the boxing into interfaces that the porcupine model pays for.
func Explains(c Config, events []Event) bool {
	var first [1]State // the usual case: one state all along, on the stack
	first[0] = Init()
	cur := first[:]
	var next []State
	for i := range events {
		e := &events[i]
		if len(cur) == 1 {
			if r, ok := singleOn(&c, &cur[0], &e.Op); ok {
				if !e.Pending && !SameResult(r, e.Result) {
					return false
				}
				continue
			}
		}
		// A step that may go more than one way (a dying entry in the
		// way), or a state that already did: follow every way that fits.
		next = next[:0]
		for _, s := range cur {
			for _, o := range Step(c, s, e.Op) {
				if (e.Pending || SameResult(o.Result, e.Result)) && !hasState(next, o.State) {
					next = append(next, o.State)
				}
			}
		}
		if len(next) == 0 {
			return false
		}
		cur, next = next, cur
	}
	return true
}

func hasState(ss []State, s State) bool {
	for _, t := range ss {
		if t.Equal(s) {
			return true
		}
	}
	return false
}

// singleOn is single on *s, which becomes the state after op: Explains
// runs a step per event of every checked history, and passing the
// configuration, the state and the operation down by value, three calls
// deep, cost as much as the transitions themselves. It reports false,
// leaving *s as it was, when op may race.
func singleOn(c *Config, s *State, op *Op) (Result, bool) {
	o := op
	if op.Index != 0 && kindSpecs[op.Kind].ByIndex {
		named, ok := s.byIndex(*op)
		if !ok {
			return Result{Err: ENOENT}, true
		}
		o = &named
	}
	if mayRace(o.Kind) && races[o.Kind].on(*c, *s, *o) {
		return Result{}, false
	}
	if int(o.Kind) < len(transitions) {
		if t := transitions[o.Kind]; t != nil {
			var r Result
			r, *s = t(*c, *s, *o)
			return r, true
		}
	}
	return Result{Err: EINVAL}, true
}
