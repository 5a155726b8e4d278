package campaign

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// SummaryFile is the name of a campaign directory's summary.
const SummaryFile = "summary.json"

// Found is a violation found by a campaign.
type Found struct {
	Property properties.Property `json:"property"`
	Detail   string              `json:"detail"`
	// Seed is the execution's seed (ExecSeed of the campaign seed and
	// Index): with the strategy it names the program and the schedule.
	Seed uint64 `json:"seed"`
	// Trace is the trace reported: shrunk unless shrinking was off or
	// failed. Replay is the command that re-executes it.
	Trace  string `json:"trace"`
	Replay string `json:"replay"`
	// Index is the execution index in the campaign (for "exhaustive", the
	// program index); Strategy the strategy that ran it ("pct:3", ...,
	// "exhaustive:2" with its preemption bound), for people to read.
	Index    int64  `json:"index"`
	Strategy string `json:"strategy"`
	// Original is the trace as found, when Trace is its shrunk version;
	// Shrink says what shrinking did.
	Original string `json:"original,omitempty"`
	Shrink   string `json:"shrink,omitempty"`
	// HTML is the visualization of Trace (sysfsim viz), if written.
	HTML string `json:"html,omitempty"`
	// Schedule is, for "exhaustive", the number of the schedule of the
	// program that violated the property.
	Schedule int64 `json:"schedule,omitempty"`
}

// StrategyRow counts the executions one strategy ran (a portfolio counts
// per member) and the violations they found, per property. An execution
// violating two properties counts once under each.
type StrategyRow struct {
	Strategy   sched.StrategyName            `json:"strategy"`
	Executions int64                         `json:"executions"`
	Steps      int64                         `json:"steps"`
	Violations map[properties.Property]int64 `json:"violations"`
}

// Sample is a point of the campaign's timeline: cumulated figures at T
// seconds of campaign time (the runs of a directory follow each other).
type Sample struct {
	T          float64 `json:"t_s"`
	Executions int64   `json:"executions"`
	Violations int64   `json:"violations"`
}

// PCTSummary gives the guarantee of PCT executions: each one hits a given
// bug of depth d with probability at least 1/(n*k^(d-1)), for n the
// threads and k the steps of the longest execution seen.
type PCTSummary struct {
	// K is the step estimate the strategy drew change points from: the
	// most steps of probe executions (random walks of the first
	// CalibrationRuns programs of the campaign).
	K          int            `json:"k"`
	MaxThreads int            `json:"max_threads"`
	MaxSteps   int            `json:"max_steps"`
	Guarantees []PCTGuarantee `json:"guarantees"`
}

// PCTGuarantee is the per-execution probability bound for one depth.
type PCTGuarantee struct {
	Depth int     `json:"depth"`
	Bound float64 `json:"bound"`
}

// ExhaustiveSummary says what the bounded search covered.
type ExhaustiveSummary struct {
	Preemptions int `json:"preemptions"`
	// SchedulesPerProgram is the budget of checked schedules per program.
	SchedulesPerProgram int   `json:"schedules_per_program"`
	Programs            int64 `json:"programs"`
	// ProgramsExhausted counts programs whose every schedule within the
	// bound was covered; Exhausted is set when all were.
	ProgramsExhausted int64 `json:"programs_exhausted"`
	// ProgramsBoundHit counts programs with schedules beyond the bound.
	ProgramsBoundHit int64 `json:"programs_bound_hit"`
	// ProgramsViolated counts programs whose search stopped at a
	// violation, before its space or its budget ran out (absent from
	// summaries written before it was recorded).
	ProgramsViolated int64 `json:"programs_violated"`
	Schedules        int64 `json:"schedules"`
	// Reruns counts executions run again (unchecked) by the iterative
	// deepening of the bound, or abandoned part way.
	Reruns    int64 `json:"reruns"`
	Exhausted bool  `json:"exhausted"`
	// Method is the search: "dpor" (source-DPOR, without a bound) or
	// "sleep-sets" (sleep sets within the bound, deepened level by
	// level); empty in summaries written before it was recorded.
	Method string `json:"method,omitempty"`
	// Traces counts the Mazurkiewicz traces DPOR explored: every
	// schedule it checked is one, none equivalent to another of its
	// program. Zero for the sleep-set search, which does not count them.
	Traces int64 `json:"traces,omitempty"`
	// Certificates says, program by program, what the search covered.
	Certificates []Certificate `json:"certificates,omitempty"`
}

