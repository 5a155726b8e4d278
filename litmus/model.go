package litmus

import (
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/sysfsim/sysfsim/model"
)

// RunModel returns every outcome the specification allows for t: every
// interleaving of the threads' atomic steps (device flows cut by
// model.FlowOf, an undo a step of its own), with every outcome model.Step
// allows for each. A readdir is not atomic: it spans the steps taken
// between its start and its end, and may return any union of the
// snapshots it spans (see listing). A create takes the next ifindex when
// it starts, as the simulator's register_netdevice does, so that reads
// compare. States already seen with the same results are not explored
// again. The outcomes are keyed by their String.
func RunModel(t *Test) map[string]Outcome {
	c := t.Program.Config
	s, ifindex := model.Init(), 0
	for _, op := range t.Program.Setup {
		op, ifindex = numbered(op, ifindex)
		_, s = model.Apply(c, s, op)
	}
	e := &modelSearch{t: t, c: c, seen: map[string]bool{}, out: map[string]Outcome{}}
	e.search(node{state: s, ifindex: ifindex, threads: make([]cursor, len(t.Program.Threads)), results: map[string]string{}})
	return e.out
}

// cursor is where a thread is: its operation, the step of that
// operation's flow, and whether the step before failed and its undo is
// next.
type cursor struct {
	op, step int
	undo     bool
	failed   *model.Result
	list     *listing // a readdir under way
}

// listing is a readdir under way: the entries some snapshot of its
// directory since it began showed, and those every snapshot showed. The
// specification of a listing (REFERENCE, properties.CheckReaddir) is a
// union of snapshots: an entry present and unchanged throughout appears
// once, one present only part of the time at most once, nothing else.
// Both lists are sorted; neither is changed once made.
type listing struct{ seen, always []model.Entry }

func (l *listing) String() string {
	return "L" + Value(model.Result{Entries: l.seen}) + Value(model.Result{Entries: l.always})
}

type node struct {
	state   model.State
	ifindex int // the last ifindex given
	threads []cursor
	results map[string]string
}

type modelSearch struct {
	t    *Test
	c    model.Config
	seen map[string]bool
	out  map[string]Outcome
}

func (e *modelSearch) key(n node) string {
	var b strings.Builder
	b.WriteString(n.state.String() + "#" + strconv.Itoa(n.ifindex))
	for _, cu := range n.threads {
		b.WriteString("|" + strconv.Itoa(cu.op) + "." + strconv.Itoa(cu.step) + strconv.FormatBool(cu.undo))
		if cu.list != nil {
			b.WriteString(cu.list.String())
		}
	}
	b.WriteString(Outcome{Results: n.results}.String())
	return b.String()
}

func (e *modelSearch) search(n node) {
	k := e.key(n)
	if e.seen[k] {
		return
	}
	e.seen[k] = true
	done := true
	for i := range n.threads {
		if n.threads[i].op < len(e.t.Program.Threads[i]) {
			done = false
			e.advance(n, i)
		}
	}
	if done {
		o := outcome(e.t, n.results, func(m int) fs.FS { return model.View(e.c, n.state, m) }, nil)
		e.out[o.String()] = o
	}
}

// advance takes thread i's next atomic step, in every way the
// specification allows.
func (e *modelSearch) advance(n node, i int) {
	cu := n.threads[i]
	op, ifindex := e.t.Program.Threads[i][cu.op], n.ifindex
	if op.Kind == model.Readdir {
		e.listStep(n, i, op)
		return
	}
	if cu.step == 0 {
		op, ifindex = numbered(op, ifindex)
	}
	flow := model.FlowOf(op)
	steps := flow.Steps()
	step := steps[cu.step].Op
	if cu.undo {
		step = steps[cu.step].Undo
	}
	for _, oc := range model.Step(e.c, n.state, step) {
		next := node{state: oc.State, ifindex: ifindex, threads: append([]cursor{}, n.threads...), results: n.results}
		nc := &next.threads[i]
		var end *model.Result
		switch {
		case cu.undo:
			end = cu.failed
		case oc.Result.Err != model.OK && steps[cu.step].Undo.Kind != 0:
			r := oc.Result
			nc.undo, nc.failed = true, &r
		case oc.Result.Err != model.OK || cu.step == len(steps)-1:
			r := oc.Result
			end = &r
		default:
			nc.step++
		}
		if end != nil {
			e.finish(&next, i, *end)
		}
		e.observe(&next)
		e.search(next)
	}
}

