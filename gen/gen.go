// Package gen draws concurrent programs over class/net: a few namespaces
// with a mount each, a setup that creates some devices, and 2-4 threads of a
// few operations each, over a small pool of names so that operations
// collide.
//
// The same drawing code serves two sources of choices: a seeded generator
// for campaigns (Rand) and rapid for property tests (Rapid), so that rapid
// can shrink a failing program by shrinking its choices.
package gen

import (
	"math/rand/v2"
	"slices"

	"pgregory.net/rapid"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// Chooser makes the choices a program is drawn from.
type Chooser interface {
	// IntN returns a number in [0, n); label names the choice.
	IntN(n int, label string) int
}

// Rand is a Chooser from a seeded PCG generator.
type Rand struct{ r *rand.Rand }

// NewRand returns the chooser for seed.
func NewRand(seed uint64) Rand { return Rand{rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))} }

// IntN implements Chooser.
func (r Rand) IntN(n int, _ string) int { return r.r.IntN(n) }

// Rapid is a Chooser that draws from a rapid test, so that rapid shrinks
// programs toward fewer threads, fewer operations and earlier names.
type Rapid struct{ T *rapid.T }

// IntN implements Chooser.
func (r Rapid) IntN(n int, label string) int { return rapid.IntRange(0, n-1).Draw(r.T, label) }

// Names is the pool device names are drawn from: few, so operations meet.
var Names = []string{"eth0", "eth1", "veth0"}

// Options bound the shape of a program.
type Options struct {
	MinThreads, MaxThreads int // default 2..4
	MaxOps                 int // per thread, default 4
	MaxNamespaces          int // default 3
	// NoUsers leaves out user namespaces' operations and kernel/uids,
	// for a backend that does not drive them.
	NoUsers bool
}

func (o Options) withDefaults() Options {
	if o.MinThreads == 0 {
		o.MinThreads = 2
	}
	if o.MaxThreads == 0 {
		o.MaxThreads = 4
	}
	if o.MaxOps == 0 {
		o.MaxOps = 4
	}
	if o.MaxNamespaces == 0 {
		o.MaxNamespaces = 3
	}
	return o
}

// weights of each kind of operation in a thread.
var weights = []struct {
	kind model.Kind
	w    int
}{
	{model.Create, 4}, {model.Remove, 2}, {model.Rename, 2}, {model.Move, 2},
	{model.Lookup, 4}, {model.Readdir, 3}, {model.Exit, 2},
	{model.Readlink, 1}, {model.Open, 2}, {model.Read, 2}, {model.Close, 1},
	{model.Clone, 2}, {model.Setns, 1}, {model.Mount, 1}, {model.Umount, 1},
	{model.AddUID, 2}, {model.DelUID, 1}, {model.ExitUser, 1},
}

// UIDs is the pool of kernel/uids entry names.
var UIDs = []string{"0", "1000"}

// Program draws one program.
func Program(c Chooser, o Options) history.Program {
	o = o.withDefaults()
	nns := 2 + c.IntN(o.MaxNamespaces-1, "namespaces")
	p := history.Program{Config: model.Config{Namespaces: nns}}
	if nns > 2 && c.IntN(3, "later") == 0 {
		// The last namespace is born during the run: the tag-recycling cases.
		p.Config.Later = []int{nns}
	}
	for ns := 1; ns <= nns; ns++ {
		if len(p.Config.Later) == 0 || ns != nns {
			p.Config.Mounts = append(p.Config.Mounts, ns)
		}
	}
	if c.IntN(2, "exit scheme") == 0 {
		p.Config.Exit = model.ExitKernel
	}
	// User namespaces: each network namespace has an owner, each mount and
	// process a user namespace of its own.
	p.Config.Users = 1 + c.IntN(2, "users")
	for range nns {
		p.Config.Owners = append(p.Config.Owners, 1+c.IntN(p.Config.Users, "owner"))
	}
	for range p.Config.Mounts {
		p.Config.MountUsers = append(p.Config.MountUsers, 1+c.IntN(p.Config.Users, "mount user"))
	}
	for range 1 + c.IntN(2, "procs") {
		p.Config.Procs = append(p.Config.Procs, 1+c.IntN(2, "proc ns"))
		p.Config.ProcUsers = append(p.Config.ProcUsers, 1+c.IntN(p.Config.Users, "proc user"))
	}
	d := &drawer{c: c, cfg: p.Config, mounts: len(p.Config.Mounts), swarm: newSwarm(c), noUsers: o.NoUsers}
	for range c.IntN(6, "setup ops") {
		op := model.Op{Kind: model.Create, NS: 1 + c.IntN(nns, "ns"), Name: name(c), Phys: c.IntN(3, "phys") == 0}
		if c.IntN(2, "setup kind") == 0 {
			op = d.op()
		}
		p.Setup = append(p.Setup, op)
	}
	if len(p.Config.Later) > 0 && c.IntN(2, "lifecycle") == 0 {
		// A namespace dies while its mount lives on, and a new one is
		// born: where tags get recycled.
		p.Setup = append(p.Setup, model.Op{Kind: model.Exit, NS: 1 + c.IntN(2, "ns")}, model.Op{Kind: model.Clone, NS: p.Config.Later[0]})
	}
	threads := o.MinThreads + c.IntN(o.MaxThreads-o.MinThreads+1, "threads")
	fds := 0
	for range threads {
		ops := make([]model.Op, 1+c.IntN(o.MaxOps, "ops"))
		var open []int // descriptors this thread opened
		for i := range ops {
			ops[i] = d.op()
			switch ops[i].Kind {
			case model.Read, model.Close:
				if len(open) == 0 {
					ops[i].Kind = model.Open
					ops[i].Mount = 1 + c.IntN(len(p.Config.Mounts), "mount")
					ops[i].Name = name(c)
					break
				}
				ops[i].FD = open[c.IntN(len(open), "fd")]
				continue
			default:
				continue
			}
			fds++
			ops[i].FD = fds
			open = append(open, fds)
		}
		p.Threads = append(p.Threads, ops)
	}
	return p
}

