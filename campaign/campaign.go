// Package campaign runs many executions of generated programs on the
// simulator, checks each with every property, and saves the traces of the
// violations found.
//
// Execution i of a campaign with seed S uses its own seed, ExecSeed(S, i),
// for both its program and its schedule: a violation is reproducible from
// that seed alone, and the campaign is the same whatever the machine.
//
// Workers take execution indices from a shared counter, and results are
// committed in index order, so that a campaign stopped by its first
// violation reports the violation of smallest index, and the same counts,
// whatever the number of workers and GOMAXPROCS. A campaign directory
// (Config.OutDir) holds summary.json, the traces and their visualizations;
// a later run with the same directory resumes after the last committed
// index. Shards (Config.Shard) split the index space between machines;
// Merge folds their summaries into one.
package campaign

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
	"github.com/sysfsim/sysfsim/traces"
)

// Config says what to run.
type Config struct {
	Seed uint64
	// Executions bounds this run; so does Duration. With neither, it runs
	// DefaultExecutions. A resumed campaign runs that many more.
	Executions int
	Duration   time.Duration
	Bugs       sim.BugSet
	// OutDir is the campaign directory: summary.json, the traces of the
	// violations and their HTML visualizations. It is created if needed;
	// if it holds a summary.json already, the campaign resumes it (the
	// identity -- seed, bugs, strategy, generator, shard -- must match).
	// Empty means no summary, and traces in a new temporary directory
	// created at the first violation.
	OutDir string
	Gen    gen.Options
	// Program, when set, is the program of every execution instead of a
	// generated one (Gen is then unused): a litmus test or the program of
	// a trace, run under the campaign's strategy, each execution with its
	// own schedule seed. It is part of the campaign's identity.
	Program *history.Program
	Check   properties.Options

	// Strategy is "random", "pct" (depth sched.DefaultPCTDepth), "pct:D",
	// "pos", "surw", "portfolio" or "exhaustive" (sched.ParseStrategy reads
	// one); empty
	// means DefaultStrategy.
	Strategy sched.StrategyName
	// Preemptions is the preemption bound of "exhaustive": 0 allows only
	// schedules without preemption, a negative value lifts the bound. The
	// command line defaults it to DefaultPreemptions.
	Preemptions int
	// Schedules is the budget of checked schedules per program of
	// "exhaustive"; 0 means DefaultSchedules.
	Schedules int

	// Guided steers the campaign toward the coverage it has not reached
	// (see guide): executions start from earlier ones that reached new
	// points, their programs mutated or their schedules replayed in part.
	// An execution is then no longer named by its seed alone, but by the
	// campaign's seed and its index; its trace holds its program and
	// schedule, as always. Not for "exhaustive".
	Guided bool

	// Workers run executions in parallel; 0 means GOMAXPROCS.
	Workers int
	// Shard restricts the campaign to its part of the index space.
	Shard Shard
	// KeepGoing continues after violations, saving the traces of up to
	// MaxViolations of them (0: DefaultMaxViolations) and counting the
	// rest. Without it the campaign stops at its first violation.
	KeepGoing     bool
	MaxViolations int
	// NoShrink saves violations as found; by default each is shrunk too
	// (traces.Shrink) and the shrunk trace is the one reported.
	NoShrink bool
	// NoViz skips the HTML visualization of each violation.
	NoViz bool
	// Command is how the commands the campaign writes (each violation's
	// Replay) name the sysfsim program; empty means "sysfsim". The
	// command line sets it to 'go run ./cmd/sysfsim' when it runs so.
	Command string

	// Progress, if set, is called about every ProgressEvery with the
	// figures so far, and once at the end.
	Progress      func(Stats)
	ProgressEvery time.Duration
	// SaveEvery is how often summary.json is rewritten during a run, so
	// that a killed run loses little; 0 means 10s.
	SaveEvery time.Duration

	// goroutineBaseline runs the simulated threads as goroutines
	// (sim.Options.GoroutineBaseline), for BenchmarkCampaign to compare.
	goroutineBaseline bool
}

// DefaultExecutions is a campaign of a few seconds on one core.
const DefaultExecutions = 20000

