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
// A caller that explains one history after another keeps a Replay.
func Explains(c Config, events []Event) bool {
	var r Replay
	return r.Explains(c, events)
}

// Replay is Explains with memory kept from one history to the next: a
// campaign explains every history it checks, and a replay that owns its
// state (see State) changes it in place, step after step, where a Step
// copies what it changes. The zero value is ready to use.
type Replay struct {
	s         State     // the state while it is one, owned
	cur, next []State   // the states once a step went more than one way
	outs      []Outcome // of one step from one of them
}

// Explains is the package's Explains, on r's memory.
func (r *Replay) Explains(c Config, events []Event) bool {
	r.reset()
	for i := range events {
		e := &events[i]
		if res, ok := singleOn(&c, &r.s, &e.Op); ok {
			if !e.Pending && !SameResult(res, e.Result) {
				return false
			}
			continue
		}
		// A step that may go more than one way: the states from here on
		// are Step's, which share r.s's arrays without owning them.
		r.cur = append(r.cur[:0], r.s)
		r.cur[0].owned = false
		return r.explainsFrom(&c, events[i:])
	}
	return true
}

// reset makes r.s the initial state, keeping its arrays.
func (r *Replay) reset() {
	s := &r.s
	clear(s.devs) // let go of the last history's names
	clear(s.links)
	clear(s.uids)
	clear(s.uidsDying)
	*s = State{next: 1, owned: true,
		devs: s.devs[:0], links: s.links[:0], files: s.files[:0], uids: s.uids[:0], uidsDying: s.uidsDying[:0]}
}

// explainsFrom is Explains from the states r.cur, following every way
// each step may go that fits its result.
func (r *Replay) explainsFrom(c *Config, events []Event) bool {
	cur, next := r.cur, r.next
	defer func() {
		clear(cur[:cap(cur)]) // let go of the states' arrays
		clear(next[:cap(next)])
		clear(r.outs)
		r.cur, r.next = cur[:0], next[:0]
	}()
	for i := range events {
		e := &events[i]
		if len(cur) == 1 {
			if res, ok := singleOn(c, &cur[0], &e.Op); ok {
				if !e.Pending && !SameResult(res, e.Result) {
					return false
				}
				continue
			}
		}
		next = next[:0]
		for _, s := range cur {
			r.outs = AppendStep(r.outs[:0], *c, s, e.Op)
			for _, o := range r.outs {
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

// singleOn returns op's outcome in *s when Step allows only one, as it
// does unless op may race, and makes *s the state after op, changed in
// place where s is owned: Explains runs a step per event of every checked
// history, and passing the configuration, the state and the operation
// down by value, three calls deep, cost as much as the transitions
// themselves. It reports false, leaving *s as it was, when op may race.
func singleOn(c *Config, s *State, op *Op) (Result, bool) {
	o := op
	if op.Index != 0 && kindSpecs[op.Kind].ByIndex {
		named, ok := s.byIndex(*op)
		if !ok {
			return Result{Err: ENOENT}, true
		}
		o = &named
	}
	if raceOf(o.Kind).on(c, s, o) {
		return Result{}, false
	}
	if r, ok := transition(c, s, o); ok {
		return r, true
	}
	return Result{Err: EINVAL}, true
}
