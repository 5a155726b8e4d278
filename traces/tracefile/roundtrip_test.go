package tracefile

import (
	"bytes"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// roundTrip writes t in the form of version (0: Write's choice), reads it
// back and fails unless the history, program, schedule and violations are
// the same (canonical: records in call order).
func roundTrip(t *rapid.T, tr *Trace, version int) {
	c := *tr
	c.Header.Format = version
	var b bytes.Buffer
	if err := Write(&b, &c); err != nil {
		t.Fatalf("write, version %d: %v", version, err)
	}
	back, err := Read(bytes.NewReader(b.Bytes()), "roundtrip.jsonl")
	if err != nil {
		t.Fatalf("an execution written as version %d does not read back: %v\n%s", version, err, b.String())
	}
	if d := historyDiff(tr.History, back.History); d != "" {
		t.Fatalf("version %d: %s\n%s", version, d, b.String())
	}
	if !slices.Equal(tr.Schedule, back.Schedule) || len(tr.Program.Threads) != len(back.Program.Threads) || tr.Program.Ops() != back.Program.Ops() {
		t.Fatalf("version %d: schedule or program differ:\n%s", version, b.String())
	}
}

// bothForms round-trips tr in the recorded form and, when version 1 can
// express it, in version 1; when it cannot, writing version 1 must be
// refused, never a file that reads back wrong.
func bothForms(t *rapid.T, tr *Trace) (v1 bool) {
	roundTrip(t, tr, 0)
	roundTrip(t, tr, RecordedVersion)
	if Expressible(tr) == nil {
		roundTrip(t, tr, FormatVersion)
		return true
	}
	c := *tr
	c.Header.Format = FormatVersion
	if err := Write(&bytes.Buffer{}, &c); err == nil {
		t.Fatal("version 1 cannot express the history, yet Write wrote it")
	}
	return false
}

// Every history the simulator can produce, correct or with a seeded bug,
// under either exit scheme, is written and read back the same, in both
// forms.
func TestRoundTripSimulatorHistories(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := gen.Program(gen.Rapid{T: t}, gen.Options{})
		var bugs sim.BugSet
		if i := rapid.IntRange(-1, len(sim.Bugs)-1).Draw(t, "bug"); i >= 0 {
			bugs = sim.BugSet{sim.Bugs[i].Name}
		}
		seed := rapid.Uint64().Draw(t, "schedule seed")
		x := sim.Run(p, sched.NewRandom(seed), sim.Options{Bugs: bugs})
		tr := &Trace{
			Header:   Header{Source: "sim", Seed: seed, Strategy: "random", Options: Options{Bugs: bugs.Strings()}},
			Program:  p,
			History:  x.History.Clone(),
			Schedule: append([]int{}, x.Schedule...),
		}
		x.Release()
		bothForms(t, tr)
	})
}

// Every history of the kernel backend's shape is written and read back
// the same: flows recorded whole, a create with the ifindex it got, found
// entries with their tags, records per thread rather than in call order,
// and under the kernel's exit scheme the teardown of each exit (a cleanup
// removal per device, then gone) appended to the exiting thread, spanning
// its later operations (Backend.exit): the overlap version 1 cannot
// express.
func TestRoundTripKernelHistories(t *testing.T) {
	overlaps := 0
	rapid.Check(t, func(t *rapid.T) {
		p := gen.Program(gen.Rapid{T: t}, gen.Options{NoUsers: true})
		p.Config.Exit = rapid.SampledFrom(model.ExitSchemes).Draw(t, "exit scheme")
		h := history.History{Config: p.Config}
		clock := int64(1000)
		tick := func() int64 { clock += int64(rapid.IntRange(0, 3).Draw(t, "tick")); return clock }
		for _, op := range p.Setup {
			h.Records = append(h.Records, kernelRecords(t, p.Config, history.SetupThread, op, tick)...)
		}
		for th, ops := range p.Threads {
			start := clock
			for _, op := range ops {
				clock = max(clock, start)
				h.Records = append(h.Records, kernelRecords(t, p.Config, th, op, tick)...)
			}
			clock = start + int64(rapid.IntRange(0, 5).Draw(t, "thread offset"))
		}
		if !bothForms(t, &Trace{Header: Header{Source: "kernel"}, Program: p, History: h}) {
			overlaps++
		}
	})
	if overlaps == 0 {
		t.Error("no history had a teardown overlapping its thread's later operations: the test proves nothing about them")
	}
	t.Logf("%d histories only the recorded form expresses", overlaps)
}

// kernelRecords is what the kernel backend records for op on thread th:
// one record, and after an exit under the kernel's scheme its teardown.
func kernelRecords(t *rapid.T, c model.Config, th int, op model.Op, tick func() int64) []history.Record {
	r := history.Record{Thread: th, Op: op, Call: tick()}
	if op.Kind == model.Create {
		r.Op.Index = 1000 + rapid.IntRange(0, 50).Draw(t, "ifindex")
	}
	r.Result = kernelResult(t, c, op)
	r.Return = tick()
	recs := []history.Record{r}
	if op.Kind != model.Exit || c.Exit != model.ExitKernel || r.Result.Err != model.OK {
		return recs
	}
	emptyAt := r.Return + int64(rapid.IntRange(0, 40).Draw(t, "teardown"))
	for _, name := range rapid.SliceOfNDistinct(rapid.SampledFrom(gen.Names), 0, 2, rapid.ID).Draw(t, "held") {
		recs = append(recs, history.Record{Thread: th, Op: model.Op{Kind: model.Remove, NS: op.NS, Name: name, Cleanup: true}, Call: r.Return, Return: emptyAt})
	}
	return append(recs, history.Record{Thread: th, Op: model.Op{Kind: model.Gone, NS: op.NS}, Call: r.Return, Return: emptyAt})
}

// kernelResult draws a result of op's shape: an errno, or success with
// what the kind returns (a found entry's tag, a listing with tags).
func kernelResult(t *rapid.T, c model.Config, op model.Op) model.Result {
	if e := rapid.SampledFrom([]model.Errno{model.OK, model.OK, model.ENOENT, model.EEXIST}).Draw(t, "errno"); e != model.OK {
		return model.Result{Err: e}
	}
	tag := func() int { return rapid.IntRange(1, c.Namespaces).Draw(t, "tag") }
	switch op.Kind {
	case model.Lookup, model.Open:
		return model.Result{Tag: tag()}
	case model.Readdir:
		var es []model.Entry
		for _, n := range rapid.SliceOfN(rapid.SampledFrom(gen.Names), 0, 3).Draw(t, "listed") {
			es = append(es, model.Entry{Name: n, Tag: tag()})
		}
		return model.Result{Entries: es}
	case model.Readlink:
		return model.Result{Target: "../../devices/virtual/net/eth0"}
	case model.Read:
		return model.Result{Index: 1000}
	case model.Mount:
		return model.Result{Tag: tag(), User: 1}
	}
	return model.Result{}
}
