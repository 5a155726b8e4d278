package campaign

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/sysfsim/sysfsim/properties"
)

// runner is one run of a campaign.
type runner struct {
	c       Config
	sum     Summary
	sk      sketch
	cov     *coverCounts
	guide   *guide  // nil unless Config.Guided
	k       int     // PCT's step estimate
	prevS   float64 // elapsed seconds of earlier runs
	startJ  int64   // first local index of this run
	dir     string  // campaign directory, "" until a temporary one is made
	persist bool    // write summary.json (OutDir given, or a temporary dir made)
	saved   int
	runExec int64
	runStep int64
	t0      time.Time
	// timeline sampling
	sampleEvery time.Duration
	nextSample  time.Duration
}

// start loads or creates the campaign summary.
func (r *runner) start() (Summary, error) {
	c := &r.c
	fresh := Summary{
		Seed: c.Seed, Bugs: c.Bugs, Strategy: c.Strategy, Gen: c.Gen, Shard: c.Shard.norm(), Program: c.Program, Guided: c.Guided,
	}
	if c.Strategy == Exhaustive {
		fresh.Exhaustive = &ExhaustiveSummary{Preemptions: c.Preemptions, SchedulesPerProgram: c.Schedules, Method: searchMethod(c.Preemptions)}
	}
	fresh.normalize()
	fresh.NextIndex = fresh.Shard.Global(0)
	r.sum = fresh
	r.cov = newCoverCounts()
	if c.OutDir != "" {
		r.dir, r.persist = c.OutDir, true
		if _, err := r.outDir(); err != nil {
			return fresh, err
		}
		if HasSummary(c.OutDir) {
			old, err := LoadSummary(c.OutDir)
			if err != nil {
				return fresh, err
			}
			if old.Merged() {
				return fresh, fmt.Errorf("campaign: %s holds merged shards; resume each shard's own directory", c.OutDir)
			}
			if err := sameCampaign(fresh, old, false); err != nil {
				return fresh, fmt.Errorf("campaign: %s: %w", c.OutDir, err)
			}
			r.sum = old
			r.cov.load(old.StateCoverage)
			r.prevS = old.ElapsedS
			if len(old.DistinctSketch) == sketchSize {
				copy(r.sk[:], old.DistinctSketch)
			}
			r.saved = len(old.Violations)
		}
	}
	j, ok := r.sum.Shard.Local(r.sum.NextIndex)
	if !ok {
		return r.sum, fmt.Errorf("campaign: next index %d is not in shard %v", r.sum.NextIndex, r.sum.Shard)
	}
	r.startJ = j
	r.sum.Runs++
	r.sum.Workers = c.Workers
	r.sum.KeepGoing, r.sum.MaxViolations, r.sum.NoShrink = c.KeepGoing, c.MaxViolations, c.NoShrink
	r.sum.Interrupted = false
	r.sum.Stopped = ""
	if usesPCT(c.Strategy) {
		if r.sum.PCT == nil || r.sum.PCT.K == 0 {
			r.sum.PCT = &PCTSummary{K: calibrate(*c)}
		}
		r.k = r.sum.PCT.K
	}
	if c.Guided {
		r.guide = r.rebuildGuide() // after k, which its executions use
	}
	return r.sum, nil
}

// run runs this run's executions and commits their results in index
// order, until its bound, a stop or the end of ctx.
func (r *runner) run(ctx context.Context) (Summary, error) {
	r.t0 = time.Now()
	r.sampleEvery, r.nextSample = time.Second, time.Second
	r.sample(0)

	limit := r.limit()
	if ctx.Err() != nil {
		// Interrupted before it began: no worker takes an index.
		limit = r.startJ
	}
	p := newPool(r.c.Workers, r.startJ, limit, r.batchSize())
	r.startWorkers(p)

	// Workers run ahead; the committer folds their batches in index order,
	// so the summary is the same whatever the number of workers.
	cm := newCommitter(r, p)
	if ctx.Err() != nil {
		r.sum.Interrupted = true
		cm.stop("interrupted")
	}
	cm.loop(ctx)
	if r.guide != nil {
		r.guide.stop()
	}
	return r.finish(cm)
}

// limit is the first local index past this run's execution bound. An
// exhaustive campaign bounds its executions (schedules) as it commits
// them, not by index: a unit is a whole program.
func (r *runner) limit() int64 {
	if r.c.Strategy != Exhaustive && r.c.Executions > 0 {
		return r.startJ + int64(r.c.Executions)
	}
	return math.MaxInt64
}

// batchSize is how many indices a worker takes at once: a unit of
// "exhaustive" is a whole search, so one.
func (r *runner) batchSize() int64 {
	switch {
	case r.c.Strategy == Exhaustive:
		return 1
	case r.guide != nil:
		return guidedBatch
	}
	return executionBatch
}

