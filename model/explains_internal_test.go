package model

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// randomStepOp draws a step, observer or lifecycle operation (never a
// flow) over a small world of names, namespaces, mounts and descriptors,
// ifindex-addressed ones included, so that the races and failures all
// occur.
func randomStepOp(rng *rand.Rand) Op {
	names := []string{"eth0", "eth1", "lo", "0", "1", "a/b", ""}
	kinds := []Kind{AddDev, AddLink, DelLink, DelDev, Unregister, RenameLink, RenameDev, MoveLink, MoveDev,
		Lookup, Readdir, Readlink, Open, Read, Close, Exit, Clone, Setns, Mount, Umount, Gone, AddUID, DelUID, ExitUser}
	op := Op{Kind: kinds[rng.IntN(len(kinds))], NS: 1 + rng.IntN(3), Mount: rng.IntN(4), Name: names[rng.IntN(len(names))],
		NewName: names[rng.IntN(len(names))], To: 1 + rng.IntN(3), FD: rng.IntN(3), Proc: 1 + rng.IntN(2), User: 1 + rng.IntN(2),
		Dir: dirs[rng.IntN(len(dirs))], Phys: rng.IntN(4) == 0, Cleanup: rng.IntN(4) == 0}
	if rng.IntN(3) == 0 {
		op.Index = 1 + rng.IntN(3)
	}
	op.keep(kindSpecs[op.Kind].takes)
	return op
}

// single returns the outcome of op in s when Step allows only one, as it
// does unless op may race: the reference singleOn, which changes its state
// in place, is compared with.
func single(c Config, s State, op Op) (Result, State, bool) {
	s.owned = false // the caller's arrays stay the caller's
	op, ok := s.byIndex(op)
	if !ok {
		return Result{Err: ENOENT}, s, true
	}
	if _, racing := raceIn(&c, &s, &op); racing {
		return Result{}, State{}, false
	}
	r, next := apply(c, s, op)
	return r, next, true
}

// TestSingleOnIsSingle walks random operation sequences and compares, at
// every state, singleOn (which Explains runs, in place) with single and
// Step: the same answer, the same result, the same next state, and the
// state left alone where op may race. The broken case is a singleOn that
// skips the ifindex resolution, which the comparison must catch.
func TestSingleOnIsSingle(t *testing.T) {
	broken := func(c *Config, s *State, op *Op, r *Result) bool {
		o := *op
		o.Index = 0 // resolution skipped: the device is looked up by name
		return singleOn(c, s, &o, r)
	}
	for _, tc := range []struct {
		name   string
		f      func(*Config, *State, *Op, *Result) bool
		broken bool
	}{{"singleOn", singleOn, false}, {"without ifindex resolution", broken, true}} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(16, 1))
			c := Config{Namespaces: 3, Mounts: []int{1, 2}, Later: []int{3}, Procs: []int{1, 2}, Exit: ExitKernel, Users: 2}
			diffs, raced, compared := 0, 0, 0
			for range 300 {
				s := Init()
				for range 30 {
					op := randomStepOp(rng)
					r, next, ok := single(c, s, op)
					in := s
					var rOn Result
					okOn := tc.f(&c, &in, &op, &rOn)
					compared++
					switch {
					case ok != okOn:
						diffs++
					case !ok:
						raced++
						if !in.Equal(s) {
							diffs++
						}
					case !SameResult(r, rOn) || r.Index != rOn.Index || !in.Equal(next):
						diffs++
					}
					s = Step(c, s, op)[rng.IntN(len(Step(c, s, op)))].State
				}
			}
			if raced == 0 {
				t.Errorf("no operation raced in %d: the walk misses the slow path", compared)
			}
			if tc.broken != (diffs > 0) {
				t.Errorf("%d of %d answers differ from single (broken: %v)", diffs, compared, tc.broken)
			}
		})
	}
}

// TestValidNameTable compares ValidName with dev_valid_name's rule as
// strings.ContainsAny states it, on every byte in every position of a
// short name. The broken case is a table that misses ':'.
func TestValidNameTable(t *testing.T) {
	rule := func(name string) Errno {
		if len(name) >= IFNAMSIZ {
			return ERANGE
		}
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, nameBreakers) {
			return EINVAL
		}
		return OK
	}
	differ := func() int {
		n := 0
		for b := range 256 {
			for _, name := range []string{string(rune(b)), "a" + string([]byte{byte(b)}), string([]byte{byte(b)}) + "eth", "e" + string([]byte{byte(b)}) + "0"} {
				if ValidName(name) != rule(name) {
					n++
				}
			}
		}
		for _, name := range []string{"", ".", "..", "...", "eth0", "0123456789abcde", "0123456789abcdef"} {
			if ValidName(name) != rule(name) {
				n++
			}
		}
		return n
	}
	if n := differ(); n > 0 {
		t.Fatalf("%d names judged unlike dev_valid_name", n)
	}
	badNameByte[':'] = false
	defer func() { badNameByte[':'] = true }()
	if differ() == 0 {
		t.Fatal("a table without ':' went unnoticed")
	}
}