// Certificate is what the exhaustive search covered of one program.
type Certificate struct {
	// Program is the program's index in the campaign, Seed its seed.
	Program int64  `json:"program"`
	Seed    uint64 `json:"seed"`
	// Schedules counts the checked schedules; under DPOR, Traces counts
	// them too, as pairwise inequivalent executions.
	Schedules int64 `json:"schedules"`
	Traces    int64 `json:"traces,omitempty"`
	// Exhausted: every schedule (within the bound, if any) was covered,
	// up to equivalence, with no violation found; BoundHit: some lay
	// beyond the bound.
	Exhausted bool `json:"exhausted"`
	BoundHit  bool `json:"bound_hit,omitempty"`
}

// Summary is a campaign's result, and the content of summary.json.
type Summary struct {
	Seed        uint64     `json:"seed"`
	Bugs        sim.BugSet `json:"bugs"`
	Executions  int64      `json:"executions"`
	Steps       int64      `json:"steps"`
	ElapsedS    float64    `json:"elapsed_s"`
	StepsPerSec float64    `json:"steps_per_s"`
	ExecsPerSec float64    `json:"executions_per_s"`
	// Unknown counts executions some property of which could not be
	// decided in time; they are not counted as passing.
	Unknown int `json:"unknown"`
	// Violations are the violations saved, in index order.
	Violations []Found `json:"violations"`
	// Interrupted is set when the context ended the campaign early.
	Interrupted bool `json:"interrupted"`

	// Identity: what a resumed run must agree with.
	Strategy sched.StrategyName `json:"strategy"`
	Gen      gen.Options        `json:"gen"`
	// Program is the fixed program of every execution (Config.Program),
	// absent when programs are generated.
	Program *history.Program `json:"program,omitempty"`
	Shard   Shard            `json:"shard"`
	// Guided is Config.Guided; GuideCorpus the execution indices of its
	// corpus, from which a resumed run rebuilds it.
	Guided      bool    `json:"guided,omitempty"`
	GuideCorpus []int64 `json:"guide_corpus,omitempty"`
	// Shards lists the shard indices a merged summary covers; a merged
	// summary cannot be resumed.
	Shards     []int    `json:"shards,omitempty"`
	MergedFrom []string `json:"merged_from,omitempty"`

	// Settings: how the last run went about it (Config's fields of the
	// same names). They are not identity: a resumed run takes them from
	// here unless told otherwise. Summaries written before they were
	// recorded hold their zero values, which say nothing: a resumed run
	// then takes its command line's (MaxViolations 0 is "not recorded").
	KeepGoing     bool `json:"keep_going"`
	MaxViolations int  `json:"max_violations"`
	NoShrink      bool `json:"no_shrink"`

	// NextIndex is the execution index (program index for "exhaustive")
	// the campaign resumes at: every index of the shard below it ran.
	NextIndex int64 `json:"next_index"`
	// Runs counts the runs of the campaign directory; RunExecutions are
	// this run's, Workers its workers. A merged summary adds up its
	// shards' (Merged, Coverage).
	Runs          int   `json:"runs"`
	RunExecutions int64 `json:"run_executions"`
	Workers       int   `json:"workers"`
	// Stopped says why the last run ended: "executions", "time",
	// "violation", "interrupted" or "error".
	Stopped string `json:"stopped"`
	// ViolationCount counts violating executions, saved or not.
	ViolationCount int64 `json:"violation_count"`
	// DistinctSchedules estimates (HyperLogLog, about 1.6% error) how many
	// distinct schedules ran; DistinctSketch is the estimator's state.
	DistinctSchedules int64  `json:"distinct_schedules"`
	DistinctSketch    []byte `json:"distinct_sketch,omitempty"`

	ByStrategy []StrategyRow      `json:"by_strategy"`
	PCT        *PCTSummary        `json:"pct,omitempty"`
	Exhaustive *ExhaustiveSummary `json:"exhaustive,omitempty"`
	Timeline   []Sample           `json:"timeline"`
	// StateCoverage is what the campaign reached of the simulator's state
	// space; nil in a summary written before it was recorded.
	StateCoverage *CoverageSummary `json:"coverage,omitempty"`
}

