package campaign

import (
	"slices"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// A SURW campaign weighs each program's threads by estimates of their
// interesting steps made from the program (surwCounts): its executions
// are those of sched.NewSURW with those counts, and some differ from SURW
// without counts (so the counts are used, and matter).
func TestSURWCampaignUsesCounts(t *testing.T) {
	c := Config{Seed: 2, Strategy: sched.StrategySURW}
	differ := 0
	for i := range int64(40) {
		s := ExecSeed(c.Seed, i)
		p := gen.Program(gen.NewRand(s), c.Gen)
		counts := surwCounts(p, nil)
		if len(counts) != len(p.Threads) || !slices.ContainsFunc(counts, func(n int) bool { return n > 0 }) {
			t.Fatalf("execution %d: counts %v for %d threads", i, counts, len(p.Threads))
		}
		u := runOne(&c, i, 0)
		if u.member != sched.StrategySURW {
			t.Fatalf("execution %d ran as %s", i, u.member)
		}
		hash := func(st sched.Strategy) uint64 {
			x := sim.Run(p, st, sim.Options{})
			defer x.Release()
			return scheduleHash(x.Schedule)
		}
		if h := hash(sched.NewSURW(s, counts)); h != u.hash {
			t.Fatalf("execution %d: the campaign's schedule is not SURW's with counts %v", i, counts)
		}
		if hash(sched.NewSURW(s, nil)) != u.hash {
			differ++
		}
	}
	if differ == 0 {
		t.Fatal("no execution differs from SURW without counts")
	}
	t.Logf("%d of 40 executions differ from SURW without counts", differ)
}

// The portfolio's members are reported by name, SURW's with counts too.
func TestPortfolioMembersByName(t *testing.T) {
	c := Config{Seed: 3, Strategy: sched.StrategyPortfolio}
	seen := map[sched.StrategyName]int{}
	for i := range int64(30) {
		seen[runOne(&c, i, 0).member]++
	}
	if len(seen) != 3 || seen[sched.StrategyRandom] == 0 || seen[sched.StrategyPOS] == 0 || seen[sched.StrategySURW] == 0 {
		t.Fatalf("members %v", seen)
	}
}
