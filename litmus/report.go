package litmus

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
)

// Report is a test's verdict: the simulator's outcomes beside the
// model's, and the observation of the condition.
type Report struct {
	Name      string         `json:"name"`
	Condition string         `json:"condition"`
	Bugs      string         `json:"bugs,omitempty"`
	Outcomes  []OutcomeCount `json:"outcomes"`
	// Positive and Negative count the schedules where the condition held
	// and where it did not.
	Positive    int         `json:"positive"`
	Negative    int         `json:"negative"`
	Observation Observation `json:"observation"`
	Expect      Observation `json:"expect,omitempty"`
	Exhausted   bool        `json:"exhausted"`
	Executions  int         `json:"executions"`
	// ModelOutcomes are the outcomes the specification allows; SimOnly
	// the simulator's outcomes it forbids, ModelOnly those the simulator
	// never reached.
	ModelOutcomes []string `json:"model_outcomes"`
	// ModelObservation is the condition's observation over the model's
	// outcomes: Never when no allowed outcome satisfies it.
	ModelObservation Observation   `json:"model_observation"`
	SimOnly          []string      `json:"sim_only,omitempty"`
	ModelOnly        []string      `json:"model_only,omitempty"`
	Violations       []string      `json:"violations,omitempty"`
	Elapsed          time.Duration `json:"elapsed_ns"`
}

// OutcomeCount is one distinct outcome and the schedules that gave it.
type OutcomeCount struct {
	Outcome   string `json:"outcome"`
	Schedules int    `json:"schedules"`
	Holds     bool   `json:"holds"`
}

// Matches reports whether the observation is the one the test expects.
func (r *Report) Matches() bool { return r.Expect == "" || r.Expect == r.Observation }

// Run runs t on the model and on the simulator with opt's bugs.
func Run(t *Test, opt sim.Options) (*Report, SimResult) {
	start := time.Now()
	mo := RunModel(t)
	sr := RunSim(t, opt)
	r := &Report{Name: t.Name, Condition: string(t.Quant) + " " + t.Cond.String(), Bugs: strings.Join(opt.Bugs.Strings(), ","),
		Exhausted: sr.Stats.Exhausted && !sr.Stats.BoundHit, Executions: sr.Stats.Executions}
	for _, k := range sortedKeys(sr.Counts) {
		holds := t.Cond.Eval(sr.Outcomes[k])
		r.Outcomes = append(r.Outcomes, OutcomeCount{k, sr.Counts[k], holds})
		if holds {
			r.Positive += sr.Counts[k]
		} else {
			r.Negative += sr.Counts[k]
		}
		if _, ok := mo[k]; !ok {
			r.SimOnly = append(r.SimOnly, k)
		}
	}
	r.ModelOutcomes = sortedKeys(mo)
	r.ModelObservation = modelObservation(t, mo)
	for _, k := range r.ModelOutcomes {
		if _, ok := sr.Counts[k]; !ok {
			r.ModelOnly = append(r.ModelOnly, k)
		}
	}
	r.Observation = observe(r.Positive, r.Negative)
	r.Expect = t.Expected(r.Bugs)
	r.Violations = summarize(sr.Violations)
	r.Elapsed = time.Since(start)
	return r, sr
}

// summarize says, for each violated property, in how many schedules and
// the first detail.
func summarize(vs []Violation) []string {
	count := map[properties.Property]int{}
	var first []properties.Violation
	for _, v := range vs {
		for _, f := range v.Found {
			if count[f.Property] == 0 {
				first = append(first, f)
			}
			count[f.Property]++
		}
	}
	var out []string
	for _, f := range first {
		out = append(out, fmt.Sprintf("%s in %d schedules; first: %s", f.Property, count[f.Property], f.Detail))
	}
	slices.Sort(out)
	return out
}

// modelObservation is the observation of t's condition over the
// outcomes mo, each counted once.
func modelObservation(t *Test, mo map[string]Outcome) Observation {
	pos := 0
	for _, o := range mo {
		if t.Cond.Eval(o) {
			pos++
		}
	}
	return observe(pos, len(mo)-pos)
}

func observe(pos, neg int) Observation {
	switch {
	case pos == 0:
		return Never
	case neg == 0:
		return Always
	}
	return Sometimes
}

// verdict is herd7's name for the quantifier.
func verdict(cond string) string {
	switch {
	case len(cond) > 7 && cond[:7] == "~exists":
		return "Forbidden"
	case len(cond) > 6 && cond[:6] == "forall":
		return "Required"
	}
	return "Allowed"
}

// Write prints r as herd7 does, with the model's comparison after it;
// elapsed says whether to print the time (golden files leave it out).
func (r *Report) Write(w io.Writer, elapsed bool) {
	fmt.Fprintf(w, "Test %s %s\n", r.Name, verdict(r.Condition))
	if r.Bugs != "" {
		fmt.Fprintf(w, "Bugs %s\n", r.Bugs)
	}
	fmt.Fprintf(w, "States %d\n", len(r.Outcomes))
	for _, o := range r.Outcomes {
		mark := " "
		if o.Holds {
			mark = "*"
		}
		fmt.Fprintf(w, "%s%-6d:> %s\n", mark, o.Schedules, o.Outcome)
	}
	ok := "No"
	if satisfied(r.Condition, r.Positive, r.Negative) {
		ok = "Ok"
	}
	fmt.Fprintf(w, "%s\nWitnesses\nPositive: %d Negative: %d\n", ok, r.Positive, r.Negative)
	fmt.Fprintf(w, "Condition %s\n", r.Condition)
	fmt.Fprintf(w, "Observation %s %s %d %d\n", r.Name, r.Observation, r.Positive, r.Negative)
	fmt.Fprintf(w, "Model %d outcomes, %s; simulator only: %d; model only: %d\n", len(r.ModelOutcomes), r.ModelObservation, len(r.SimOnly), len(r.ModelOnly))
	for _, o := range r.SimOnly {
		fmt.Fprintf(w, "  simulator outcome the model forbids: %s\n", o)
	}
	for _, o := range r.ModelOnly {
		fmt.Fprintf(w, "  model outcome the simulator never reached: %s\n", o)
	}
	for _, v := range r.Violations {
		fmt.Fprintf(w, "Violation %s\n", v)
	}
	fmt.Fprintf(w, "Executions %d exhausted=%v\n", r.Executions, r.Exhausted)
	if elapsed {
		fmt.Fprintf(w, "Time %s %.3fs\n", r.Name, r.Elapsed.Seconds())
	}
	if !r.Matches() {
		fmt.Fprintf(w, "Expected %s, observed %s\n", r.Expect, r.Observation)
	}
}

// satisfied is herd7's Ok: a witness exists, none exists, or all are.
func satisfied(cond string, pos, neg int) bool {
	switch verdict(cond) {
	case "Forbidden":
		return pos == 0
	case "Required":
		return neg == 0
	}
	return pos > 0
}