// randomWalk returns n events: random operations, each with a result
// Step allows after the ones before (a random one where there are
// several), except that with odds 1 in wrong a result is replaced by
// one the operation could not have returned there, so that some walks
// are not explained.
func randomWalk(rng *rand.Rand, c Config, n, wrong int) []Event {
	s := Init()
	events := make([]Event, 0, n)
	for range n {
		op := randomStepOp(rng)
		outs := Step(c, s, op)
		o := outs[rng.IntN(len(outs))]
		e := Event{Op: op, Result: o.Result, Pending: rng.IntN(10) == 0}
		if rng.IntN(wrong) == 0 {
			e.Result, e.Pending = Result{Err: "EROFS"}, false // no transition returns it
		}
		events = append(events, e)
		s = o.State
	}
	return events
}

// explainsByStep is Explains as the definition says it, on Step alone:
// every state the events may lead to, none changed in place.
func explainsByStep(c Config, events []Event) []State {
	cur := []State{Init()}
	for _, e := range events {
		var next []State
		for _, s := range cur {
			for _, o := range Step(c, s, e.Op) {
				if (e.Pending || SameResult(o.Result, e.Result)) && !hasState(next, o.State) {
					next = append(next, o.State)
				}
			}
		}
		cur = next
	}
	return cur
}

// forks reports whether some event of an explained walk may go more than
// one way, where Replay leaves its own state for Step's.
func forks(c Config, events []Event) bool {
	s := Init()
	for _, e := range events {
		_, next, ok := single(c, s, e.Op)
		if !ok {
			return true
		}
		s = next
	}
	return false
}

// TestReplayAgreesWithStep replays thousands of random walks, one Replay
// for all of them (its arrays reused, history after history), and
// compares its verdict with explainsByStep's, and its state, where it
// stayed one, with the one state Step leads to.
func TestReplayAgreesWithStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 5))
	var r Replay
	explained, raced, forked := 0, 0, 0
	for _, c := range []Config{
		{Namespaces: 3, Mounts: []int{1, 2}, Later: []int{3}, Procs: []int{1, 2}, Exit: ExitKernel, Users: 2},
		{Namespaces: 3, Mounts: []int{1, 2}, Procs: []int{1, 2}, Users: 2},
	} {
		for i := range 3000 {
			events := randomWalk(rng, c, 1+rng.IntN(30), 40)
			want := explainsByStep(c, events)
			got := r.Explains(c, events)
			if got != (len(want) > 0) {
				t.Fatalf("walk %d: Replay says %v, Step leads to %d states:\n%v", i, got, len(want), events)
			}
			if !got {
				continue
			}
			explained++
			if forks(c, events) {
				raced++
			}
			if r.forked {
				forked++
				continue
			}
			if len(want) != 1 || !r.s.Equal(want[0]) {
				t.Fatalf("walk %d: Replay ends in %v, Step in %v\n%v", i, r.s, want, events)
			}
		}
	}
	if explained < 1000 || explained > 5000 {
		t.Errorf("%d of 6000 walks explained: the walks do not test both verdicts", explained)
	}
	if raced <= forked || forked == 0 {
		t.Errorf("of %d walks that raced, %d forked: the walks do not test both the races that leave one state and those that leave more", raced, forked)
	}
	t.Logf("%d explained, %d raced, %d of them left the single state", explained, raced, forked)
}

// deepCopy returns s with arrays of its own.
func deepCopy(s State) State {
	s.devs, s.links, s.files = slices.Clone(s.devs), slices.Clone(s.links), slices.Clone(s.files)
	s.procs, s.mounts = slices.Clone(s.procs), slices.Clone(s.mounts)
	s.uids, s.uidsDying = slices.Clone(s.uids), slices.Clone(s.uidsDying)
	return s
}