// finish records the run's end in the summary and saves it.
func (r *runner) finish(cm *committer) (Summary, error) {
	err := cm.err
	if !cm.stopped {
		r.sum.Stopped = "executions"
	}
	r.sample(time.Since(r.t0))
	r.progress(false)
	out := r.snapshot()
	r.sum = out
	if r.persist {
		if e := SaveSummary(r.dir, out); e != nil && err == nil {
			err = e
		}
	}
	return out, err
}

// committer is the side of a run that takes the workers' batches, commits
// them in index order and decides when the run stops.
type committer struct {
	r        *runner
	p        *pool
	pending  map[int64][]unit // batches by their first index
	frontier int64            // the next index to commit
	// stopAt is the first index not committed: a unit past the one that
	// stopped the run was run, but the run ends before it.
	stopAt  int64
	stopped bool
	err     error
}

func newCommitter(r *runner, p *pool) *committer {
	return &committer{r: r, p: p, pending: map[int64][]unit{}, frontier: r.startJ, stopAt: math.MaxInt64}
}

// stop stops the workers, once, and records the first reason.
func (cm *committer) stop(why string) {
	if !cm.stopped {
		cm.stopped = true
		cm.r.sum.Stopped = why
		close(cm.p.done)
		if g := cm.r.guide; g != nil {
			g.stop() // a worker waiting for commits that will not come
		}
	}
}

// loop commits batches until the workers have all returned. Meanwhile it
// reports progress, saves the summary now and then, and stops the run at
// its deadline or the end of ctx.
func (cm *committer) loop(ctx context.Context) {
	c := &cm.r.c
	tick := time.NewTicker(c.ProgressEvery)
	defer tick.Stop()
	lastSave := time.Now()
	var deadline <-chan time.Time
	if c.Duration > 0 {
		t := time.NewTimer(c.Duration)
		defer t.Stop()
		deadline = t.C
	}
	ctxDone := ctx.Done()
	for {
		select {
		case us, ok := <-cm.p.results:
			if !ok {
				return
			}
			cm.receive(us)
		case <-tick.C:
			cm.r.progress(true)
			if cm.r.persist && time.Since(lastSave) >= c.SaveEvery {
				cm.save()
				lastSave = time.Now()
			}
		case <-deadline:
			cm.stop("time")
		case <-ctxDone:
			ctxDone = nil
			cm.r.sum.Interrupted = true
			cm.stop("interrupted")
		}
	}
}

// receive holds a batch until every earlier one is in, then commits each
// batch that is next in order, freeing its place in the window.
func (cm *committer) receive(us []unit) {
	cm.pending[us[0].j] = us
	for {
		us, ok := cm.pending[cm.frontier]
		if !ok {
			return
		}
		delete(cm.pending, cm.frontier)
		<-cm.p.tokens
		for i := range us { // by pointer: a unit is 288 bytes
			if cm.frontier < cm.stopAt {
				cm.commit(&us[i])
			}
			cm.frontier++
		}
		cm.p.recycle(us)
		if g := cm.r.guide; g != nil {
			g.advance(cm.frontier)
		}
	}
}

// commit commits u and stops the run if u ends it: an error, a violation
// without KeepGoing, or the execution bound of an exhaustive campaign.
func (cm *committer) commit(u *unit) {
	r := cm.r
	if e := r.commit(u); e != nil {
		cm.err = e
		cm.stopAt = u.j
		cm.stop("error")
	} else if u.found != nil && !r.c.KeepGoing {
		cm.stopAt = u.j + 1
		cm.stop("violation")
	} else if r.c.Strategy == Exhaustive && r.c.Executions > 0 && r.runExec >= int64(r.c.Executions) {
		cm.stopAt = u.j + 1
		cm.stop("executions")
	}
}

// save rewrites summary.json mid-run, so that a killed run loses little.
// A failure stops the run.
func (cm *committer) save() {
	if e := SaveSummary(cm.r.dir, cm.r.snapshot()); e != nil && cm.err == nil {
		cm.err = e
		cm.stop("error")
	}
}