// LoadSummary reads DIR/summary.json. An absent file is reported with an
// error satisfying errors.Is(err, fs.ErrNotExist).
func LoadSummary(dir string) (Summary, error) {
	var s Summary
	b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s%s: %v", filepath.Join(dir, SummaryFile), jsonLine(b, err), err)
	}
	if err := s.checkCounts(); err != nil {
		return s, fmt.Errorf("%s: %v", filepath.Join(dir, SummaryFile), err)
	}
	// Every campaign summary names its strategy; one that names none is
	// not a campaign's (a kernel campaign's summary.json, say), and read
	// as one it would be an empty campaign.
	if s.Strategy == "" {
		return s, fmt.Errorf("%s: not a campaign summary: it names no strategy (sysfsim kernel writes such a file)", filepath.Join(dir, SummaryFile))
	}
	if err := readLegacyGen(b, &s); err != nil {
		return s, fmt.Errorf("%s: %v", filepath.Join(dir, SummaryFile), err)
	}
	s.normalize()
	return s, nil
}

// jsonLine returns ":N", the line of b where the decoding error err
// lies, or "" when err names no place.
func jsonLine(b []byte, err error) string {
	var off int64
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		off = syntax.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	default:
		return ""
	}
	return fmt.Sprintf(":%d", 1+bytes.Count(b[:min(off, int64(len(b)))], []byte("\n")))
}

// checkCounts rejects a summary whose counts no campaign writes: a
// negative one, which a merge would add to the others.
func (s *Summary) checkCounts() error {
	for _, c := range []struct {
		name string
		n    int64
	}{{"executions", s.Executions}, {"next_index", s.NextIndex}, {"run_executions", s.RunExecutions}, {"violation_count", s.ViolationCount}} {
		if c.n < 0 {
			return fmt.Errorf("%q is %d: a count is never negative", c.name, c.n)
		}
	}
	return nil
}

// legacyGen is the gen block as summaries spelled it before its keys were
// snake_case: Go's field names (MinThreads, ...), as encoding/json writes
// an untagged gen.Options. Campaign directories in use still hold it.
type legacyGen struct {
	MinThreads    int
	MaxThreads    int
	MaxOps        int
	MaxNamespaces int
	NoUsers       bool
}

// readLegacyGen sets s.Gen from the summary b when b spells the gen block
// the old way. Either spelling leaves the other's fields zero, and an
// all-zero block means the same in both.
func readLegacyGen(b []byte, s *Summary) error {
	var old struct {
		Gen legacyGen `json:"gen"`
	}
	if err := json.Unmarshal(b, &old); err != nil {
		return err
	}
	if old.Gen != (legacyGen{}) {
		s.Gen = gen.Options(old.Gen)
	}
	return nil
}

// HasSummary reports whether dir holds a campaign summary.
func HasSummary(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, SummaryFile))
	return !errors.Is(err, fs.ErrNotExist)
}

// SaveSummary writes DIR/summary.json atomically.
func SaveSummary(dir string, s Summary) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, SummaryFile), append(b, '\n'))
}

func (s *Summary) normalize() {
	if s.Bugs == nil {
		s.Bugs = sim.BugSet{}
	}
	if s.Violations == nil {
		s.Violations = []Found{}
	}
	if s.ByStrategy == nil {
		s.ByStrategy = []StrategyRow{}
	}
	if s.Timeline == nil {
		s.Timeline = []Sample{}
	}
	if s.Shard.Count == 0 {
		s.Shard.Count = 1
	}
}