// DefaultStrategy is the strategy of a campaign that names none.
const DefaultStrategy = sched.StrategyPortfolio

// Exhaustive names the bounded systematic search strategy.
const Exhaustive = sched.StrategyExhaustive

// DefaultSchedules is the budget of checked schedules per program of an
// exhaustive campaign.
const DefaultSchedules = 1000

// DefaultPreemptions is the command line's preemption bound for
// "exhaustive": none. Without a bound the search is source-DPOR with its
// branches taken cheapest first (sched.Explore): each Mazurkiewicz trace
// checked once, the schedules with fewer preemptions first, as the
// bounded search deepened level by level (the default until session 7,
// bound 2) had them, without its reruns.
const DefaultPreemptions = sched.Unbounded

// DefaultMaxViolations bounds the traces a --keep-going campaign saves.
const DefaultMaxViolations = 100

// Stats are a campaign's running figures (this run and earlier ones).
type Stats struct {
	Executions int64
	Steps      int64
	Elapsed    time.Duration
	Violations int
	Unknown    int
	// Distinct estimates the distinct schedules run so far.
	Distinct int64
	// Left estimates the time left, or is negative when unknown.
	Left time.Duration
	// RunElapsed and RunSteps are this run's alone, for rates.
	RunElapsed time.Duration
	RunSteps   int64
}

// ErrMismatch is wrapped by the error of a campaign whose directory holds
// a campaign of another identity.
var ErrMismatch = errors.New("the directory holds another campaign")

// ExecSeed derives the seed of execution i (splitmix64).
func ExecSeed(seed uint64, i int64) uint64 {
	z := seed + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// program returns the program of the execution of seed s: the fixed
// Program, or the one Gen draws from s. The fixed one is shared by every
// execution; the simulator does not change a program it runs.
func (c *Config) program(s uint64) history.Program {
	if c.Program != nil {
		return *c.Program
	}
	return gen.Program(gen.NewRand(s), c.Gen)
}

// One runs the execution of seed s under a random walk and checks it.
func One(s uint64, bugs sim.BugSet, g gen.Options, co properties.Options) (*traces.Trace, properties.Report, sim.Execution) {
	p := gen.Program(gen.NewRand(s), g)
	opt := sim.Options{Bugs: bugs}
	x := sim.Run(p, sched.NewRandom(s), opt)
	r := properties.Check(x.History, co)
	return traces.FromExecution(p, s, "random", opt, x, r.Violations), r, x
}

// Run runs the campaign until its bound, its first violation (unless
// KeepGoing), or the end of ctx. The summary covers the whole campaign
// directory, earlier runs included. An error is returned for a bad
// configuration, a directory of another campaign (ErrMismatch) or a
// failure to write; the summary then holds what was done.
func Run(ctx context.Context, c Config) (Summary, error) {
	if c.Executions < 0 || c.Duration < 0 {
		return Summary{}, fmt.Errorf("campaign: negative bound")
	}
	if c.Executions == 0 && c.Duration == 0 {
		c.Executions = DefaultExecutions
	}
	if c.Strategy == "" {
		c.Strategy = DefaultStrategy
	}
	defer tuneGC()()
	if c.Guided && c.Strategy == Exhaustive {
		return Summary{}, fmt.Errorf("campaign: a guided campaign draws its programs from its coverage; an exhaustive one searches each program it draws")
	}
	if c.Guided && c.Program != nil {
		return Summary{}, fmt.Errorf("campaign: a guided campaign draws its programs from its coverage; Program fixes one")
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.Schedules <= 0 {
		c.Schedules = DefaultSchedules
	}
	if c.MaxViolations <= 0 {
		c.MaxViolations = DefaultMaxViolations
	}
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = 200 * time.Millisecond
	}
	if c.SaveEvery <= 0 {
		c.SaveEvery = 10 * time.Second
	}
	if err := c.Shard.Valid(); err != nil {
		return Summary{}, err
	}
	st, err := sched.ParseStrategy(string(c.Strategy))
	if err != nil {
		return Summary{}, fmt.Errorf("campaign: %w", err)
	}
	c.Strategy = st
	r := newRunner(c)
	sum, err := r.start()
	if err != nil {
		return sum, err
	}
	return r.run(ctx)
}
