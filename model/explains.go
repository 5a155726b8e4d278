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

// Replay is Explains one event at a time, with memory kept from one
// history to the next: a campaign explains every history it checks, its
// events straight from its records, and a replay that owns its state
// (see State) changes it in place, step after step, where a Step copies
// what it changes. The zero value is ready to Start.
type Replay struct {
	c         Config
	s         State     // the state while it is one, owned
	forked    bool      // a step went more than one way: the states are cur
	cur, next []State   // the states once forked
	outs      []Outcome // of one step from one of them
	failed    bool      // an event was not explained
	got       Result    // the result of the last step, a field rather than a variable Next zeroes for every event
}

// Explains is the package's Explains, on r's memory.
func (r *Replay) Explains(c Config, events []Event) bool {
	r.Start(&c)
	for i := range events {
		e := &events[i]
		if !r.Next(&e.Op, &e.Result, e.Pending) {
			return false
		}
	}
	return true
}

// Start readies r to explain a history of configuration *c from the
// initial state, keeping the arrays of the last one's. It copies *c.
func (r *Replay) Start(c *Config) {
	s := &r.s
	clear(s.devs) // let go of the last history's names
	clear(s.links)
	clear(s.uids)
	clear(s.uidsDying)
	// Field by field: a State literal assigned whole is built, then
	// copied with its pointers, for every history.
	s.devs, s.links, s.files, s.uids, s.uidsDying = s.devs[:0], s.links[:0], s.files[:0], s.uids[:0], s.uidsDying[:0]
	s.procs, s.mounts = nil, nil
	s.exits, s.borns, s.unmounted, s.userExits = 0, 0, 0, 0
	s.next, s.owned = 1, true
	r.unfork()
	clear(r.outs) // a race followed without forking (fitsOne) leaves them
	r.c, r.failed = *c, false
}

// unfork lets go of the states of a forked replay.
func (r *Replay) unfork() {
	if r.forked {
		clear(r.cur[:cap(r.cur)]) // let go of the states' arrays
		clear(r.next[:cap(r.next)])
		r.cur, r.next = r.cur[:0], r.next[:0]
		r.forked = false
	}
}

// Next runs the event op, which returned res (pending: never returned,
// any result fits), after those since Start, and reports whether the
// specification can give each of them its result in that order. Once it
// reports false, it does for every later event too.
func (r *Replay) Next(op *Op, res *Result, pending bool) bool {
	if r.failed {
		return false
	}
	if !r.forked {
		if singleOn(&r.c, &r.s, op, &r.got) {
			r.failed = !pending && !sameResult(&r.got, res)
			return !r.failed
		}
		if fits, ok := r.fitsOne(op, res, pending); ok {
			r.failed = !fits
			return fits
		}
		// A step that went more than one way: the states from here on
		// are Step's, which share r.s's arrays without owning them.
		r.cur = append(r.cur[:0], r.s)
		r.cur[0].owned = false
		r.forked = true
	}
	r.failed = !r.nextForked(op, res, pending)
	return !r.failed
}

// fitsOne follows op, which may race, from r.s: when its result leaves
// at most one state, as a returned operation's does (the race's failure
// and the step once the race is over return different errors), r.s
// becomes that state, in its own arrays, and the replay need not fork:
// forked, every later step would copy the arrays it changes. It reports
// whether op fits, and ok false, leaving r.s as it was, when op went
// more than one way (a pending operation, whose every outcome fits).
func (r *Replay) fitsOne(op *Op, res *Result, pending bool) (fits, ok bool) {
	r.outs = AppendStep(r.outs[:0], r.c, r.s, *op)
	one := -1
	for i := range r.outs {
		if !pending && !sameResult(&r.outs[i].Result, res) {
			continue
		}
		if one >= 0 && !r.outs[one].State.Equal(r.outs[i].State) {
			return false, false
		}
		one = i
	}
	if one < 0 {
		return false, true
	}
	r.s.adopt(&r.outs[one].State)
	return true, true
}

// Mark is a Replay saved by Save, to go back to with Restore: a search
// that tries one order of events after another from a common prefix
// saves the replay where the orders part.
type Mark struct {
	s      State // in the Mark's own arrays
	failed bool
}

// Save copies r into m, reusing m's arrays, and reports whether it
// could: a replay that forked (an event went more than one way) is not
// saved, and m is then left as it was.
func (r *Replay) Save(m *Mark) bool {
	if r.forked {
		return false
	}
	m.s.adopt(&r.s)
	m.failed = r.failed
	return true
}

// Restore makes r the replay m saved, as it was then, copying m's state
// into r's own arrays: m may be restored again.
func (r *Replay) Restore(m *Mark) {
	r.unfork()
	r.s.adopt(&m.s)
	r.failed = m.failed
}

// Forked reports whether an event since Start went more than one way:
// then Save cannot save r.
func (r *Replay) Forked() bool { return r.forked }

// nextForked is Next once forked: every way each state may go that
// fits the result is followed.
func (r *Replay) nextForked(op *Op, res *Result, pending bool) bool {
	if len(r.cur) == 1 {
		var got Result
		if singleOn(&r.c, &r.cur[0], op, &got) {
			return pending || sameResult(&got, res)
		}
	}
	next := r.next[:0]
	for _, s := range r.cur {
		r.outs = AppendStep(r.outs[:0], r.c, s, *op)
		for _, o := range r.outs {
			if (pending || sameResult(&o.Result, res)) && !hasState(next, o.State) {
				next = append(next, o.State)
			}
		}
	}
	r.cur, r.next = next, r.cur
	return len(next) > 0
}

func hasState(ss []State, s State) bool {
	for _, t := range ss {
		if t.Equal(s) {
			return true
		}
	}
	return false
}

// singleOn puts op's outcome in *s into *got when Step allows only one,
// as it does unless op may race, and makes *s the state after op, changed
// in place where s is owned: Explains runs a step per event of every
// checked history, and passing the configuration, the state, the
// operation and the result by value, three calls deep, cost as much as
// the transitions themselves. It reports false, leaving *s and *got as
// they were, when op may race.
func singleOn(c *Config, s *State, op *Op, got *Result) bool {
	o := op
	if op.Index != 0 && kindSpecs[op.Kind].ByIndex {
		named, ok := s.byIndex(*op)
		if !ok {
			*got = Result{Err: ENOENT}
			return true
		}
		o = &named
	}
	if raceOf(o.Kind).on(c, s, o) {
		return false
	}
	if !transition(c, s, o, got) {
		*got = Result{Err: EINVAL}
	}
	return true
}