// sameCampaign reports why a and b are not runs (or shards, if
// ignoreShard) of one campaign.
func sameCampaign(a, b Summary, ignoreShard bool) error {
	diff := func(what string, x, y any) error {
		return fmt.Errorf("%w: %s %v, not %v", ErrMismatch, what, x, y)
	}
	switch {
	case a.Seed != b.Seed:
		return diff("seed", a.Seed, b.Seed)
	case !slices.Equal(a.Bugs, b.Bugs):
		return diff("bugs", a.Bugs, b.Bugs)
	case a.Strategy != b.Strategy:
		return diff("strategy", a.Strategy, b.Strategy)
	case a.Gen != b.Gen:
		return diff("generator options", a.Gen, b.Gen)
	case !sameProgram(a.Program, b.Program):
		return fmt.Errorf("%w: another fixed program (or none)", ErrMismatch)
	case a.Guided != b.Guided:
		return diff("guided", a.Guided, b.Guided)
	case !ignoreShard && a.Shard != b.Shard:
		return diff("shard", a.Shard, b.Shard)
	case ignoreShard && a.Shard.Count != b.Shard.Count:
		return diff("shard count", a.Shard.Count, b.Shard.Count)
	}
	if a.Exhaustive != nil && b.Exhaustive != nil {
		x, y := a.Exhaustive, b.Exhaustive
		if x.Preemptions != y.Preemptions {
			return diff("preemption bound", x.Preemptions, y.Preemptions)
		}
		if x.SchedulesPerProgram != y.SchedulesPerProgram {
			return diff("schedules per program", x.SchedulesPerProgram, y.SchedulesPerProgram)
		}
	}
	return nil
}

// row returns the row of strategy name, adding it in order if needed.
func (s *Summary) row(name sched.StrategyName) *StrategyRow {
	for i := range s.ByStrategy {
		if s.ByStrategy[i].Strategy == name {
			return &s.ByStrategy[i]
		}
	}
	s.ByStrategy = append(s.ByStrategy, StrategyRow{Strategy: name, Violations: map[properties.Property]int64{}})
	slices.SortFunc(s.ByStrategy, func(a, b StrategyRow) int { return cmp.Compare(a.Strategy, b.Strategy) })
	for i := range s.ByStrategy {
		if s.ByStrategy[i].Strategy == name {
			return &s.ByStrategy[i]
		}
	}
	panic("unreachable")
}

// finish computes the derived figures.
func (s *Summary) finish() {
	if s.ElapsedS > 0 {
		s.StepsPerSec = float64(s.Steps) / s.ElapsedS
		s.ExecsPerSec = float64(s.Executions) / s.ElapsedS
	}
	if len(s.DistinctSketch) == sketchSize {
		var h sketch
		copy(h[:], s.DistinctSketch)
		s.DistinctSchedules = h.estimate()
	}
	if s.PCT != nil {
		s.PCT.Guarantees = s.PCT.Guarantees[:0]
		for _, d := range pctDepths(s) {
			s.PCT.Guarantees = append(s.PCT.Guarantees, PCTGuarantee{Depth: d, Bound: pctBound(s.PCT.MaxThreads, s.PCT.MaxSteps, d)})
		}
	}
}

// Properties returns the properties violated anywhere in s, in the order
// of properties.Names first, then any other.
func (s Summary) Properties() []properties.Property {
	seen := map[properties.Property]bool{}
	for _, r := range s.ByStrategy {
		for p := range r.Violations {
			seen[p] = true
		}
	}
	var out []properties.Property
	for _, p := range propertyOrder {
		if seen[p] {
			out = append(out, p)
			delete(seen, p)
		}
	}
	var rest []properties.Property
	for p := range seen {
		rest = append(rest, p)
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// sameProgram reports whether two campaigns run the same fixed program,
// or both generated ones: by their JSON, the form the summary keeps.
func sameProgram(a, b *history.Program) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, errX := json.Marshal(a)
	y, errY := json.Marshal(b)
	return errX == nil && errY == nil && bytes.Equal(x, y)
}
