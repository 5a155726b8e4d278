package campaign

import (
	"fmt"
	"slices"
	"sort"
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
	out := Summary{
		Seed: sums[0].Seed, Bugs: sums[0].Bugs, Strategy: sums[0].Strategy, Gen: sums[0].Gen,
		Shard: Shard{Count: sums[0].Shard.norm().Count}, Stopped: "merged",
	}
	out.normalize()
	var sk sketch
	haveSketch := true
	covered := map[int]bool{}
	for n, s := range sums {
		s.normalize()
		if err := sameCampaign(out, s, true); err != nil {
			return Summary{}, fmt.Errorf("campaign: summary %d: %w", n+1, err)
		}
		shards := s.Shards
		if len(shards) == 0 {
			shards = []int{s.Shard.Index}
		}
		for _, i := range shards {
			if covered[i] {
				return Summary{}, fmt.Errorf("campaign: shard %d/%d appears twice", i, out.Shard.Count)
			}
			covered[i] = true
		}
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
		for _, r := range s.ByStrategy {
			row := out.row(r.Strategy)
			row.Executions += r.Executions
			row.Steps += r.Steps
			for p, v := range r.Violations {
				row.Violations[p] += v
			}
		}
		if len(s.DistinctSketch) == sketchSize {
			var o sketch
			copy(o[:], s.DistinctSketch)
			sk.merge(&o)
		} else {
			haveSketch = false
		}
		if s.PCT != nil {
			if out.PCT == nil {
				out.PCT = &PCTSummary{K: s.PCT.K}
			}
			out.PCT.K = max(out.PCT.K, s.PCT.K)
			out.PCT.MaxSteps = max(out.PCT.MaxSteps, s.PCT.MaxSteps)
			out.PCT.MaxThreads = max(out.PCT.MaxThreads, s.PCT.MaxThreads)
		}
		if x := s.Exhaustive; x != nil {
			if out.Exhaustive == nil {
				out.Exhaustive = &ExhaustiveSummary{Preemptions: x.Preemptions, SchedulesPerProgram: x.SchedulesPerProgram}
			}
			y := out.Exhaustive
			y.Programs += x.Programs
			y.ProgramsExhausted += x.ProgramsExhausted
			y.ProgramsBoundHit += x.ProgramsBoundHit
			y.Schedules += x.Schedules
			y.Reruns += x.Reruns
		}
	}
	if y := out.Exhaustive; y != nil {
		y.Exhausted = y.ProgramsExhausted == y.Programs
	}
	for i := range covered {
		out.Shards = append(out.Shards, i)
	}
	slices.Sort(out.Shards)
	sort.SliceStable(out.Violations, func(a, b int) bool { return out.Violations[a].Index < out.Violations[b].Index })
	out.Timeline = mergeTimelines(sums)
	if haveSketch {
		out.DistinctSketch = sk[:]
	}
	out.finish()
	return out, nil
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
