package sctbench

import "github.com/sysfsim/sysfsim/sim/sched"

// ExecutionsToBug runs p under strategy(e) for executions e = 0, 1, ...
// until the bug shows, and returns how many executions that took; it
// returns 0 if the bug did not show within limit executions.
func ExecutionsToBug(p Program, limit int, strategy func(e int) sched.Strategy) int {
	for e := range limit {
		s := sched.New(strategy(e), 0)
		bug := p.Setup(s)
		if bug(s.Run()) {
			return e + 1
		}
	}
	return 0
}

// ExploreToBug searches p systematically with opts and returns how many
// executions it ran, abandoned and repeated ones included, before one
// showed the bug; 0 if none did. It also returns the statistics.
func ExploreToBug(p Program, opts sched.ExploreOptions) (int, sched.ExploreStats) {
	var bug func(sched.Result) bool
	found := false
	st := sched.Explore(func(s *sched.Scheduler) { bug = p.Setup(s) }, opts,
		func(r sched.Result) bool { found = bug(r); return !found })
	if !found {
		return 0, st
	}
	return st.Executions + st.Repeats + st.Pruned, st
}

// Steps returns the length of one random execution of p, the estimate of
// k that a campaign without prior knowledge would give PCT.
func Steps(p Program, seed uint64) int {
	s := sched.New(sched.NewRandom(seed), 0)
	p.Setup(s)
	return s.Run().Steps
}

// InterestingSteps returns the interesting steps each thread of p takes
// in one execution under SURW without estimates: the estimates SURW
// needs, from a first execution, as Fray and Shuttle take them.
func InterestingSteps(p Program, seed uint64) []int {
	w := sched.NewSURW(seed, nil)
	s := sched.New(w, 0)
	p.Setup(s)
	s.Run()
	return w.Counts()
}
