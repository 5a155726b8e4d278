package litmus

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/kernel"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
)

// KernelOptions say how a test runs on the real kernel.
type KernelOptions struct {
	// Runs is the number of runs, each in fresh namespaces.
	Runs int
	// Delay, when positive, makes each thread wait a random time below
	// it before each operation (kernel.Options.Delay); Seed seeds the
	// waits, run i with Seed+i.
	Delay time.Duration
	Seed  uint64
}

// KernelReport is what N runs of a test on the kernel showed, beside the
// outcomes the model allows, as klitmus7 prints a test's histogram.
type KernelReport struct {
	Name      string `json:"name"`
	Condition string `json:"condition"`
	// Skipped, when set, says why the test was not run: the kernel
	// backend cannot express one of its operations or its initial state.
	Skipped  string          `json:"skipped,omitempty"`
	Runs     int             `json:"runs"`
	Outcomes []KernelOutcome `json:"outcomes"`
	Positive int             `json:"positive"`
	Negative int             `json:"negative"`
	// Observation is over the runs; Expect is what the file states for
	// the kernel ("expect Sometimes on kernel"), else its plain
	// expectation.
	Observation Observation `json:"observation,omitempty"`
	Expect      Observation `json:"expect,omitempty"`
	// ModelOutcomes are the outcomes the specification allows; KernelOnly
	// the kernel's outcomes it forbids (a kernel behaviour that
	// kernel/DIFFERENCES.md should document, or a model bug);
	// NeverObserved the allowed outcomes no run showed.
	ModelOutcomes    []string      `json:"model_outcomes"`
	ModelObservation Observation   `json:"model_observation"`
	KernelOnly       []string      `json:"kernel_only,omitempty"`
	NeverObserved    []string      `json:"never_observed,omitempty"`
	Elapsed          time.Duration `json:"elapsed_ns"`
}

// KernelOutcome is one distinct outcome of the kernel runs.
type KernelOutcome struct {
	Outcome string `json:"outcome"`
	Runs    int    `json:"runs"`
	Holds   bool   `json:"holds"`
	// Allowed says whether the model allows it.
	Allowed bool `json:"allowed"`
}

// Matches reports whether the runs showed the expected observation; a
// skipped test matches.
func (r *KernelReport) Matches() bool {
	return r.Skipped != "" || r.Expect == "" || r.Expect == r.Observation
}

// RunKernel runs t o.Runs times on the kernel, each run in fresh unnamed
// namespaces with its threads released together (kernel.Backend.Run),
// and compares the outcomes with the model's. The caller must be able to
// drive the kernel (kernel.Probe); an error means the backend failed, not
// the test. A test the backend cannot express is returned skipped.
func RunKernel(ctx context.Context, t *Test, o KernelOptions) (*KernelReport, error) {
	start := time.Now()
	r := &KernelReport{Name: t.Name, Condition: string(t.Quant) + " " + t.Cond.String(), Expect: t.KernelExpected()}
	if why := kernel.CannotRun(t.Program); why != "" {
		r.Skipped = why
		return r, nil
	}
	counts, outs := map[string]int{}, map[string]Outcome{}
	for i := range o.Runs {
		ko := kernel.Options{Delay: o.Delay, DelaySeed: o.Seed + uint64(i), ReaddirBuffer: oneEntry}
		out, err := runKernelOnce(ctx, t, ko)
		if err != nil {
			return nil, fmt.Errorf("%s: run %d: %w", t.Name, i+1, err)
		}
		counts[out.String()]++
		outs[out.String()] = out
		r.Runs++
	}
	r.compare(t, RunModel(t), counts, outs)
	r.Elapsed = time.Since(start)
	return r, nil
}

// oneEntry is a getdents buffer that holds one entry of a name of up to
// 12 bytes (a linux_dirent64 is 19 bytes and the name with its NUL,
// rounded up to 8), so that a listing takes one getdents call per entry,
// each its own critical section, as in the simulator (whose getdents
// returns one entry); longer names take a larger buffer.
const oneEntry = 32

