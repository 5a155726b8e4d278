package campaign

import (
	"slices"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
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
		counts := surwCounts(&p, nil)
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

// A guided execution follows its schedule prefix whatever its strategy:
// SURW's, which the campaign remakes with counts, too.
func TestGuidedPrefixKeptUnderEveryStrategy(t *testing.T) {
	for _, name := range []sched.StrategyName{sched.StrategyRandom, sched.StrategyPOS, sched.StrategySURW} {
		c := Config{Seed: 4, Strategy: name}
		for i := range int64(20) {
			s := ExecSeed(c.Seed, i)
			p := gen.Program(gen.NewRand(s), c.Gen)
			first := sim.Run(p, sched.NewRandom(s^1), sim.Options{})
			prefix := slices.Clone(first.Schedule[:len(first.Schedule)/2])
			first.Release()
			u := runProgram(&c, i, 0, s, p, guided{prefix: prefix})
			x := sim.Run(p, sched.NewPrefixed(prefix, unprefixed(&c, s, p)), sim.Options{})
			want := scheduleHash(x.Schedule)
			x.Release()
			if u.hash != want {
				t.Fatalf("%s, execution %d: the guided execution did not follow its prefix", name, i)
			}
		}
	}
}

// unprefixed is the strategy runProgram gives execution seed s of p
// before a guided prefix.
func unprefixed(c *Config, s uint64, p history.Program) sched.Strategy {
	st, name := strategyFor(c.Strategy, s, len(p.Threads), 0)
	if name == sched.StrategySURW {
		st = sched.NewSURW(s, surwCounts(&p, nil))
	}
	return st
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