// drawer draws operations and numbers the mounts they make.
type drawer struct {
	c      Chooser
	cfg    model.Config
	mounts int    // mounts so far, made before the start or by Mount
	swarm  []bool // the kinds of operation this program may use
	// noUsers: Options.NoUsers.
	noUsers bool
}

// newSwarm picks the kinds of operation one program uses: each kind with
// even odds, creates and readdirs always (swarm testing, Groce et al.
// 2012: a program that leaves most kinds out goes deeper into the rest,
// and the campaign as a whole still draws every combination).
func newSwarm(c Chooser) []bool {
	if c.IntN(4, "swarm") == 0 {
		return nil // a quarter of the programs use every kind
	}
	swarm := make([]bool, len(weights))
	for i, w := range weights {
		swarm[i] = w.kind == model.Create || w.kind == model.Readdir || c.IntN(2, "swarm kind") == 0
	}
	return swarm
}

func (d *drawer) op() model.Op {
	op := opOf(d.c, d.cfg, d.swarm, !d.noUsers)
	switch op.Kind {
	case model.Mount:
		d.mounts++
		op.Mount = d.mounts
	case model.Lookup, model.Readdir, model.Readlink, model.Open, model.Umount:
		op.Mount = 1 + d.c.IntN(d.mounts, "mount")
	}
	return op
}

// Op draws one operation for a program of configuration cfg, with a mount
// made before the start. Descriptors and new mounts are the caller's
// business: Op leaves FD zero and Mount as drawn.
func Op(c Chooser, cfg model.Config) model.Op { return opOf(c, cfg, nil, true) }

// userKind reports whether k belongs to user namespaces.
func userKind(k model.Kind) bool {
	return k == model.AddUID || k == model.DelUID || k == model.ExitUser
}

// opOf draws an operation among the kinds swarm allows (all when nil),
// user namespaces' only if users.
func opOf(c Chooser, cfg model.Config, swarm []bool, users bool) model.Op {
	if !users {
		if swarm == nil {
			swarm = make([]bool, len(weights))
			for i := range swarm {
				swarm[i] = true
			}
		} else {
			swarm = slices.Clone(swarm)
		}
		for i, w := range weights {
			swarm[i] = swarm[i] && !userKind(w.kind)
		}
	}
	total := 0
	for i, w := range weights {
		if swarm == nil || swarm[i] {
			total += w.w
		}
	}
	pick := c.IntN(total, "kind")
	kind := weights[0].kind
	for i, w := range weights {
		if swarm != nil && !swarm[i] {
			continue
		}
		if pick < w.w {
			kind = w.kind
			break
		}
		pick -= w.w
	}
	nsOf := func() int { return 1 + c.IntN(cfg.Namespaces, "ns") }
	op := model.Op{Kind: kind}
	switch kind {
	case model.Create:
		op.NS, op.Name, op.Phys = nsOf(), name(c), c.IntN(3, "phys") == 0
	case model.Remove:
		op.NS, op.Name = nsOf(), name(c)
	case model.Rename:
		op.NS, op.Name, op.NewName = nsOf(), name(c), name(c)
	case model.Move:
		op.NS, op.Name, op.To = nsOf(), name(c), nsOf()
	case model.Lookup:
		op.Mount, op.Dir, op.Name = 1+c.IntN(len(cfg.Mounts), "mount"), dir(c), name(c)
	case model.Readdir:
		op.Mount, op.Dir = 1+c.IntN(len(cfg.Mounts), "mount"), dir(c)
	case model.Readlink, model.Open:
		op.Mount, op.Name = 1+c.IntN(len(cfg.Mounts), "mount"), name(c)
	case model.Exit:
		op.NS = nsOf()
	case model.Clone:
		op.NS = nsOf()
		if len(cfg.Later) > 0 && c.IntN(4, "clone later") > 0 {
			op.NS = cfg.Later[0]
		}
	case model.Setns:
		op.Proc, op.NS = 1+c.IntN(max(len(cfg.Procs), 1), "proc"), nsOf()
	case model.Mount:
		op.Proc = 1 + c.IntN(max(len(cfg.Procs), 1), "proc")
	case model.Umount:
		op.Mount = 1 + c.IntN(len(cfg.Mounts), "mount")
	case model.AddUID, model.DelUID:
		op.User, op.Name = 1+c.IntN(max(cfg.Users, 1), "user"), UIDs[c.IntN(len(UIDs), "uid")]
	case model.ExitUser:
		op.User = 1 + c.IntN(max(cfg.Users, 1), "user")
	}
	if users && op.Kind == model.Lookup && op.Dir == model.ClassNet && c.IntN(4, "uids") == 0 {
		op.Dir, op.Name = model.UIDs, UIDs[c.IntN(len(UIDs), "uid")]
	}
	if users && op.Kind == model.Readdir && op.Dir == model.ClassNet && c.IntN(4, "uids") == 0 {
		op.Dir = model.UIDs
	}
	return op
}

func name(c Chooser) string { return Names[c.IntN(len(Names), "name")] }

func dir(c Chooser) model.Dir {
	if c.IntN(2, "dir") == 1 {
		return model.Devices
	}
	return model.ClassNet
}