// runKernelOnce runs t once in a backend of its own and reads its
// outcome: the bound results, the final view through each mount before
// the namespaces go, and the properties the condition names, checked on
// the history.
func runKernelOnce(ctx context.Context, t *Test, ko kernel.Options) (Outcome, error) {
	b, err := kernel.New(t.Program.Config, ko)
	if err != nil {
		return Outcome{}, err
	}
	defer b.Close()
	h, err := b.Run(ctx, t.Program)
	if err != nil {
		return Outcome{}, err
	}
	renumber(h)
	violated := map[string]bool{}
	for _, p := range violations(t.Cond) {
		vs, err := properties.CheckProperty(h, properties.Property(p), properties.Options{})
		if err != nil {
			return Outcome{}, err
		}
		violated[p] = len(vs) > 0
	}
	return outcomeAt(t, simResults(t, h), b.Exists, violated), nil
}

// renumber gives the kernel's ifindexes the model's numbers (from 1), so
// that reads compare.
func renumber(h history.History) {
	for i := range h.Records {
		r := &h.Records[i]
		if r.Op.Kind == model.Create && r.Op.Index != 0 {
			r.Op.Index -= kernel.FirstIndex - 1
		}
		if r.Result.Index != 0 {
			r.Result.Index -= kernel.FirstIndex - 1
		}
	}
}

// compare fills in the histogram, the observation and the comparison
// with the model's outcomes mo.
func (r *KernelReport) compare(t *Test, mo map[string]Outcome, counts map[string]int, outs map[string]Outcome) {
	for _, k := range sortedKeys(counts) {
		_, allowed := mo[k]
		holds := t.Cond.Eval(outs[k])
		r.Outcomes = append(r.Outcomes, KernelOutcome{k, counts[k], holds, allowed})
		if holds {
			r.Positive += counts[k]
		} else {
			r.Negative += counts[k]
		}
		if !allowed {
			r.KernelOnly = append(r.KernelOnly, k)
		}
	}
	r.ModelOutcomes = sortedKeys(mo)
	r.ModelObservation = modelObservation(t, mo)
	for _, k := range r.ModelOutcomes {
		if counts[k] == 0 {
			r.NeverObserved = append(r.NeverObserved, k)
		}
	}
	r.Observation = observe(r.Positive, r.Negative)
}

// Write prints r as klitmus7 prints a test: the histogram of outcomes
// over the runs, the witnesses and the observation, then the comparison
// with the model; elapsed says whether to print the time.
func (r *KernelReport) Write(w io.Writer, elapsed bool) {
	fmt.Fprintf(w, "Test %s %s\n", r.Name, verdict(r.Condition))
	if r.Skipped != "" {
		fmt.Fprintf(w, "Skipped on the kernel: %s\n", r.Skipped)
		return
	}
	fmt.Fprintf(w, "Histogram (%d states)\n", len(r.Outcomes))
	for _, o := range r.Outcomes {
		mark := " "
		if o.Holds {
			mark = "*"
		}
		fmt.Fprintf(w, "%s%-6d:> %s\n", mark, o.Runs, o.Outcome)
	}
	ok, not := "No", "NOT "
	if satisfied(r.Condition, r.Positive, r.Negative) {
		ok, not = "Ok", ""
	}
	fmt.Fprintf(w, "%s\nWitnesses\nPositive: %d, Negative: %d\n", ok, r.Positive, r.Negative)
	fmt.Fprintf(w, "Condition %s is %svalidated\n", r.Condition, not)
	fmt.Fprintf(w, "Observation %s %s %d %d\n", r.Name, r.Observation, r.Positive, r.Negative)
	fmt.Fprintf(w, "Model %d outcomes, %s; kernel only: %d; never observed: %d\n", len(r.ModelOutcomes), r.ModelObservation, len(r.KernelOnly), len(r.NeverObserved))
	for _, o := range r.KernelOnly {
		fmt.Fprintf(w, "  kernel outcome the model forbids: %s\n", o)
	}
	for _, o := range r.NeverObserved {
		fmt.Fprintf(w, "  model outcome never observed in %d runs: %s\n", r.Runs, o)
	}
	if elapsed {
		fmt.Fprintf(w, "Time %s %.2f\n", r.Name, r.Elapsed.Seconds())
	}
	if !r.Matches() {
		fmt.Fprintf(w, "Expected %s, observed %s\n", r.Expect, r.Observation)
	}
}