// finish ends thread i's operation with result r.
func (e *modelSearch) finish(n *node, i int, r model.Result) {
	cu := n.threads[i]
	n.threads[i] = cursor{op: cu.op + 1}
	if b := e.t.Binds[i][cu.op]; b != "" {
		n.results = with(n.results, b, Value(r))
	}
}

// listStep takes a readdir's start or its end. The start takes a first
// snapshot (or fails, and the readdir with it); the end returns each
// union of snapshots the listing allows.
func (e *modelSearch) listStep(n node, i int, op model.Op) {
	next := node{state: n.state, ifindex: n.ifindex, threads: append([]cursor{}, n.threads...), results: n.results}
	cu := n.threads[i]
	if cu.list == nil {
		r := model.Step(e.c, n.state, op)[0].Result
		if r.Err != model.OK {
			e.finish(&next, i, r)
		} else {
			entries := sortedEntries(r.Entries)
			next.threads[i].list = &listing{seen: entries, always: entries}
		}
		e.search(next)
		return
	}
	var part []model.Entry // seen, not always
	for _, x := range cu.list.seen {
		if !slices.Contains(cu.list.always, x) {
			part = append(part, x)
		}
	}
	for mask := range 1 << len(part) {
		es := slices.Clone(cu.list.always)
		for j, x := range part {
			if mask&(1<<j) != 0 {
				es = append(es, x)
			}
		}
		next := node{state: n.state, ifindex: n.ifindex, threads: append([]cursor{}, n.threads...), results: n.results}
		e.finish(&next, i, model.Result{Entries: append([]model.Entry{}, es...)})
		e.search(next)
	}
}

// observe adds the snapshot of n's state to every readdir under way.
func (e *modelSearch) observe(n *node) {
	for i, cu := range n.threads {
		if cu.list == nil {
			continue
		}
		r := model.Step(e.c, n.state, e.t.Program.Threads[i][cu.op])[0].Result
		if r.Err != model.OK {
			continue // the directory cannot be read now: no snapshot
		}
		now := sortedEntries(r.Entries)
		l := &listing{seen: slices.Clone(cu.list.seen)}
		for _, x := range now {
			if !slices.Contains(l.seen, x) {
				l.seen = append(l.seen, x)
			}
		}
		for _, x := range cu.list.always {
			if slices.Contains(now, x) {
				l.always = append(l.always, x)
			}
		}
		slices.SortFunc(l.seen, model.Entry.Compare)
		n.threads[i].list = l
	}
}

func sortedEntries(es []model.Entry) []model.Entry {
	es = append([]model.Entry{}, es...)
	slices.SortFunc(es, model.Entry.Compare)
	return es
}

func with(m map[string]string, k, v string) map[string]string {
	n := make(map[string]string, len(m)+1)
	for a, b := range m {
		n[a] = b
	}
	n[k] = v
	return n
}

// outcome makes the outcome of an execution from its bound results, its
// final views and the properties it was found to violate.
func outcome(t *Test, results map[string]string, view func(m int) fs.FS, violated map[string]bool) Outcome {
	return outcomeAt(t, results, func(m int, path string) bool {
		_, err := fs.Lstat(view(m), path)
		return err == nil
	}, violated)
}

// outcomeAt is outcome with the final view as a question: does path
// exist through mount m.
func outcomeAt(t *Test, results map[string]string, exists func(m int, path string) bool, violated map[string]bool) Outcome {
	o := Outcome{Results: results, Paths: map[string]bool{}, Violated: map[string]bool{}}
	for _, p := range paths(t.Cond) {
		m, path, _ := strings.Cut(p, ":")
		o.Paths[p] = exists(atoi(m[1:]), path)
	}
	for _, v := range violations(t.Cond) {
		o.Violated[v] = violated[v]
	}
	return o
}

// numbered gives a create that names no ifindex the next one.
func numbered(op model.Op, last int) (model.Op, int) {
	if op.Kind != model.Create || op.Index != 0 {
		return op, last
	}
	op.Index = last + 1
	return op, last + 1
}
