package kernel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
)

// CampaignConfig says what a kernel campaign runs.
type CampaignConfig struct {
	Seed uint64
	// Duration bounds the campaign; so does Executions (0: no bound). With
	// neither, it runs DefaultExecutions.
	Duration   time.Duration
	Executions int
	// ExecSeed gives the seed of program i (campaign.ExecSeed, so that
	// kernel and simulator campaigns draw the same programs).
	ExecSeed func(seed uint64, i int64) uint64
	// Save stores a history that broke a property and returns where. The
	// package leaves it to the caller, to depend on no trace writer.
	Save    func(seed uint64, p history.Program, h history.History, vs []properties.Violation) (string, error)
	Backend Options
	Gen     gen.Options
	// ExitScheme is the model's account of an exit the programs are judged
	// by (ParseExitScheme): "kernel" (model.ExitKernel, today's
	// cleanup_net; the default), "tag" (model.ExitTag, the seed design's
	// one-step exit, which today's kernel does not implement), or "drawn"
	// (ExitDrawn, as gen draws it).
	ExitScheme string
	Check      properties.Options
}

// DefaultExecutions is a campaign of a few seconds.
const DefaultExecutions = 200

// Summary is what a kernel campaign found.
type Summary struct {
	Seed       uint64  `json:"seed"`
	Histories  int     `json:"histories"`
	Operations int     `json:"operations"`
	ElapsedS   float64 `json:"elapsed_s"`
	OpsPerSec  float64 `json:"operations_per_s"`
	// Violating counts histories with at least one violation; ByProperty
	// counts violations by property.
	Violating  int                         `json:"violating_histories"`
	ByProperty map[properties.Property]int `json:"violations_by_property"`
	// KnownGaps counts the violating histories by the known model gap
	// whose pattern they show (KnownGap): consistent with it, but counted
	// and saved like any other. Unexplained counts the rest.
	KnownGaps   map[string]int `json:"violating_by_known_gap"`
	Unexplained int            `json:"violating_unexplained"`
	// Skipped counts the programs not run because they hold an operation
	// the backend does not drive, by that operation's kind.
	Skipped map[string]int `json:"skipped_by_operation"`
	// Unknown counts histories some property of which could not be decided.
	Unknown int `json:"unknown"`
	// Faults counts what the backend noticed itself (a namespace that did
	// not finish its teardown in time).
	Faults int      `json:"faults"`
	Traces []string `json:"traces"`
	// MedianMicros is the median duration of each kind of operation.
	MedianMicros map[string]float64 `json:"median_us"`
	ExitScheme   string             `json:"exit_scheme"`
	Interrupted  bool               `json:"interrupted"`
}

// Campaign runs generated concurrent programs on the kernel, one after
// another, checks each history with every property and saves each one that
// breaks a property. Program i is gen.Program of ExecSeed(Seed, i). A
// history cut short by ctx is dropped, not checked.
func Campaign(ctx context.Context, c CampaignConfig) (Summary, error) {
	c, err := c.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	k := newCampaignRun(c)
	err = k.loop(ctx)
	// The timings are the summary's whatever ended the campaign.
	k.finish()
	return k.s, err
}

// withDefaults rejects a configuration the campaign cannot run and fills
// in the defaults.
func (c CampaignConfig) withDefaults() (CampaignConfig, error) {
	if c.ExecSeed == nil || c.Save == nil {
		return c, errors.New("kernel campaign: ExecSeed and Save are required")
	}
	c.ExitScheme = cmp.Or(c.ExitScheme, model.ExitKernel.String())
	if _, _, err := ParseExitScheme(c.ExitScheme); err != nil {
		return c, fmt.Errorf("kernel campaign: %v", err)
	}
	if c.Duration == 0 && c.Executions == 0 {
		c.Executions = DefaultExecutions
	}
	if c.Check.LinearizabilityTimeout == 0 {
		c.Check.LinearizabilityTimeout = 10 * time.Second
	}
	return c, nil
}

