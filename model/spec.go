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
func Step(c Config, s State, op Op) []Outcome {
	op, ok := s.byIndex(op)
	if !ok {
		return []Outcome{{Result{Err: ENOENT}, s}}
	}
	rc, racing := raceIn(c, s, op)
	if !racing {
		r, next := apply(c, s, op)
		return []Outcome{{r, next}}
	}
	r, next := apply(c, rc.over(s, op), op)
	if r.Err != OK {
		// It failed on a check that comes before the race matters, and
		// whatever races is still there.
		return []Outcome{{r, s}}
	}
	return []Outcome{{r, next}, {Result{Err: rc.err}, s}}
}

// single returns the outcome of op in s when Step allows only one, as it
// does unless op may race. It does not allocate a slice of outcomes: the
// common case of a sequential check.
func single(c Config, s State, op Op) (Result, State, bool) {
	op, ok := s.byIndex(op)
	if !ok {
		return Result{Err: ENOENT}, s, true
	}
	if _, racing := raceIn(c, s, op); racing {
		return Result{}, State{}, false
	}
	r, next := apply(c, s, op)
	return r, next, true
}

// A race is something the specification cannot see, still under way, that
// may make an operation fail: a removal that has made an entry invisible
// but not yet unlinked it, or an operation in flight through a mount.
type race struct {
	err  Errno                               // what op may return while it is on
	on   func(c Config, s State, op Op) bool // whether s leaves room for it
	over func(s State, op Op) State          // s once it is over
}

// races holds the race each kind's operations may meet. Every other kind
// has exactly one outcome in every state.
var races = [...]race{
	AddDev: dyingDev, RenameDev: dyingDev, MoveDev: dyingDev,
	AddUID:  dyingUID,
	Umount:  busyMount,
	Readdir: glueGone,
}

// mayRace reports whether operations of kind k may meet a race.
func mayRace(k Kind) bool { return int(k) < len(races) && races[k].on != nil }

// raceIn returns the race op may meet and whether s leaves room for it.
func raceIn(c Config, s State, op Op) (race, bool) {
	if !mayRace(op.Kind) {
		return race{}, false
	}
	r := races[op.Kind]
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
func (c Config) validNS(ns int) bool { return inRange(ns) && ns <= c.Namespaces }

// unreachable reports whether op, a step on an existing device of
// namespace op.NS, comes from anywhere but cleanup_net after that
// namespace exited under the kernel's scheme: nothing else has a reference
// to find it by (maybe_get_net fails), though its entries are still there.
func (c Config) unreachable(s State, op Op) bool {
	return c.Exit == ExitKernel && !op.Cleanup && s.Exited(op.NS)
}

// A transition is the effect of one kind of operation when nothing else
// runs: op's result in s and the state after it. It never changes the
// slices of the State it is given; it copies what it changes.
type transition func(c Config, s State, op Op) (Result, State)

// transitions holds each kind's transition. Device flows have none: Steps
// cuts them into steps first.
var transitions = [...]transition{
	// devices/virtual/net and class/net (devices.go).
	AddDev: addDev, AddLink: addLink, DelLink: delLink, Unregister: unregister, DelDev: delDev,
	RenameLink: renameLink, RenameDev: renameDev, MoveLink: moveLink, MoveDev: moveDev,
	// kernel/uids (uids.go).
	AddUID: addUID, DelUID: delUID,
	// Namespaces, processes and mounts (lifecycle.go).
	Exit: exit, Gone: gone, ExitUser: exitUser,
	Clone: clone, Setns: setns, Mount: makeMount, Umount: umount,
	// Observers (observers.go).
	Lookup: lookup, Readdir: readdir, Readlink: readlink,
	Open: open, Read: read, Close: closeFile,
}

// apply returns op's outcome in s by its kind's transition, with dying
// entries present only where they collide, which Step has dealt with. A
// kind without a transition is EINVAL.
func apply(c Config, s State, op Op) (Result, State) {
	if int(op.Kind) < len(transitions) {
		if t := transitions[op.Kind]; t != nil {
			return t(c, s, op)
		}
	}
	return fail(s, EINVAL)
}

// fail is a failure with e, which leaves the state as it was.
func fail(s State, e Errno) (Result, State) { return Result{Err: e}, s }

// SameResult reports whether two results are equal, comparing readdir
// listings as sets (their order is the implementation's hash order) and
// ifindex only where both sides know it.
func SameResult(a, b Result) bool {
	if a.Err != b.Err || a.Tag != b.Tag || a.Target != b.Target || len(a.Entries) != len(b.Entries) {
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
