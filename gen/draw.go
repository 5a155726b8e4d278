package gen

import (
	"encoding/binary"
	"math/bits"
	"slices"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// Draw is gen.Draw on b's memory: the program and the swarm it returns
// are valid until the next call.
func (b *Buffer) Draw(c Chooser, o Options, swarm Swarm) (history.Program, Swarm) {
	p, sw := b.DrawInPlace(c, o, swarm)
	return *p, sw
}

// DrawInPlace is Draw, the program returned where b holds it, valid
// until the next call: a program is 216 bytes, and a campaign's worker,
// which runs it from there, copied it on its way out.
func (b *Buffer) DrawInPlace(c Chooser, o Options, swarm Swarm) (*history.Program, Swarm) {
	c = direct(c)
	o = o.withDefaults()
	b.ints, b.ops = b.ints[:0], b.ops[:0]
	p := &b.prog
	*p = history.Program{}
	// The drawer points to the program's own configuration, whose Exit
	// a theme changes below: the drawer never reads it.
	cfg := &p.Config
	b.config(c, o, cfg)
	var set swarmSet
	if swarm == nil {
		swarm, set = b.newSwarm(c)
	} else {
		set = setOf(swarm)
	}
	d := &b.d
	// The focus drawn first: a literal with a call in it is built aside,
	// then copied.
	f := drawFocus(c, cfg)
	d.args = args{c: c, cfg: cfg, f: f, mounts: len(cfg.Mounts), th: set.theme()}
	d.weights.weights(set, !o.NoUsers)
	if d.th.tagExit {
		cfg.Exit = model.ExitTag
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
		ns, name := a.ns(), a.nameOf(i)
		phys := c.IntN(3, "phys") == 0
		// Drawn in its place: an operation drawn aside would escape to
		// the heap, since the kinds' draws are called through the table.
		setup = setup[:len(setup)+1] // within the carved capacity
		op := &setup[len(setup)-1]
		if c.IntN(2, "setup kind") != 0 || d.op(op) == model.Exit {
			*op = model.Op{Kind: model.Create, NS: ns, Name: name, Phys: phys}
		}
		fds.give(op)
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
// The other kinds, most of a program, have none, and skip the call.
func (f *descriptors) give(op *model.Op) {
	if k := op.Kind; k == model.Read || k == model.Close || k == model.Open {
		f.number(op)
	}
}

// number is give for an open, read or close.
func (f *descriptors) number(op *model.Op) {
	if op.Kind != model.Open {
		if len(f.open) > 0 {
			op.FD = f.open[f.a.c.IntN(len(f.open), "fd")]
			return
		}
		*op = model.Op{Kind: model.Open, Mount: f.a.mount(), Name: f.a.name()}
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
func (b *Buffer) newSwarm(c Chooser) (Swarm, swarmSet) {
	if c.IntN(4, "swarm") == 0 {
		return nil, everyKindSet // a quarter of the programs use every kind
	}
	set := alwaysIn
	if r, ok := c.(Rand); ok {
		// A Rand's IntN(2) is the low bit of its PCG's next number
		// (pcgdraw.Uint64n of a power of two): drawn here inline, not
		// by two calls a kind (TestNewSwarmOfRand).
		for i := range kinds {
			if alwaysIn&(1<<i) == 0 && r.pcg.Uint64()&1 == 0 {
				set |= 1 << i
			}
		}
	} else {
		for i := range kinds {
			if alwaysIn&(1<<i) == 0 && c.IntN(2, "swarm kind") == 0 {
				set |= 1 << i
			}
		}
	}
	if t := drawTheme(c); t >= 0 && !uniform {
		if themes[t].only {
			set &^= everyKindSet
		}
		set |= 1<<(len(kinds)+t) | swarmSet(themeKinds[t])
	}
	// Eight entries a store: one a store cost more than the draws.
	for i := 0; i < len(b.swarm); i += 8 {
		*(*[8]bool)(b.swarm[i:]) = byteBools[uint8(set>>i)]
	}
	return Swarm(b.swarm[: len(kinds)+len(themes) : len(kinds)+len(themes)]), set
}

// byteBools are, by byte, its bits as bools, lowest first.
var byteBools = func() (t [256][8]bool) {
	for b := range t {
		for i := range t[b] {
			t[b][i] = b&(1<<i) != 0
		}
	}
	return t
}()

// swarmSet is a swarm as a set of its indices (kinds, then themes), in
// which a program's weights and theme are found without a scan of the
// swarm's slice.
type swarmSet uint32

// everyKindSet is the set of a nil swarm: every kind, no theme.
const everyKindSet = swarmSet(1)<<len(kinds) - 1

// alwaysIn are the kinds every swarm has: creates and readdirs, found in
// kinds by name rather than by their places in it.
var alwaysIn = func() (set swarmSet) {
	for i, k := range kinds {
		if k.kind == model.Create || k.kind == model.Readdir {
			set |= 1 << i
		}
	}
	return set
}()

// setOf returns the set of swarm (nil: every kind, no theme).
func setOf(swarm Swarm) swarmSet {
	if swarm == nil {
		return everyKindSet
	}
	set := swarmSet(0)
	for i, in := range swarm[:min(len(swarm), len(kinds)+len(themes))] {
		if in {
			set |= 1 << i
		}
	}
	return set
}

// themes returns the themes of the set, as a set of indices in themes.
func (s swarmSet) themes() uint32 {
	return uint32(s>>len(kinds)) & (1<<len(themes) - 1)
}

// theme is the set's first theme, or the zero theme.
func (s swarmSet) theme() theme {
	if ts := s.themes(); ts != 0 {
		return themes[bits.TrailingZeros32(ts)]
	}
	return theme{}
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

// kindWeights are the kinds a program draws from, weighed: of[:total]
// holds each kind, in the order of kinds, as many times as its weight,
// so that a draw below total picks its kind by one lookup (a scan of
// running sums cost a program more than the draws themselves). A
// program computes them once (weights), not at every operation.
type kindWeights struct {
	// of is a model.Kind a byte, with room past maxWeight for the
	// eight-byte stores weigh fills it by.
	of    [maxWeight + 16]byte
	total int
	// users: the program has user namespaces, their operations and
	// kernel/uids.
	users bool
}

// maxWeight bounds a program's total weight: every kind, boosted
// (TestWeightsFit).
const maxWeight = 128

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
var everyKind = func() (w [2]kindWeights) {
	w[0].weigh(everyKindSet, false)
	w[1].weigh(everyKindSet, true)
	return w
}()

// weights is weigh, except that a program of every kind and no theme (a
// nil swarm, a quarter of them) takes the weights made once, everyKind,
// instead of weighing them again.
func (w *kindWeights) weights(set swarmSet, users bool) {
	if set == everyKindSet {
		if users {
			*w = everyKind[1]
		} else {
			*w = everyKind[0]
		}
		return
	}
	w.weigh(set, users)
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

// weigh makes w the weights of the kinds of a program of set, user
// namespaces' only if users: a kind's is 0 if left out, else its table
// weight, times themeBoost if one of the set's themes has it.
func (w *kindWeights) weigh(set swarmSet, users bool) {
	boosted := uint32(0)
	for ts := set.themes(); ts != 0; ts &= ts - 1 {
		boosted |= themeKinds[bits.TrailingZeros32(ts)]
	}
	in := uint32(set & everyKindSet)
	if !users {
		in &^= userKinds
	}
	total := 0
	for ; in != 0; in &= in - 1 {
		i := bits.TrailingZeros32(in)
		n := kinds[i].w
		if boosted&(1<<i) != 0 {
			n *= themeBoost
		}
		// A kind's run, at most 4*themeBoost long, by stores of eight
		// copies each; the next kind's run overwrites the rest.
		run := uint64(kinds[i].kind) * 0x0101010101010101
		binary.LittleEndian.PutUint64(w.of[total:], run)
		if n > 8 {
			binary.LittleEndian.PutUint64(w.of[total+8:], run)
		}
		total += n
	}
	w.total, w.users = total, users
}

// pick draws a kind by its weight.
func (w *kindWeights) pick(c Chooser) model.Kind {
	return model.Kind(w.of[c.IntN(w.total, "kind")])
}

// op draws an operation into op, whole, and numbers the mount it makes;
// it returns the operation's kind. In place, and by a switch rather than
// a table of functions: an operation is 128 bytes, and one returned by
// value was built, returned and copied again, while through a table of
// functions op escaped to the heap. The arguments are drawn before each
// literal, in the order its fields had, so that the literal is stored in
// place rather than built aside and copied; the order of the choices is
// what names a program.
func (d *drawer) op(op *model.Op) model.Kind {
	a := &d.args
	k := d.weights.pick(a.c)
	switch k {
	case model.Create:
		ns, name := a.createNS(), a.name()
		phys := a.c.IntN(3, "phys") == 0
		*op = model.Op{Kind: k, NS: ns, Name: name, Phys: phys}
	case model.Remove:
		ns, name := a.ns(), a.name()
		*op = model.Op{Kind: k, NS: ns, Name: name}
	case model.Rename:
		ns, name, newName := a.ns(), a.oldName(), a.newName()
		*op = model.Op{Kind: k, NS: ns, Name: name, NewName: newName}
	case model.Move:
		ns, name, to := a.ns(), a.name(), a.to()
		*op = model.Op{Kind: k, NS: ns, Name: name, To: to}
	case model.Lookup:
		a.drawLookup(op)
	case model.Readdir:
		mount, d := a.mount(), dir(a.c)
		*op = model.Op{Kind: k, Mount: mount, Dir: d}
	case model.Exit:
		ns := a.ns()
		*op = model.Op{Kind: k, NS: ns}
	case model.Readlink, model.Open:
		mount, name := a.mount(), a.name()
		*op = model.Op{Kind: k, Mount: mount, Name: name}
	case model.Read, model.Close:
		*op = model.Op{Kind: k}
	case model.Clone:
		a.drawClone(op)
	case model.Setns:
		proc, ns := a.proc(), a.ns()
		*op = model.Op{Kind: k, Proc: proc, NS: ns}
	case model.Mount:
		proc := a.proc()
		*op = model.Op{Kind: k, Proc: proc}
	case model.Umount:
		mount := a.mount()
		*op = model.Op{Kind: k, Mount: mount}
	case model.AddUID, model.DelUID:
		user, uid := a.user(), a.uid()
		*op = model.Op{Kind: k, User: user, Name: uid}
	case model.ExitUser:
		user := a.user()
		*op = model.Op{Kind: k, User: user}
	}
	if d.weights.users && (k == model.Lookup || k == model.Readdir) && op.Dir == model.ClassNet {
		a.inUIDs(k, op)
	}
	if k == model.Mount {
		a.mounts++
		op.Mount = a.mounts
	}
	return k
}

// Op draws one operation for a program of configuration cfg, with a mount
// made before the start. Descriptors and new mounts are the caller's
// business: Op leaves FD zero and Mount as drawn.
func Op(c Chooser, cfg model.Config) model.Op {
	d := drawer{args: args{c: c, cfg: &cfg, mounts: len(cfg.Mounts)}, weights: everyKind[1]}
	var op model.Op
	if d.op(&op) == model.Mount {
		op.Mount = 0 // as drawn: the caller numbers new mounts
	}
	return op
}

// userKind reports whether k belongs to user namespaces.
func userKind(k model.Kind) bool {
	return k == model.AddUID || k == model.DelUID || k == model.ExitUser
}

// inUIDs moves a lookup or readdir of class/net, with odds a quarter,
// to kernel/uids, for a program with user namespaces.
func (a *args) inUIDs(k model.Kind, op *model.Op) {
	if a.c.IntN(4, "uids") != 0 {
		return
	}
	op.Dir = model.UIDs
	if k == model.Lookup {
		op.Name = a.uid()
	}
}
