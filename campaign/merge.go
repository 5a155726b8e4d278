package campaign

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Merge folds the summaries of shards of one campaign (same seed, bugs,
// strategy, generator options and shard count; distinct shards) into one.
// Counts add up; the elapsed time is the longest shard's, since shards run
// side by side; the timelines add up point by point; the distinct-schedule
// estimators merge. The result lists the shards it covers (Shards) and
// cannot be resumed.
func Merge(sums ...Summary) (Summary, error) {
	if len(sums) == 0 {
		return Summary{}, fmt.Errorf("campaign: nothing to merge")
	}
	m := newMerger(sums[0])
	for n, s := range sums {
		s.normalize()
		// Shards of different campaigns do not add up.
		if err := sameCampaign(m.out, s, true); err != nil {
			return Summary{}, fmt.Errorf("campaign: summary %d: %w", n+1, err)
		}
		// A shard folded in twice would count its executions twice.
		if err := m.cover(s); err != nil {
			return Summary{}, err
		}
		m.addCounts(s)
		m.addRows(s)
		m.addSketch(s)
		m.addPCT(s)
		m.addExhaustive(s)
		if s.StateCoverage != nil {
			m.cov.load(s.StateCoverage)
			m.haveCov = true
		}
	}
	return m.finish(sums), nil
}

// Merged reports whether s is the result of Merge: it covers Shards, not
// the one Shard its Shard field names, and it cannot be resumed.
func (s Summary) Merged() bool { return len(s.Shards) > 0 }

// Coverage says, for people to read, what part of the campaign s covers
// when it is not the whole of it run in one directory: "shards 0,1 of 2
// merged from 2 directories" (from MergedFrom, when recorded), "shard
// 1/2", or "".
func (s Summary) Coverage() string {
	if !s.Merged() {
		if s.Shard.Count > 1 {
			return "shard " + s.Shard.String()
		}
		return ""
	}
	is := make([]string, len(s.Shards))
	for k, i := range s.Shards {
		is[k] = strconv.Itoa(i)
	}
	out := fmt.Sprintf("%s %s of %d merged", plural(len(is), "shard", "shards"), strings.Join(is, ","), s.Shard.Count)
	if n := len(s.MergedFrom); n > 0 {
		out += fmt.Sprintf(" from %d %s", n, plural(n, "directory", "directories"))
	}
	return out
}

// plural is one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// merger is a merge under way.
type merger struct {
	out        Summary
	sk         sketch
	haveSketch bool         // every summary so far had a sketch
	covered    map[int]bool // the shards folded in
	cov        *coverCounts
	haveCov    bool // some summary had coverage
}

// newMerger starts the merge of the shards of first's campaign.
func newMerger(first Summary) *merger {
	out := Summary{
		Seed: first.Seed, Bugs: first.Bugs, Strategy: first.Strategy, Gen: first.Gen, Program: first.Program, Guided: first.Guided,
		Shard: Shard{Count: first.Shard.norm().Count}, Stopped: "merged",
	}
	out.normalize()
	return &merger{out: out, haveSketch: true, covered: map[int]bool{}, cov: newCoverCounts()}
}

// cover claims the shards s covers: its own, or those it merged.
func (m *merger) cover(s Summary) error {
	shards := s.Shards
	if len(shards) == 0 {
		shards = []int{s.Shard.Index}
	}
	for _, i := range shards {
		if m.covered[i] {
			return fmt.Errorf("campaign: shard %d/%d appears twice", i, m.out.Shard.Count)
		}
		m.covered[i] = true
	}
	return nil
}

// addCounts adds up s's counts. The elapsed time is the longest shard's,
// since shards run side by side.
func (m *merger) addCounts(s Summary) {
	out := &m.out
	out.Executions += s.Executions
	out.Steps += s.Steps
	out.Unknown += s.Unknown
	out.ViolationCount += s.ViolationCount
	out.ElapsedS = max(out.ElapsedS, s.ElapsedS)
	out.Interrupted = out.Interrupted || s.Interrupted
	out.Runs += s.Runs
	out.RunExecutions += s.RunExecutions
	out.Workers += s.Workers
	out.Violations = append(out.Violations, s.Violations...)
	out.MergedFrom = append(out.MergedFrom, s.MergedFrom...)
}

// addRows adds s's rows to the per-strategy table.
func (m *merger) addRows(s Summary) {
	for _, r := range s.ByStrategy {
		row := m.out.row(r.Strategy)
		row.Executions += r.Executions
		row.Steps += r.Steps
		for p, v := range r.Violations {
			row.Violations[p] += v
		}
	}
}

// addSketch merges s's distinct-schedule estimator. One summary without
// one leaves the merge without an estimate.
func (m *merger) addSketch(s Summary) {
	if len(s.DistinctSketch) == sketchSize {
		var o sketch
		copy(o[:], s.DistinctSketch)
		m.sk.merge(&o)
	} else {
		m.haveSketch = false
	}
}

// addPCT keeps the largest of PCT's figures.
func (m *merger) addPCT(s Summary) {
	if s.PCT == nil {
		return
	}
	out := &m.out
	if out.PCT == nil {
		out.PCT = &PCTSummary{K: s.PCT.K}
	}
	out.PCT.K = max(out.PCT.K, s.PCT.K)
	out.PCT.MaxSteps = max(out.PCT.MaxSteps, s.PCT.MaxSteps)
	out.PCT.MaxThreads = max(out.PCT.MaxThreads, s.PCT.MaxThreads)
}

// addExhaustive adds up an exhaustive search's counts.
func (m *merger) addExhaustive(s Summary) {
	x := s.Exhaustive
	if x == nil {
		return
	}
	if m.out.Exhaustive == nil {
		m.out.Exhaustive = &ExhaustiveSummary{Preemptions: x.Preemptions, SchedulesPerProgram: x.SchedulesPerProgram, Method: x.Method}
	}
	y := m.out.Exhaustive
	y.Programs += x.Programs
	y.ProgramsExhausted += x.ProgramsExhausted
	y.ProgramsBoundHit += x.ProgramsBoundHit
	y.ProgramsViolated += x.ProgramsViolated
	y.Schedules += x.Schedules
	y.Reruns += x.Reruns
	y.Traces += x.Traces
	y.Certificates = append(y.Certificates, x.Certificates...)
}

// finish derives what is not a sum: whether the space is exhausted, the
// shards covered, the violations in index order, the merged timeline and
// the estimate of distinct schedules.
func (m *merger) finish(sums []Summary) Summary {
	out := m.out
	if y := out.Exhaustive; y != nil {
		y.Exhausted = y.ProgramsExhausted == y.Programs
		slices.SortFunc(y.Certificates, func(a, b Certificate) int { return cmp.Compare(a.Program, b.Program) })
	}
	for i := range m.covered {
		out.Shards = append(out.Shards, i)
	}
	slices.Sort(out.Shards)
	sort.SliceStable(out.Violations, func(a, b int) bool { return out.Violations[a].Index < out.Violations[b].Index })
	out.Timeline = mergeTimelines(sums)
	if m.haveSketch {
		out.DistinctSketch = m.sk[:]
	}
	if m.haveCov {
		out.StateCoverage = m.cov.summary()
	}
	out.finish()
	return out
}

// mergeTimelines adds up step functions: at each time any shard sampled,
// the sum of every shard's last sample at or before it (a shard that has
// ended counts with its last sample).
func mergeTimelines(sums []Summary) []Sample {
	var ts []float64
	for _, s := range sums {
		for _, p := range s.Timeline {
			ts = append(ts, p.T)
		}
	}
	slices.Sort(ts)
	ts = slices.Compact(ts)
	out := make([]Sample, 0, len(ts))
	for _, t := range ts {
		pt := Sample{T: t}
		for _, s := range sums {
			i := sort.Search(len(s.Timeline), func(i int) bool { return s.Timeline[i].T > t }) - 1
			if i >= 0 {
				pt.Executions += s.Timeline[i].Executions
				pt.Violations += s.Timeline[i].Violations
			}
		}
		out = append(out, pt)
	}
	// Thin to the bound a run keeps, keeping the last point.
	for len(out) > maxSamples {
		kept := out[:0]
		for i, p := range out {
			if i%2 == 0 || i == len(out)-1 {
				kept = append(kept, p)
			}
		}
		out = kept
	}
	return out
}
