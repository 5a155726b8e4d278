// Package campaign runs many executions of generated programs on the
// simulator, checks each with every property, and saves the trace of the
// first violation found.
//
// Execution i of a campaign with seed S uses its own seed, derived from S
// and i, for both its program and its schedule: a violation is reproducible
// from that seed alone, and the campaign is the same whatever the machine.
package campaign

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
	"github.com/sysfsim/sysfsim/traces"
)

// Config says what to run.
type Config struct {
	Seed uint64
	// Executions bounds the campaign; so does Duration. With neither, it
	// runs DefaultExecutions.
	Executions int
	Duration   time.Duration
	Bugs       sim.BugSet
	// OutDir receives the traces of violations; it is created if needed.
	OutDir string
	Gen    gen.Options
	Check  properties.Options
	// Progress, if set, is called about every ProgressEvery with the
	// figures so far.
	Progress      func(Stats)
	ProgressEvery time.Duration
}

// DefaultExecutions is a campaign of a few seconds on one core.
const DefaultExecutions = 20000

// Stats are a campaign's running figures.
type Stats struct {
	Executions int64
	Steps      int64
	Elapsed    time.Duration
	Violations int
	Unknown    int
}

// Found is a violation found by a campaign.
type Found struct {
	Property string `json:"property"`
	Detail   string `json:"detail"`
	Seed     uint64 `json:"seed"`
	Trace    string `json:"trace"`
	Replay   string `json:"replay"`
}

// Summary is a campaign's result.
type Summary struct {
	Seed        uint64   `json:"seed"`
	Bugs        []string `json:"bugs"`
	Executions  int64    `json:"executions"`
	Steps       int64    `json:"steps"`
	ElapsedS    float64  `json:"elapsed_s"`
	StepsPerSec float64  `json:"steps_per_s"`
	ExecsPerSec float64  `json:"executions_per_s"`
	// Unknown counts executions some property of which could not be
	// decided in time; they are not counted as passing.
	Unknown    int     `json:"unknown"`
	Violations []Found `json:"violations"`
	// Interrupted is set when the context ended the campaign early.
	Interrupted bool `json:"interrupted"`
}

// ExecSeed derives the seed of execution i (splitmix64).
func ExecSeed(seed uint64, i int64) uint64 {
	z := seed + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// One runs the execution of seed s and checks it.
func One(s uint64, bugs sim.BugSet, g gen.Options, co properties.Options) (*traces.Trace, properties.Report, sim.Execution) {
	p := gen.Program(gen.NewRand(s), g)
	opt := sim.Options{Bugs: bugs}
	x := sim.Run(p, sched.NewRandom(s), opt)
	r := properties.Check(x.History, co)
	return traces.FromExecution(p, s, "random", opt, x, r.Violations), r, x
}

// Run runs the campaign until its bound, its first violation, or the end
// of ctx.
func Run(ctx context.Context, c Config) (Summary, error) {
	if c.Executions == 0 && c.Duration == 0 {
		c.Executions = DefaultExecutions
	}
	if c.ProgressEvery == 0 {
		c.ProgressEvery = 200 * time.Millisecond
	}
	sum := Summary{Seed: c.Seed, Bugs: c.Bugs, Violations: []Found{}}
	if sum.Bugs == nil {
		sum.Bugs = []string{}
	}
	start := time.Now()
	nextProgress := start.Add(c.ProgressEvery)
	var st Stats
	for i := int64(0); c.Executions == 0 || i < int64(c.Executions); i++ {
		now := time.Now()
		if c.Duration > 0 && now.Sub(start) >= c.Duration {
			break
		}
		if ctx.Err() != nil {
			sum.Interrupted = true
			break
		}
		if c.Progress != nil && now.After(nextProgress) {
			st.Elapsed = now.Sub(start)
			c.Progress(st)
			nextProgress = now.Add(c.ProgressEvery)
		}
		s := ExecSeed(c.Seed, i)
		tr, rep, x := One(s, c.Bugs, c.Gen, c.Check)
		st.Executions++
		st.Steps += int64(x.Steps)
		if len(rep.Unknown) > 0 {
			st.Unknown++
		}
		if len(rep.Violations) > 0 {
			path, err := save(c.OutDir, tr)
			if err != nil {
				return sum, err
			}
			v := rep.Violations[0]
			sum.Violations = append(sum.Violations, Found{
				Property: v.Property, Detail: v.Detail, Seed: s, Trace: path,
				Replay: "sysfsim replay " + path,
			})
			st.Violations++
			break
		}
	}
	st.Elapsed = time.Since(start)
	if c.Progress != nil {
		c.Progress(st)
	}
	sum.Executions, sum.Steps, sum.Unknown = st.Executions, st.Steps, st.Unknown
	sum.ElapsedS = st.Elapsed.Seconds()
	if sum.ElapsedS > 0 {
		sum.StepsPerSec = float64(st.Steps) / sum.ElapsedS
		sum.ExecsPerSec = float64(st.Executions) / sum.ElapsedS
	}
	return sum, nil
}

func save(dir string, t *traces.Trace) (string, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "sysfsim-")
		if err != nil {
			return "", err
		}
		dir = d
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	prop := "violation"
	if len(t.Violations) > 0 {
		prop = t.Violations[0].Property
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%016x.jsonl", prop, t.Header.Seed))
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return path, traces.WriteFile(path, t)
}