// campaignRun is a kernel campaign under way.
type campaignRun struct {
	c      CampaignConfig
	scheme model.ExitScheme // the scheme programs are judged by, unless drawn
	drawn  bool
	s      Summary
	durs   map[string][]int64 // durations of the operations, by kind
	begin  time.Time
}

func newCampaignRun(c CampaignConfig) *campaignRun {
	s := Summary{Seed: c.Seed, ByProperty: map[properties.Property]int{}, KnownGaps: map[string]int{}, Skipped: map[string]int{}, Traces: []string{}, ExitScheme: c.ExitScheme}
	scheme, drawn, _ := ParseExitScheme(c.ExitScheme) // withDefaults checked it
	return &campaignRun{c: c, scheme: scheme, drawn: drawn, s: s, durs: map[string][]int64{}, begin: time.Now()}
}

// loop runs program after program until a bound, the end of ctx or an
// error.
func (k *campaignRun) loop(ctx context.Context) error {
	c := &k.c
	for i := int64(0); ; i++ {
		if c.Executions > 0 && i >= int64(c.Executions) || c.Duration > 0 && time.Since(k.begin) >= c.Duration {
			return nil
		}
		if ctx.Err() != nil {
			k.s.Interrupted = true
			return nil
		}
		seed, p := k.program(i)
		// A program the backend cannot drive is counted, not run.
		if kind, ok := Unsupported(p); ok {
			k.s.Skipped[kind]++
			continue
		}
		h, err := Run(ctx, p, c.Backend)
		if err != nil {
			// A history cut short by ctx is dropped, not checked.
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				k.s.Interrupted = true
				return nil
			}
			return fmt.Errorf("execution %d (seed %d): %w", i, seed, err)
		}
		k.record(h)
		if err := k.judge(seed, p, h); err != nil {
			return err
		}
	}
}

// program returns program i and its seed, with the exit scheme the
// campaign judges by.
func (k *campaignRun) program(i int64) (uint64, history.Program) {
	seed := k.c.ExecSeed(k.c.Seed, i)
	g := k.c.Gen
	g.NoUsers = true // the backend drives no user namespaces
	p := gen.Program(gen.NewRand(seed), g)
	if !k.drawn {
		p.Config.Exit = k.scheme
	}
	return seed, p
}

// record counts a history and the durations of its operations.
func (k *campaignRun) record(h history.History) {
	k.s.Histories++
	k.s.Operations += len(h.Records)
	k.s.Faults += len(h.Faults)
	for _, r := range h.Records {
		k.durs[r.Op.Kind.String()] = append(k.durs[r.Op.Kind.String()], r.Return-r.Call)
	}
}

// judge checks h with every property, counts its violations and saves it
// if it breaks one.
func (k *campaignRun) judge(seed uint64, p history.Program, h history.History) error {
	s := &k.s
	rep := properties.Check(h, k.c.Check)
	if len(rep.Unknown) > 0 {
		s.Unknown++
	}
	if len(rep.Violations) == 0 {
		return nil
	}
	s.Violating++
	if g := KnownGap(h); g != "" {
		s.KnownGaps[g]++
	} else {
		s.Unexplained++
	}
	for _, v := range rep.Violations {
		s.ByProperty[v.Property]++
	}
	path, err := k.c.Save(seed, p, h, rep.Violations)
	if err != nil {
		return err
	}
	s.Traces = append(s.Traces, path)
	return nil
}

// finish records the elapsed time, the rate and the median duration of
// each kind of operation.
func (k *campaignRun) finish() {
	s := &k.s
	el := time.Since(k.begin)
	s.ElapsedS = el.Seconds()
	if el > 0 {
		s.OpsPerSec = float64(s.Operations) / el.Seconds()
	}
	s.MedianMicros = map[string]float64{}
	for kind, d := range k.durs {
		slices.Sort(d)
		s.MedianMicros[kind] = float64(d[len(d)/2]) / 1e3
	}
}