// commit adds the result of the next index to the summary, saving its
// violation if any.
func (r *runner) commit(u *unit) error {
	if u.err != nil {
		return u.err
	}
	s := &r.sum
	s.Executions += u.execs
	s.Steps += u.steps
	s.Unknown += int(u.unknown)
	r.runExec += u.execs
	r.runStep += u.steps
	s.RunExecutions = r.runExec
	s.NextIndex = s.Shard.Global(u.j + 1)
	row := s.row(u.member)
	row.Executions += u.execs
	row.Steps += u.steps
	if u.hashes == nil {
		r.sk.add(u.hash)
	}
	for _, h := range u.hashes {
		r.sk.add(h)
	}
	rare := r.cov.add(&u.cov, s.Shard.Global(u.j))
	if r.guide != nil && r.guide.commit(u, rare, r.cov.hits) {
		s.GuideCorpus = append(s.GuideCorpus, s.Shard.Global(u.j))
	}
	if s.PCT != nil {
		s.PCT.MaxSteps = max(s.PCT.MaxSteps, u.maxSteps)
		s.PCT.MaxThreads = max(s.PCT.MaxThreads, u.threads)
	}
	if x := s.Exhaustive; x != nil {
		x.Programs++
		x.Schedules += u.execs
		x.Reruns += u.reruns
		if u.exhausted {
			x.ProgramsExhausted++
		}
		if u.boundHit {
			x.ProgramsBoundHit++
		}
		if u.found != nil {
			x.ProgramsViolated++
		}
		x.Exhausted = x.ProgramsExhausted == x.Programs
		x.Traces += u.traces
		x.Certificates = append(x.Certificates, Certificate{Program: s.Shard.Global(u.j), Seed: u.seed,
			Schedules: u.execs, Traces: u.traces, Exhausted: u.exhausted, BoundHit: u.boundHit})
	}
	if u.found == nil {
		return nil
	}
	s.ViolationCount++
	for _, p := range u.props {
		row.Violations[p]++
	}
	if r.saved >= r.c.MaxViolations {
		return nil
	}
	f, err := r.save(*u)
	if err != nil {
		return err
	}
	r.saved++
	s.Violations = append(s.Violations, f)
	return nil
}

// elapsed returns the campaign's elapsed time, earlier runs included.
func (r *runner) elapsed() time.Duration {
	return time.Duration(r.prevS*float64(time.Second)) + time.Since(r.t0)
}

// snapshot returns the summary as of now.
func (r *runner) snapshot() Summary {
	s := r.sum
	s.ElapsedS = r.elapsed().Seconds()
	s.DistinctSketch = append([]byte(nil), r.sk[:]...)
	s.StateCoverage = r.cov.summary()
	s.Violations = append([]Found{}, s.Violations...)
	s.ByStrategy = cloneRows(s.ByStrategy)
	s.Timeline = append([]Sample{}, s.Timeline...)
	s.GuideCorpus = slices.Clone(s.GuideCorpus)
	if s.PCT != nil {
		p := *s.PCT
		p.Guarantees = nil
		s.PCT = &p
	}
	if s.Exhaustive != nil {
		x := *s.Exhaustive
		x.Certificates = append([]Certificate{}, x.Certificates...)
		s.Exhaustive = &x
	}
	s.finish()
	return s
}

func cloneRows(rows []StrategyRow) []StrategyRow {
	out := make([]StrategyRow, len(rows))
	for i, r := range rows {
		out[i] = r
		out[i].Violations = make(map[properties.Property]int64, len(r.Violations))
		for k, v := range r.Violations {
			out[i].Violations[k] = v
		}
	}
	return out
}

// maxSamples bounds the timeline: past it, every other sample is dropped
// and the interval doubles, so memory stays flat however long the run.
const maxSamples = 256

// sample records a timeline point at d into this run, if one is due (or
// d is 0 or the end: the caller passes those unconditionally).
func (r *runner) sample(d time.Duration) {
	s := &r.sum
	pt := Sample{T: r.prevS + d.Seconds(), Executions: s.Executions, Violations: s.ViolationCount}
	if n := len(s.Timeline); n > 0 && s.Timeline[n-1].T == pt.T {
		s.Timeline[n-1] = pt
		return
	}
	s.Timeline = append(s.Timeline, pt)
	if len(s.Timeline) > maxSamples {
		kept := s.Timeline[:0]
		for i, p := range s.Timeline {
			if i%2 == 0 || i == len(s.Timeline)-1 {
				kept = append(kept, p)
			}
		}
		s.Timeline = kept
		r.sampleEvery *= 2
	}
}

func (r *runner) progress(sample bool) {
	d := time.Since(r.t0)
	for sample && d >= r.nextSample {
		r.sample(d)
		r.nextSample += r.sampleEvery
	}
	if r.c.Progress == nil {
		return
	}
	s := &r.sum
	st := Stats{
		Executions: s.Executions, Steps: s.Steps, Elapsed: r.elapsed(), Violations: int(s.ViolationCount),
		Unknown: s.Unknown, Distinct: r.sk.estimate(), Left: -1, RunElapsed: d, RunSteps: r.runStep,
	}
	switch {
	case r.c.Duration > 0:
		st.Left = max(r.c.Duration-d, 0)
	case r.c.Executions > 0 && r.runExec > 0:
		left := float64(int64(r.c.Executions)-r.runExec) / float64(r.runExec) * d.Seconds()
		st.Left = time.Duration(max(left, 0) * float64(time.Second))
	}
	r.c.Progress(st)
}

func newRunner(c Config) *runner { return &runner{c: c} }