// TestStepLeavesItsStateAlone walks random operations and, at every
// state, runs each entry point callers rely on to be pure (Step, single,
// Apply, AppendStep, and singleOn on a copy of the State that does not
// own its arrays) on it, owned or not: the state, and every array it
// shares with the one it came from, must be as they were. The broken
// case changes an owned copy in place, as only a Replay's own state may
// be, and the comparison must see it.
func TestStepLeavesItsStateAlone(t *testing.T) {
	c := Config{Namespaces: 3, Mounts: []int{1, 2}, Later: []int{3}, Procs: []int{1, 2}, Exit: ExitKernel, Users: 2}
	pure := func(s State, op Op) {
		Step(c, s, op)
		single(c, s, op)
		Apply(c, s, op)
		AppendStep(nil, c, s, op)
		in := s
		in.owned = false
		singleOn(&c, &in, &op, new(Result))
	}
	inPlace := func(s State, op Op) { transition(&c, &s, &op, new(Result)) }
	for _, tc := range []struct {
		name   string
		run    func(State, Op)
		broken bool
	}{{"pure entry points", pure, false}, {"an owned copy changed in place", inPlace, true}} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(16, 7))
			changed := 0
			for range 300 {
				s := Init()
				for range 30 {
					op := randomStepOp(rng)
					before := deepCopy(s)
					for _, owned := range []bool{false, true} {
						in := s
						in.owned = owned
						tc.run(in, op)
						if !s.Equal(before) {
							changed++
							s = deepCopy(before)
						}
					}
					outs := Step(c, s, op)
					s = outs[rng.IntN(len(outs))].State
				}
			}
			if tc.broken != (changed > 0) {
				t.Errorf("%d states changed (broken: %v)", changed, tc.broken)
			}
		})
	}
}

// explainedWalks returns n random walks of 15 events that Step explains,
// for the benchmarks.
func explainedWalks(c Config, n int) [][]Event {
	rng := rand.New(rand.NewPCG(16, 9))
	var walks [][]Event
	for len(walks) < n {
		if w := randomWalk(rng, c, 15, 1<<30); Explains(c, w) {
			walks = append(walks, w)
		}
	}
	return walks
}

// BenchmarkExplains replays short explained walks, as the return-order
// check does for every history of a campaign: with Explains, whose state
// starts afresh each time, and with one Replay kept across them.
func BenchmarkExplains(b *testing.B) {
	c := Config{Namespaces: 3, Mounts: []int{1, 2}, Later: []int{3}, Procs: []int{1, 2}, Exit: ExitKernel, Users: 2}
	walks := explainedWalks(c, 256)
	b.Run("fresh", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			Explains(c, walks[i%len(walks)])
		}
	})
	b.Run("replay", func(b *testing.B) {
		b.ReportAllocs()
		var r Replay
		for i := 0; b.Loop(); i++ {
			r.Explains(c, walks[i%len(walks)])
		}
	})
}

// TestReplayStaysOneStateThroughARace replays an add onto a dying
// device's name, once with the add's success and once with the race's
// EEXIST, then an umount, which may always race: each result leaves one
// state, which the Replay must make its own (not fork) and which must be
// the state Step leads to. The random walks of TestReplayAgreesWithStep
// meet a dying device's name again too seldom to catch a state copied
// wrong.
func TestReplayStaysOneStateThroughARace(t *testing.T) {
	c := Config{Namespaces: 2, Mounts: []int{1, 2}, Procs: []int{1}}
	dev := Op{Kind: AddDev, NS: 1, Name: "eth0"}
	for _, again := range []Errno{OK, EEXIST} {
		events := []Event{
			{Op: dev},
			{Op: Op{Kind: AddLink, NS: 1, Name: "eth0"}},
			{Op: Op{Kind: DelLink, NS: 1, Name: "eth0"}},
			{Op: Op{Kind: DelDev, NS: 1, Name: "eth0"}},
			{Op: dev, Result: Result{Err: again}},
			{Op: Op{Kind: AddDev, NS: 2, Name: "eth1"}},
			{Op: Op{Kind: Umount, Mount: 2}},
			{Op: Op{Kind: Lookup, Mount: 1, Dir: Devices, Name: "eth0"}, Result: Result{Tag: 1}},
		}
		if again != OK {
			events[len(events)-1].Result = Result{Err: ENOENT}
		}
		var r Replay
		want := explainsByStep(c, events)
		if !r.Explains(c, events) || len(want) != 1 {
			t.Fatalf("add again %q: Replay says %v, Step leads to %d states", again, r.Explains(c, events), len(want))
		}
		if r.forked || !r.s.owned || !r.s.Equal(want[0]) {
			t.Errorf("add again %q: Replay forked %v, owns its state %v, ends in %v; Step in %v", again, r.forked, r.s.owned, r.s, want[0])
		}
	}
}
