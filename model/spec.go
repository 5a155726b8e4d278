package model

import "slices"

// Outcome is one result the specification allows, with the state after it.
type Outcome struct {
	Result Result
	State  State
}

// Step returns every outcome the specification allows for op in state s,
// the most deterministic one first. op must be a step, an observer or Exit;
// Steps expands a device flow.
//
// Almost every operation has exactly one outcome. The exceptions are the
// races (see races): something still under way, which the state does not
// show, may make op fail where it would otherwise succeed. Then op has two
// outcomes: its outcome once the race is over, and the race's failure.
func Step(c Config, s State, op Op) []Outcome { return AppendStep(nil, c, s, op) }

// AppendStep appends to dst the outcomes Step returns, making no slice
// of outcomes when dst has room (a changed state still has arrays of its
// own): for searches that step one state at a time, as the checkers'
// end-state search and a forked Replay do.
func AppendStep(dst []Outcome, c Config, s State, op Op) []Outcome {
	s.owned = false // the caller's arrays stay the caller's
	op, ok := s.byIndex(op)
	if !ok {
		return append(dst, Outcome{Result{Err: ENOENT}, s})
	}
	rc, racing := raceIn(&c, &s, &op)
	if !racing {
		r, next := apply(c, s, op)
		return append(dst, Outcome{r, next})
	}
	r, next := apply(c, rc.over(s, op), op)
	if r.Err != OK {
		// It failed on a check that comes before the race matters, and
		// whatever races is still there.
		return append(dst, Outcome{r, s})
	}
	return append(dst, Outcome{r, next}, Outcome{Result{Err: rc.err()}, s})
}

// A race is something the specification cannot see, still under way, that
// may make an operation fail: a removal that has made an entry invisible
// but not yet unlinked it, or an operation in flight through a mount.
// Its methods are switches, not fields of functions, so that nothing
// they are given escapes to the heap.
type race uint8

// The races, each with its rule beside the transitions it concerns.
const (
	noRace    race = iota
	dyingDev       // dyingDevIn, devices.go
	dyingUID       // dyingUIDIn, uids.go
	busyMount      // busyMountIn, lifecycle.go
	glueGone       // glueGoneIn, observers.go
)

// races holds the race each kind's operations may meet. Every other kind
// has exactly one outcome in every state.
var races = [...]race{
	AddDev: dyingDev, RenameDev: dyingDev, MoveDev: dyingDev,
	AddUID:  dyingUID,
	Umount:  busyMount,
	Readdir: glueGone,
}

// raceOf returns the race operations of kind k may meet, or noRace.
func raceOf(k Kind) race {
	if int(k) < len(races) {
		return races[k]
	}
	return noRace
}

// mayRace reports whether operations of kind k may meet a race.
func mayRace(k Kind) bool { return raceOf(k) != noRace }

// err is what an operation may return while race r is on.
func (r race) err() Errno {
	switch r {
	case busyMount:
		return EBUSY
	case glueGone:
		return ENOENT
	}
	return EEXIST
}

// on reports whether s leaves room for race r to meet op.
func (r race) on(c *Config, s *State, op *Op) bool {
	switch r {
	case dyingDev:
		return dyingDevIn(c, s, op)
	case dyingUID:
		return dyingUIDIn(c, s, op)
	case busyMount:
		return busyMountIn(c, s, op)
	case glueGone:
		return glueGoneIn(c, s, op)
	}
	return false
}

// over returns s once race r is over: without the dying entry in op's
// way. The others leave nothing in the state.
func (r race) over(s State, op Op) State {
	switch r {
	case dyingDev:
		return withoutDyingDev(s, op)
	case dyingUID:
		return withoutDyingUID(s, op)
	}
	return s
}

// raceIn returns the race op may meet and whether s leaves room for it.
func raceIn(c *Config, s *State, op *Op) (race, bool) {
	r := raceOf(op.Kind)
	return r, r.on(c, s, op)
}

// Apply returns the outcome of op when nothing else runs, so that every
// removal has completed: the first outcome of Step. A device flow runs
// its description (FlowOf) step by step, undo included, and returns the
// error of the step that failed.
func Apply(c Config, s State, op Op) (Result, State) {
	if op.Kind.IsFlow() {
		return applyFlow(c, s, op)
	}
	o := Step(c, s, op)[0]
	return o.Result, o.State
}

// validNS reports whether ns names one of the configuration's namespaces:
// a tagged directory requires a tag, and there is no other.
func (c *Config) validNS(ns int) bool { return inRange(ns) && ns <= c.Namespaces }

