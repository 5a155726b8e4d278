package campaign

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sysfsim/sysfsim/properties"
)

// runner is one run of a campaign.
type runner struct {
	c       Config
	sum     Summary
	sk      sketch
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
		Seed: c.Seed, Bugs: c.Bugs, Strategy: c.Strategy, Gen: c.Gen, Shard: c.Shard.norm(),
	}
	if c.Strategy == Exhaustive {
		fresh.Exhaustive = &ExhaustiveSummary{Preemptions: c.Preemptions, SchedulesPerProgram: c.Schedules}
	}
	fresh.normalize()
	fresh.NextIndex = fresh.Shard.Global(0)
	r.sum = fresh
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
			if len(old.Shards) > 0 {
				return fresh, fmt.Errorf("campaign: %s holds merged shards; resume each shard's own directory", c.OutDir)
			}
			if err := sameCampaign(fresh, old, false); err != nil {
				return fresh, fmt.Errorf("campaign: %s: %w", c.OutDir, err)
			}
			r.sum = old
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
	r.sum.Interrupted = false
	r.sum.Stopped = ""
	if usesPCT(c.Strategy) {
		if r.sum.PCT == nil || r.sum.PCT.K == 0 {
			r.sum.PCT = &PCTSummary{K: calibrate(*c)}
		}
		r.k = r.sum.PCT.K
	}
	return r.sum, nil
}

// windowPerWorker bounds how many batches workers may run ahead of the
// oldest one not yet committed, which bounds the results held in memory.
const windowPerWorker = 8

// executionBatch is how many consecutive indices a worker runs before
// handing their results over.
const executionBatch = 16

func (r *runner) run(ctx context.Context) (Summary, error) {
	c := &r.c
	exhaustive := c.Strategy == Exhaustive
	limitJ := int64(math.MaxInt64)
	if !exhaustive && c.Executions > 0 {
		limitJ = r.startJ + int64(c.Executions)
	}
	r.t0 = time.Now()
	r.sampleEvery, r.nextSample = time.Second, time.Second
	r.sample(0)

	// Workers take indices in batches: a channel send and a wakeup of
	// this goroutine per execution cost more than a small execution.
	batch := int64(executionBatch)
	if exhaustive {
		batch = 1 // a unit is a whole search
	}
	results := make(chan []unit, c.Workers*windowPerWorker)
	tokens := make(chan struct{}, c.Workers*windowPerWorker)
	done := make(chan struct{})
	var next atomic.Int64
	next.Store(r.startJ)
	if ctx.Err() != nil {
		// Interrupted before it began: no worker takes an index.
		limitJ = r.startJ
	}
	var wg sync.WaitGroup
	for range c.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case tokens <- struct{}{}:
				case <-done:
					return
				}
				select {
				case <-done:
					<-tokens
					return
				default:
				}
				j0 := next.Add(batch) - batch
				if j0 >= limitJ {
					<-tokens
					return
				}
				us := make([]unit, 0, min(batch, limitJ-j0))
				for j := j0; j < j0+int64(cap(us)); j++ {
					i := r.sum.Shard.Global(j)
					var u unit
					if exhaustive {
						u = explore(c, i)
					} else {
						u = runOne(c, i, r.k)
					}
					u.j = j
					us = append(us, u)
				}
				results <- us
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	var err error
	stopped := false
	stopAt := int64(math.MaxInt64)
	stop := func(why string) {
		if !stopped {
			stopped = true
			r.sum.Stopped = why
			close(done)
		}
	}
	pending := map[int64][]unit{} // batches by their first index
	frontier := r.startJ
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
	if ctx.Err() != nil {
		r.sum.Interrupted = true
		stop("interrupted")
	}
loop:
	for {
		select {
		case us, ok := <-results:
			if !ok {
				break loop
			}
			pending[us[0].j] = us
			for {
				us, ok := pending[frontier]
				if !ok {
					break
				}
				delete(pending, frontier)
				<-tokens
				for _, u := range us {
					if frontier < stopAt {
						if e := r.commit(u); e != nil {
							err = e
							stopAt = u.j
							stop("error")
						} else if u.found != nil && !c.KeepGoing {
							stopAt = u.j + 1
							stop("violation")
						} else if exhaustive && c.Executions > 0 && r.runExec >= int64(c.Executions) {
							stopAt = u.j + 1
							stop("executions")
						}
					}
					frontier++
				}
			}
		case <-tick.C:
			r.progress(true)
			if r.persist && time.Since(lastSave) >= c.SaveEvery {
				if e := SaveSummary(r.dir, r.snapshot()); e != nil && err == nil {
					err = e
					stop("error")
				}
				lastSave = time.Now()
			}
		case <-deadline:
			stop("time")
		case <-ctxDone:
			ctxDone = nil
			r.sum.Interrupted = true
			stop("interrupted")
		}
	}
	if !stopped {
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

// commit adds the result of the next index to the summary, saving its
// violation if any.
func (r *runner) commit(u unit) error {
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
		x.Exhausted = x.ProgramsExhausted == x.Programs
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
	f, err := r.save(u)
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
	s.Violations = append([]Found{}, s.Violations...)
	s.ByStrategy = cloneRows(s.ByStrategy)
	s.Timeline = append([]Sample{}, s.Timeline...)
	if s.PCT != nil {
		p := *s.PCT
		p.Guarantees = nil
		s.PCT = &p
	}
	if s.Exhaustive != nil {
		x := *s.Exhaustive
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
