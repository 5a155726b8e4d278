package gen

import (
	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// Contended draws a small program whose threads contend, for property
// tests: the shapes a program of Program's needs luck to take, drawn on
// purpose. The program has a focus (a namespace, its mount, a name and a
// second name, a user namespace and a uid) that most arguments take; a
// setup that creates the names the threads act on; a first thread whose
// operations follow on from each other (sequels: a read after an open, a
// lookup after a move), and other threads whose operations are drawn
// against the first thread's (antagonists: a rename beside a lookup, a
// removal beside a read, a del_uid beside an exit_user). Every choice's
// zero is the focus, the sequel or the first antagonist, so that rapid,
// which favours and shrinks toward the first of each set of choices,
// keeps the contendedFocus while it shrinks the rest away. o bounds threads
// and operations as for Program (defaults 2-3 threads of 1-3 operations);
// NoUsers leaves user namespaces out.
func Contended(c Chooser, o Options) history.Program {
	o = contendedDefaults(o)
	b := new(Buffer)
	var p history.Program
	b.config(c, o, &p.Config)
	f := newFocus(c, p.Config, o.NoUsers)
	p.Setup = f.setup()
	fds := &descriptors{a: &args{c: c, cfg: &p.Config, mounts: len(p.Config.Mounts)}}
	for i := range p.Setup {
		fds.give(&p.Setup[i])
	}
	threads := o.MinThreads + c.IntN(o.MaxThreads-o.MinThreads+1, "threads")
	first := f.thread(nil, 1+c.IntN(o.MaxOps, "ops"))
	p.Threads = [][]model.Op{first}
	for range threads - 1 {
		p.Threads = append(p.Threads, f.thread(first, 1+c.IntN(o.MaxOps, "ops")))
	}
	for _, th := range p.Threads {
		fds.open = fds.open[:0] // a thread reads and closes only what it opened
		for i := range th {
			fds.give(&th[i])
		}
	}
	return p
}

// contendedDefaults fills in Contended's bounds: fewer threads and
// operations than Program's, so that each schedule of a program is more
// likely to interleave the few that contend.
func contendedDefaults(o Options) Options {
	return o.or(Options{MinThreads: 2, MaxThreads: 3, MaxOps: 3, MaxNamespaces: 3})
}

// contendedFocus is what a contended program's operations mostly act on.
type contendedFocus struct {
	c            Chooser
	cfg          model.Config
	noUsers      bool
	ns, other    int    // the focus namespace and another one
	name, second string // the focus name and a second (a rename's new name)
	user         int
	uid          string
	pool         []model.Kind // the kinds a first thread draws from
	mounts       int          // mounts so far, made before the start or by Mount
}

func newFocus(c Chooser, cfg model.Config, noUsers bool) *contendedFocus {
	f := &contendedFocus{c: c, cfg: cfg, noUsers: noUsers, mounts: len(cfg.Mounts)}
	f.ns = 1 + c.IntN(min(cfg.Namespaces, 2), "focus ns")
	f.other = 1 + (f.ns+c.IntN(cfg.Namespaces-1, "other ns"))%cfg.Namespaces
	i := c.IntN(len(Names), "focus name")
	f.name = Names[i]
	f.second = Names[(i+1+c.IntN(len(Names)-1, "second name"))%len(Names)]
	f.user = 1 + c.IntN(max(cfg.Users, 1), "focus user")
	f.uid = UIDs[c.IntN(len(UIDs), "focus uid")]
	for _, k := range kinds {
		if !noUsers || !userKind(k.kind) {
			f.pool = append(f.pool, k.kind)
		}
	}
	return f
}

// pickNS returns the focus namespace three times in four, the other one
// or any otherwise.
func (f *contendedFocus) pickNS(label string) int {
	switch f.c.IntN(4, label) {
	case 0, 1:
		return f.ns
	case 2:
		return f.other
	}
	return 1 + f.c.IntN(f.cfg.Namespaces, label)
}

// pickName returns the focus name, the second name, or any.
func (f *contendedFocus) pickName(label string) string {
	switch f.c.IntN(4, label) {
	case 0, 1:
		return f.name
	case 2:
		return f.second
	}
	return name(f.c)
}

// mountOf returns the mount made before the start that captured ns, or,
// when none did (a namespace born later), the focus namespace's: after
// the setup's lifecycle, a mount of a dead namespace looking at what the
// later one made.
func (f *contendedFocus) mountOf(ns int) int {
	for i, m := range f.cfg.Mounts {
		if m == ns {
			return i + 1
		}
	}
	if ns != f.ns {
		return f.mountOf(f.ns)
	}
	return 1
}

// pickMount returns the focus namespace's mount mostly, another's or any
// otherwise.
func (f *contendedFocus) pickMount(label string) int {
	switch f.c.IntN(4, label) {
	case 0, 1:
		return f.mountOf(f.ns)
	case 2:
		return f.mountOf(f.other)
	}
	return 1 + f.c.IntN(f.mounts, label)
}

// setup, with a namespace born later, sometimes has the focus die and
// the later one be born, as Program's setup does; then it creates one
// device (the focus name in the focus namespace), or each name, in the
// focus namespace mostly, sometimes in the other (physical, now and
// then, so that an exit hands it back), in both, or, the zero choice,
// not at all (the second name mostly not); with user namespaces, it
// adds the focus uid.
func (f *contendedFocus) setup() []model.Op {
	var ops []model.Op
	if len(f.cfg.Later) > 0 && f.c.IntN(2, "lifecycle") == 0 {
		// The focus dies while its mount lives on and the later one is
		// born, first, so that a neighbour cut to a shorter setup keeps
		// it: where tags get recycled, and the devices made after go to
		// the later one.
		ops = append(ops, model.Op{Kind: model.Exit, NS: f.ns}, model.Op{Kind: model.Clone, NS: f.cfg.Later[0]})
		f.other = f.cfg.Later[0]
	}
	single := f.c.IntN(4, "populate") == 0
	if single {
		// One device: the state where a removal or an exit empties
		// a directory.
		ops = append(ops, model.Op{Kind: model.Create, NS: f.ns, Name: f.name, Phys: f.c.IntN(2, "phys") == 1})
	}
	for i := range Names {
		if single {
			break
		}
		n := Names[(indexOf(f.name)+i)%len(Names)]
		c := f.c.IntN(5, "setup "+n)
		if n == f.second && c == 1 {
			c = 0 // mostly free, for a create or rename to take
		}
		switch c {
		case 1, 2:
			ops = append(ops, model.Op{Kind: model.Create, NS: f.ns, Name: n})
		case 3:
			ops = append(ops, model.Op{Kind: model.Create, NS: f.other, Name: n, Phys: f.c.IntN(2, "phys") == 1})
		case 4:
			// The same name in two namespaces: what a move or a
			// hand-back at exit runs into.
			ops = append(ops, model.Op{Kind: model.Create, NS: f.ns, Name: n},
				model.Op{Kind: model.Create, NS: f.other, Name: n, Phys: f.c.IntN(2, "phys") == 1})
		}
	}
	if !f.noUsers && f.c.IntN(2, "setup uid") == 0 {
		ops = append(ops, model.Op{Kind: model.AddUID, User: f.user, Name: f.uid})
	}
	return ops
}

func indexOf(name string) int {
	for i, n := range Names {
		if n == name {
			return i
		}
	}
	return 0
}

// thread draws n operations: of a first thread (against nil), each a
// sequel of the one before or any kind; of another, each an antagonist
// of the first thread's operation at the same place or a sequel of its
// own before. An antagonist mostly acts on what the operation it
// contends with acts on, a sequel on what the one before it did.
func (f *contendedFocus) thread(against []model.Op, n int) []model.Op {
	ops := make([]model.Op, n)
	for i := range ops {
		switch {
		case against != nil && (i == 0 || f.c.IntN(2, "go on") == 0):
			theirs := against[i%len(against)]
			ops[i] = f.inherit(f.op(f.among(antagonists[theirs.Kind], "antagonist")), theirs, "same as theirs")
		case i > 0 && (against != nil || f.c.IntN(3, "fresh") != 2):
			ops[i] = f.inherit(f.op(f.among(sequels[ops[i-1].Kind], "sequel")), ops[i-1], "same as before")
		default:
			ops[i] = f.op(f.pool[f.c.IntN(len(f.pool), "kind")])
		}
	}
	return ops
}

// inherit returns op acting, mostly, on what from acted on: its name
// (or a rename's new name), namespace, mount (the one that captured
// from's namespace), directory and user namespace, where both take them.
func (f *contendedFocus) inherit(op, from model.Op, label string) model.Op {
	if f.c.IntN(4, label) == 3 {
		return op
	}
	t, ft := op.Kind.Takes(), from.Kind.Takes()
	if t&ft&model.FDir != 0 {
		op.Dir = from.Dir
	}
	if t&ft&model.FName != 0 && uidName(op) == uidName(from) {
		op.Name = from.Name
		if from.Kind == model.Rename && f.c.IntN(2, "new name") == 1 {
			op.Name = from.NewName
		}
	}
	switch {
	case t&ft&model.FNS != 0:
		op.NS = from.NS
		if f.c.IntN(3, "their ns") == 2 {
			op.NS = 1 + (from.NS+f.c.IntN(f.cfg.Namespaces-1, "ns"))%f.cfg.Namespaces
		}
	case t&model.FMount != 0 && ft&model.FNS != 0 && op.Kind != model.Mount:
		op.Mount = f.mountOf(from.NS)
	case t&model.FNS != 0 && ft&model.FMount != 0 && f.cfg.MountTag(from.Mount) > 0:
		op.NS = f.cfg.MountTag(from.Mount)
	}
	if t&ft&model.FMount != 0 && op.Kind != model.Mount {
		op.Mount = from.Mount
	}
	if t&model.FProc != 0 && ft&model.FNS != 0 {
		op.Proc = f.procIn(from.NS, op.Proc)
	}
	if t&ft&model.FUser != 0 {
		op.User = from.User
	}
	if op.Kind == model.Rename && op.NewName == op.Name {
		op.NewName = Names[(indexOf(op.Name)+1)%len(Names)]
	}
	if op.Kind == model.Move && op.To == op.NS {
		op.To = f.ns
		if op.NS == f.ns {
			op.To = f.other
		}
	}
	return op
}

// uidName reports whether op's name is a uid rather than a device's.
func uidName(op model.Op) bool { return userKind(op.Kind) || op.Dir == model.UIDs }

// among picks one of ks the program may use, the first mostly; a list
// with none falls back to the pool.
func (f *contendedFocus) among(ks []model.Kind, label string) model.Kind {
	var ok []model.Kind
	for _, k := range ks {
		if !f.noUsers || !userKind(k) {
			ok = append(ok, k)
		}
	}
	if len(ok) == 0 {
		ok = f.pool
	}
	return ok[f.c.IntN(len(ok), label)]
}

// op draws the arguments of an operation of kind k around the focus.
func (f *contendedFocus) op(k model.Kind) model.Op {
	op := model.Op{Kind: k}
	switch k {
	case model.Create:
		op.NS, op.Name, op.Phys = f.pickNS("ns"), f.pickName("name"), f.c.IntN(3, "phys") == 2
	case model.Remove:
		op.NS, op.Name = f.pickNS("ns"), f.pickName("name")
	case model.Rename:
		op.NS, op.Name, op.NewName = f.pickNS("ns"), f.pickName("name"), f.second
		if f.c.IntN(4, "new name") == 3 {
			op.NewName = name(f.c)
		}
		if op.NewName == op.Name {
			op.NewName = Names[(indexOf(op.Name)+1)%len(Names)]
		}
	case model.Move:
		op.NS, op.Name, op.To = f.pickNS("ns"), f.pickName("name"), f.other
		if op.NS == f.other {
			op.To = f.ns
		}
	case model.Lookup, model.Readdir:
		op.Mount, op.Dir = f.pickMount("mount"), f.pickDir()
		if k == model.Lookup {
			op.Name = f.pickName("name")
			if op.Dir == model.UIDs {
				op.Name = f.uid
			}
		}
	case model.Readlink, model.Open:
		op.Mount, op.Name = f.pickMount("mount"), f.pickName("name")
	case model.Exit, model.Clone:
		op.NS = f.pickNS("ns")
		if k == model.Clone && len(f.cfg.Later) > 0 && f.c.IntN(4, "clone later") != 3 {
			op.NS = f.cfg.Later[0]
		}
	case model.Setns:
		op.Proc, op.NS = f.pickProc(), f.pickNS("ns")
	case model.Mount:
		f.mounts++
		op.Proc, op.Mount = f.pickProc(), f.mounts
	case model.Umount:
		op.Mount = f.pickMount("mount")
	case model.AddUID, model.DelUID, model.ExitUser:
		op.User = f.user
		if f.c.IntN(4, "user") == 3 {
			op.User = user(f.c, f.cfg)
		}
		if k != model.ExitUser {
			op.Name = f.uid
		}
	}
	return op
}

// pickProc returns a process in the focus namespace mostly, any
// otherwise.
func (f *contendedFocus) pickProc() int {
	p := proc(f.c, f.cfg)
	if f.c.IntN(4, "proc") != 3 {
		return f.procIn(f.ns, p)
	}
	return p
}

// procIn returns the first process in namespace ns, or otherwise.
func (f *contendedFocus) procIn(ns, otherwise int) int {
	for i, in := range f.cfg.Procs {
		if in == ns {
			return i + 1
		}
	}
	return otherwise
}

// pickDir returns class/net or devices/virtual/net mostly, or, with
// user namespaces, kernel/uids.
func (f *contendedFocus) pickDir() model.Dir {
	n := 5
	if f.noUsers {
		n = 4
	}
	switch f.c.IntN(n, "dir") {
	case 2, 3:
		return model.Devices
	case 4:
		return model.UIDs
	}
	return model.ClassNet
}

// antagonists are, by kind, the kinds that contend with it on what it
// acts on (a name of a directory, a namespace, a mount, a uid): the
// operations whose interleaving with it the kernel must get right,
// mutators first.
var antagonists = map[model.Kind][]model.Kind{
	model.Create:   {model.Lookup, model.Create, model.Remove, model.Exit, model.Readdir, model.Rename, model.Move},
	model.Remove:   {model.Remove, model.Create, model.Readdir, model.Lookup, model.Rename, model.Open, model.Exit},
	model.Rename:   {model.Lookup, model.Exit, model.Readdir, model.Rename, model.Remove, model.Create, model.Readlink},
	model.Move:     {model.Lookup, model.Readdir, model.Move, model.Exit, model.Create, model.Remove},
	model.Lookup:   {model.Create, model.Remove, model.Rename, model.Move, model.Exit, model.AddUID, model.DelUID},
	model.Readdir:  {model.Remove, model.Rename, model.Move, model.Create, model.Exit, model.DelUID},
	model.Exit:     {model.Create, model.Move, model.Rename, model.Exit, model.Remove, model.Clone, model.Mount, model.Lookup, model.Readdir},
	model.Readlink: {model.Rename, model.Remove, model.Move, model.Exit},
	model.Open:     {model.Remove, model.Rename, model.Move, model.Exit},
	model.Read:     {model.Remove, model.Rename, model.Exit, model.Move},
	model.Close:    {model.Remove, model.Exit},
	model.Clone:    {model.Exit, model.Create, model.Lookup},
	model.Setns:    {model.Exit, model.Mount},
	model.Mount:    {model.Exit, model.Umount, model.Mount},
	model.Umount:   {model.Lookup, model.Readdir, model.Mount},
	model.AddUID:   {model.DelUID, model.ExitUser, model.AddUID, model.Lookup, model.Readdir},
	model.DelUID:   {model.AddUID, model.ExitUser, model.DelUID, model.Readdir},
	model.ExitUser: {model.DelUID, model.AddUID, model.Lookup},
}

// sequels are, by kind, the kinds a thread goes on with after it: what
// uses its result (a read after an open) or looks again at what it
// changed (a lookup after a move).
var sequels = map[model.Kind][]model.Kind{
	model.Create:   {model.Lookup, model.Exit, model.Remove, model.Rename, model.Move, model.Create},
	model.Remove:   {model.Create, model.Lookup},
	model.Rename:   {model.Lookup, model.Rename},
	model.Move:     {model.Lookup, model.Move},
	model.Lookup:   {model.Lookup, model.Move, model.Readdir},
	model.Readdir:  {model.Readdir, model.Lookup},
	model.Exit:     {model.Clone, model.Mount, model.Lookup},
	model.Readlink: {model.Lookup},
	model.Open:     {model.Read, model.Close},
	model.Read:     {model.Read, model.Close},
	model.Close:    {model.Open},
	model.Clone:    {model.Create, model.Setns},
	model.Setns:    {model.Mount},
	model.Mount:    {model.Lookup, model.Readdir, model.Umount},
	model.Umount:   {model.Lookup},
	model.AddUID:   {model.ExitUser, model.DelUID, model.Lookup},
	model.DelUID:   {model.AddUID},
	model.ExitUser: {model.AddUID},
}

// name, user and proc draw from their whole pools, as Program's drawing
// does away from its focus.
func name(c Chooser) string                { return Names[c.IntN(len(Names), "name")] }
func user(c Chooser, cfg model.Config) int { return 1 + c.IntN(max(cfg.Users, 1), "user") }
func proc(c Chooser, cfg model.Config) int { return 1 + c.IntN(max(len(cfg.Procs), 1), "proc") }