// unreachable reports whether op, a step on an existing device of
// namespace op.NS, comes from anywhere but cleanup_net after that
// namespace exited under the kernel's scheme: nothing else has a reference
// to find it by (maybe_get_net fails), though its entries are still there.
func (c *Config) unreachable(s *State, op *Op) bool {
	return c.Exit == ExitKernel && !op.Cleanup && s.exited(op.NS)
}

// transition is the effect of one kind of operation when nothing else
// runs: op's result in *s, which it changes into the state after op (in
// place when s is owned, see State) and leaves as it was when op fails.
// ok is false for a kind without a transition: device flows, which Steps
// cuts into steps first. It is a switch rather than a table of functions
// so that the calls are direct: it runs once per step of every checked
// history, and the configuration, state and operation go by pointer, and
// the result (ten words) is written where the caller keeps it rather
// than returned through every call.
func transition(c *Config, s *State, op *Op, r *Result) (ok bool) {
	switch op.Kind {
	// devices/virtual/net and class/net (devices.go).
	case AddDev:
		*r = addDev(c, s, op)
		return true
	case AddLink:
		*r = addLink(c, s, op)
		return true
	case DelLink:
		*r = delLink(c, s, op)
		return true
	case Unregister:
		*r = unregister(c, s, op)
		return true
	case DelDev:
		*r = delDev(c, s, op)
		return true
	case RenameLink:
		*r = renameLink(c, s, op)
		return true
	case RenameDev:
		*r = renameDev(c, s, op)
		return true
	case MoveLink:
		*r = moveLink(c, s, op)
		return true
	case MoveDev:
		*r = moveDev(c, s, op)
		return true
	// kernel/uids (uids.go).
	case AddUID:
		*r = addUID(c, s, op)
		return true
	case DelUID:
		*r = delUID(c, s, op)
		return true
	}
	return lifeOrObserve(c, s, op, r)
}

// lifeOrObserve is transition's second half: namespaces,
// processes and mounts, and the observers.
func lifeOrObserve(c *Config, s *State, op *Op, r *Result) (ok bool) {
	switch op.Kind {
	// Namespaces, processes and mounts (lifecycle.go).
	case Exit:
		*r = exit(c, s, op)
		return true
	case Gone:
		*r = gone(c, s, op)
		return true
	case ExitUser:
		*r = exitUser(c, s, op)
		return true
	case Clone:
		*r = clone(c, s, op)
		return true
	case Setns:
		*r = setns(c, s, op)
		return true
	case Mount:
		*r = makeMount(c, s, op)
		return true
	case Umount:
		*r = umount(c, s, op)
		return true
	// Observers (observers.go).
	case Lookup:
		*r = lookup(c, s, op)
		return true
	case Readdir:
		*r = readdir(c, s, op)
		return true
	case Readlink:
		*r = readlink(c, s, op)
		return true
	case Open:
		*r = open(c, s, op)
		return true
	case Read:
		*r = read(c, s, op)
		return true
	case Close:
		*r = closeFile(c, s, op)
		return true
	}
	return false
}

// hasTransition reports whether kind k has a transition.
func hasTransition(k Kind) bool {
	var s State
	var r Result
	return transition(&Config{}, &s, &Op{Kind: k}, &r)
}

// apply returns op's outcome in s by its kind's transition, with dying
// entries present only where they collide, which Step has dealt with. A
// kind without a transition is EINVAL. s is the caller's copy, whose
// arrays the transition copies before it changes them.
func apply(c Config, s State, op Op) (Result, State) {
	s.owned = false
	var r Result
	if transition(&c, &s, &op, &r) {
		return r, s
	}
	return Result{Err: EINVAL}, s
}

// SameResult reports whether two results are equal, comparing readdir
// listings as sets (their order is the implementation's hash order) and
// ifindex only where both sides know it.
func SameResult(a, b Result) bool { return sameResult(&a, &b) }

// sameResult is SameResult by pointer, for Replay, which compares a
// result per event of every checked history: a Result is ten words,
// copied at every call.
func sameResult(a, b *Result) bool {
	if a.Tag != b.Tag || len(a.Entries) != len(b.Entries) || len(a.Err) != len(b.Err) || len(a.Target) != len(b.Target) {
		return false
	}
	// Most results have no error and no target: their strings, empty,
	// need no comparing call.
	if len(a.Err) > 0 && a.Err != b.Err || len(a.Target) > 0 && a.Target != b.Target {
		return false
	}
	if a.Index != b.Index && a.Index != 0 && b.Index != 0 {
		return false
	}
	if len(a.Entries) == 0 {
		return true
	}
	x := slices.SortedFunc(slices.Values(a.Entries), Entry.Compare)
	y := slices.SortedFunc(slices.Values(b.Entries), Entry.Compare)
	return slices.Equal(x, y)
}
