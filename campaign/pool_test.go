package campaign

import (
	"testing"

	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// The bookkeeping between executions allocates nothing once a run is
// under way: a worker fills a batch the committer recycled, and the
// committer folds it into the summary, the sketch and the coverage
// counts. Only what an execution itself allocates (the simulator's, the
// check's) is then left to the collector.
func TestBookkeepingAllocatesNothing(t *testing.T) {
	r := newRunner(Config{Seed: 1, Workers: 1, Strategy: sched.StrategyPortfolio, Executions: 1 << 30})
	if _, err := r.start(); err != nil {
		t.Fatal(err)
	}
	p := newPool(1, r.startJ, r.limit(), r.batchSize())
	cm := newCommitter(r, p)
	var cov sim.Coverage
	for i := range 40 {
		point := i * 7 % sim.CoveragePoints()
		cov[point/64] |= 1 << (point % 64)
	}
	members := []sched.StrategyName{sched.StrategyRandom, sched.StrategyPOS, sched.StrategySURW}
	j := r.startJ
	batch := func() {
		if !p.acquire() {
			t.Fatal("the pool refused a batch")
		}
		us := p.batch(p.size)
		for range p.size {
			us = append(us, unit{j: j, execs: 1, steps: 40, hash: ExecSeed(7, j), member: members[j%3], maxSteps: 40, threads: 3, cov: cov})
			j++
		}
		cm.receive(us)
	}
	for range 4 {
		batch() // the first batches, the rows and the map grow (AllocsPerRun warms up once more)
	}
	if n := testing.AllocsPerRun(100, batch); n != 0 {
		t.Errorf("a batch's bookkeeping allocates %.1f times, want 0", n)
	}
	if want := (4 + 1 + 100) * p.size; r.sum.Executions != want || cm.frontier != r.startJ+want {
		t.Errorf("%d executions committed, frontier %d; want %d", r.sum.Executions, cm.frontier, want)
	}
}

// A batch a worker takes holds zero units past its length, fresh or
// recycled: runProgramInto stores only the fields an execution sets.
func TestBatchUnitsAreZero(t *testing.T) {
	p := newPool(1, 0, 1<<30, 4)
	us := p.batch(4)
	for i := range 4 {
		us = append(us, unit{j: int64(i), execs: 1, member: sched.StrategyPOS, hashes: []uint64{1}, found: &finding{}})
	}
	p.recycle(us)
	again := p.batch(4)
	if &again[:1][0] != &us[0] {
		t.Fatal("the recycled batch was not handed out again: the test tests nothing")
	}
	for i, u := range again[:cap(again)] {
		if u.j != 0 || u.execs != 0 || u.member != "" || u.hashes != nil || u.found != nil {
			t.Fatalf("unit %d of a recycled batch: %+v, want zero", i, u)
		}
	}
}
