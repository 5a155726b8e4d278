package gen

import (
	"slices"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// Draw is gen.Draw on b's memory: the program and the swarm it returns
// are valid until the next call.
func (b *Buffer) Draw(c Chooser, o Options, swarm Swarm) (history.Program, Swarm) {
	c = direct(c)
	o = o.withDefaults()
	b.ints, b.ops = b.ints[:0], b.ops[:0]
	p := history.Program{Config: b.config(c, o)}
	if swarm == nil {
		swarm = b.newSwarm(c)
	}
	d := &b.d
	// Field by field: a drawer literal is built aside, then copied.
	d.args = args{c: c, cfg: p.Config, f: drawFocus(c, p.Config), mounts: len(p.Config.Mounts), th: themeOf(swarm)}
	d.weights = programWeights(swarm, !o.NoUsers)
	if d.th.tagExit {
		p.Config.Exit = model.ExitTag
	}
	fds := &b.fds
	*fds = descriptors{a: &d.args, open: fds.open[:0]}
	if setup := b.setup(d, fds); len(setup) > 0 {
		p.Setup = setup
	}
	threads := o.MinThreads + c.IntN(o.MaxThreads-o.MinThreads+1, "threads")
	p.Threads = b.threads[:0]
	for range threads {
		ops := b.carveOps(1 + c.IntN(o.MaxOps, "ops"))
		fds.open = fds.open[:0] // a thread reads and closes only what it opened
		for i := range ops {
			d.op(&ops[i])
			fds.give(&ops[i])
		}
		p.Threads = append(p.Threads, ops)
	}
	b.threads = p.Threads[:0]
	d.c = nil // the buffer keeps no caller's chooser alive
	if swarm == nil {
		swarm = allKinds
	}
	return p, swarm
}

// setup draws the operations run before the threads start: creates
// mostly, and sometimes the death of a namespace and the birth of the
// one declared for later. A drawn exit becomes a create: a namespace
// dead before the threads start leaves them nothing to race on there,
// and in a program of exits and creates the focus's namespace died in
// the setup in most programs that could not reach their race.
func (b *Buffer) setup(d *drawer, fds *descriptors) []model.Op {
	c, a := d.c, &d.args
	// At most 5 drawn, then 2 for the lifecycle.
	setup := b.carveOps(7 + len(a.f.names))[:0]
	for i := range a.th.setup {
		setup = append(setup, model.Op{Kind: model.Create, NS: a.f.ns, Name: a.f.names[i], Phys: c.IntN(3, "phys") == 0})
	}
	for i := range c.IntN(6, "setup ops") {
		op := model.Op{Kind: model.Create, NS: a.ns(), Name: a.nameOf(i), Phys: c.IntN(3, "phys") == 0}
		if c.IntN(2, "setup kind") == 0 {
			var drawn model.Op
			if d.op(&drawn); drawn.Kind != model.Exit {
				op = drawn
			}
		}
		fds.give(&op)
		setup = append(setup, op)
	}
	if later := a.cfg.Later; len(later) > 0 && c.IntN(2, "lifecycle") == 0 {
		// A namespace dies while its mount lives on, and a new one is
		// born: where tags get recycled.
		setup = append(setup, model.Op{Kind: model.Exit, NS: 1 + c.IntN(2, "ns")}, model.Op{Kind: model.Clone, NS: later[0]})
	}
	return setup
}

// allKinds is the swarm of every kind and no theme, as Draw returns
// it: nil there asks for a swarm to be drawn.
var allKinds = func() Swarm {
	s := make(Swarm, len(kinds)+len(themes))
	for i := range kinds {
		s[i] = true
	}
	return s
}()

// descriptors numbers the files a program opens, one number per open
// across the program, and points reads and closes at files opened before
// them in the same thread (or in the setup, for the setup's).
type descriptors struct {
	a    *args
	last int   // the last number given
	open []int // what the current thread (or the setup) opened
}

// give gives op its descriptor, in place (drawing copied each operation
// four or five times on its way to the program): a new one for an open,
// one opened before for a read or close. A read or close with nothing
// open before it becomes an open, which would otherwise always fail.
func (f *descriptors) give(op *model.Op) {
	switch op.Kind {
	case model.Read, model.Close:
		if len(f.open) > 0 {
			op.FD = f.open[f.a.c.IntN(len(f.open), "fd")]
			return
		}
		*op = model.Op{Kind: model.Open, Mount: f.a.mount(), Name: f.a.name()}
	case model.Open:
	default:
		return
	}
	f.last++
	op.FD = f.last
	f.open = append(f.open, f.last)
}

// drawer draws operations and numbers the mounts they make.
type drawer struct {
	args
	weights kindWeights // the kinds of operation this program may use, weighed
}

// newSwarm picks the kinds of operation one program uses: each kind with
// even odds, creates and readdirs always (swarm testing, Groce et al.
// 2012: a program that leaves most kinds out goes deeper into the rest,
// and the campaign as a whole still draws every combination), and
// sometimes a theme (see themes).
func (b *Buffer) newSwarm(c Chooser) Swarm {
	if c.IntN(4, "swarm") == 0 {
		return nil // a quarter of the programs use every kind
	}
	if len(b.swarm) != len(kinds)+len(themes) {
		b.swarm = make(Swarm, len(kinds)+len(themes))
	}
	swarm := b.swarm
	for i := range kinds {
		w := &kinds[i] // by pointer: a range over the array copies it
		swarm[i] = w.kind == model.Create || w.kind == model.Readdir || c.IntN(2, "swarm kind") == 0
	}
	clear(swarm[len(kinds):])
	if t := drawTheme(c); t >= 0 && !uniform {
		swarm[len(kinds)+t] = true
		for i := range kinds {
			in := themeKinds[t]&(1<<i) != 0
			swarm[i] = in || swarm[i] && !themes[t].only
		}
	}
	return swarm
}

// drawTheme draws a swarm's theme, each with its odds in themes, or
// none (-1) with odds noTheme.
func drawTheme(c Chooser) int {
	pick := c.IntN(themeOdds, "theme")
	for i := range themes {
		t := &themes[i] // by pointer: a range over the array copies it
		if pick < t.odds {
			return i
		}
		pick -= t.odds
	}
	return -1
}

// themeOdds is the sum of the themes' odds and noTheme.
var themeOdds = func() int {
	total := noTheme
	for _, t := range themes {
		total += t.odds
	}
	return total
}()

// themeOf is the theme swarm has (nil: none), or the zero theme.
func themeOf(swarm Swarm) theme {
	for t := range themes {
		if len(kinds)+t < len(swarm) && swarm[len(kinds)+t] {
			return themes[t]
		}
	}
	return theme{}
}

// kindWeights are the weights of the kinds a program draws from, in the
// order of kinds, as running sums: cum[i] is the weight of kinds 0..i.
// A program computes them once (weightsOf), not at every operation.
type kindWeights struct {
	cum [len(kinds)]int
	// users: the program has user namespaces, their operations and
	// kernel/uids.
	users bool
}

// themeKinds are, by theme, its kinds as a set of indices in kinds.
var themeKinds = func() (sets [len(themes)]uint32) {
	for t, th := range themes {
		for i, k := range kinds {
			if slices.Contains(th.kinds, k.kind) {
				sets[t] |= 1 << i
			}
		}
	}
	return sets
}()

// everyKind are the weights of a program of every kind and no theme (a
// nil swarm), with user namespaces' kinds ([1]) and without ([0]).
var everyKind = [2]kindWeights{weightsOf(nil, false), weightsOf(nil, true)}

// programWeights is weightsOf, except that a program of every kind (a
// nil swarm, a quarter of them) takes the weights made once, everyKind,
// instead of summing them again.
func programWeights(swarm Swarm, users bool) kindWeights {
	if swarm == nil {
		if users {
			return everyKind[1]
		}
		return everyKind[0]
	}
	return weightsOf(swarm, users)
}

// userKinds are the kinds of user namespaces (userKind), as a set of
// indices in kinds.
var userKinds = func() (set uint32) {
	for i, k := range kinds {
		if userKind(k.kind) {
			set |= 1 << i
		}
	}
	return set
}()

// weightsOf returns the weights of the kinds of a program of swarm (nil:
// every kind, no theme), user namespaces' only if users: a kind's is 0 if
// left out, else its table weight, times themeBoost if one of the
// swarm's themes has it.
func weightsOf(swarm Swarm, users bool) kindWeights {
	boosted := uint32(0)
	for t := range themes {
		if len(kinds)+t < len(swarm) && swarm[len(kinds)+t] {
			boosted |= themeKinds[t]
		}
	}
	w := kindWeights{users: users}
	total := 0
	for i := range kinds {
		in := uint32(1) << i
		if (swarm == nil || swarm[i]) && (users || userKinds&in == 0) {
			if boosted&in != 0 {
				total += kinds[i].w * themeBoost
			} else {
				total += kinds[i].w
			}
		}
		w.cum[i] = total
	}
	return w
}

// pick draws a kind's index by its weight.
func (w *kindWeights) pick(c Chooser) int {
	pick := c.IntN(w.cum[len(w.cum)-1], "kind")
	for i := range w.cum { // by index: a range over the array copies it
		if pick < w.cum[i] {
			return i
		}
	}
	return 0 // not reached: pick is below the total
}

// op draws an operation into op and numbers the mount it makes.
func (d *drawer) op(op *model.Op) {
	opOf(&d.args, &d.weights, op)
	if op.Kind == model.Mount {
		d.mounts++
		op.Mount = d.mounts
	}
}

// Op draws one operation for a program of configuration cfg, with a mount
// made before the start. Descriptors and new mounts are the caller's
// business: Op leaves FD zero and Mount as drawn.
func Op(c Chooser, cfg model.Config) model.Op {
	var op model.Op
	opOf(&args{c: c, cfg: cfg, mounts: len(cfg.Mounts)}, &everyKind[1], &op)
	return op
}

// userKind reports whether k belongs to user namespaces.
func userKind(k model.Kind) bool {
	return k == model.AddUID || k == model.DelUID || k == model.ExitUser
}

// opOf draws into op an operation among the kinds of weights w, and in
// kernel/uids too if the program has user namespaces.
func opOf(a *args, w *kindWeights, op *model.Op) {
	c := a.c
	*op = kinds[w.pick(c)].draw(a)
	if w.users && op.Kind == model.Lookup && op.Dir == model.ClassNet && c.IntN(4, "uids") == 0 {
		op.Dir, op.Name = model.UIDs, a.uid()
	}
	if w.users && op.Kind == model.Readdir && op.Dir == model.ClassNet && c.IntN(4, "uids") == 0 {
		op.Dir = model.UIDs
	}
}
