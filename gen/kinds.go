package gen

import "github.com/sysfsim/sysfsim/model"

// kinds are the operations a thread is drawn from, each with its weight;
// drawer.op draws each kind's arguments.
var kinds = [...]struct {
	kind model.Kind
	w    int
}{
	{model.Create, 4}, {model.Remove, 2}, {model.Rename, 2}, {model.Move, 2},
	{model.Lookup, 4}, {model.Readdir, 3}, {model.Exit, 2}, {model.Readlink, 1},
	{model.Open, 2}, {model.Read, 2}, {model.Close, 1}, {model.Clone, 2},
	{model.Setns, 1}, {model.Mount, 1}, {model.Umount, 1},
	{model.AddUID, 2}, {model.DelUID, 1}, {model.ExitUser, 1},
}

// drawLookup draws a lookup into op.
func (a *args) drawLookup(op *model.Op) {
	if a.th.classNet && a.near() {
		a.turn++ // the focus's names in turn: a lookup of each beside the rename
		*op = model.Op{Kind: model.Lookup, Mount: a.f.mount, Dir: model.ClassNet, Name: a.f.names[a.turn%2]}
		return
	}
	mount, d, name := a.mount(), dir(a.c), a.name()
	*op = model.Op{Kind: model.Lookup, Mount: mount, Dir: d, Name: name}
}

// themes are groups of kinds that touch the same objects: a device's
// names, open files and the devices under them, namespaces' lives, user
// namespaces' uids. A program of a theme has every kind of its theme, at
// themeBoost times its weight, so that its threads mostly contend on
// those objects: a swarm leaves each kind in with even odds, so three
// given kinds are in one program of eight, and then drawn among the rest
// of the program's kinds. A swarm has theme t with odds t.odds in the
// sum of the themes' odds and noTheme, and no theme with noTheme.
//
// The last three themes also fix the shape of their arguments: each is
// the shape of a race that a theme of kinds alone leaves to three or
// four coincidences (the right names, mount and namespace at once), and
// each has only its kinds. Measured on 30 seeds (BENCHMARKS.md, "Shaped themes"),
// a program of one of them finds its race 6 to 70 times as often as a
// program of the generator without them.
var themes = [...]theme{
	{kinds: []model.Kind{model.Create, model.Remove, model.Rename, model.Move, model.Lookup, model.Readdir}, odds: 2},
	// An open file's races (a read holding the active reference while
	// its device goes) need the same mount, name and namespace in two
	// threads: every argument is the focus's, as in the uids' theme.
	// The first and third themes stay loose: their races (a recycled
	// tag, a mount of a dead namespace) need more than one namespace.
	{kinds: []model.Kind{model.Open, model.Read, model.Close, model.Remove}, odds: 2, tight: true},
	{kinds: []model.Kind{model.Exit, model.Clone, model.Setns, model.Mount, model.Umount}, odds: 2},
	// A uid's races (two removals of one entry, an add under one being
	// removed) need one user namespace and one uid in two threads, of
	// only two uids and at most two users: every argument is the focus's,
	// which halves the executions the default campaign takes to a
	// double removal (BENCHMARKS.md, "Themes that reach the slow races").
	// Odds 3: once the listing and rename themes below had odds 2 and the
	// exit's 3, at 2 it was drawn too rarely for the double removal to
	// keep its pace (TestProgramsContend).
	{kinds: []model.Kind{model.AddUID, model.DelUID, model.ExitUser}, odds: 3, tight: true},
	// A listing while the listed entries change: the setup creates the
	// focus's two names, and removes and creates of both race with
	// readdirs through the focus's mount, whose cursor rests on one.
	// Odds 2, as most themes have, since issue 16's measures
	// (BENCHMARKS.md, "Themes that reach the slow races"): at odds 1
	// this theme and the exit's were the two rarest, and the slowest
	// races the campaign finds came mostly from them.
	{kinds: []model.Kind{model.Readdir, model.Remove, model.Create}, odds: 2, only: true, tight: true, both: true, setup: 2},
	// A rename of the focus's name beside lookups of both its names in
	// class/net, where the rename moves the link.
	{kinds: []model.Kind{model.Rename, model.Lookup}, odds: 2, only: true, tight: true, classNet: true, setup: 1},
	// A namespace's exit beside creates in it and in others (spread): a
	// device that outlives its namespace, a glue directory the
	// namespaces share; by sysfs_exit_tag (tagExit), the exit that races.
	// The setup makes no focus name: a create of it in the focus's
	// namespace would find it there and fail. Odds 3: its two races
	// are the campaign's slowest, and it is their main source.
	// Readdirs too, as every swarm has them: what such a race leaves
	// behind (an entry of a dead namespace) is a violation only once
	// something lists it, and a program of exits and creates alone never
	// does.
	{kinds: []model.Kind{model.Exit, model.Create, model.Readdir}, odds: 3, only: true, tagExit: true, spread: true},
}

// theme is a group of kinds (see themes) and the shapes its programs'
// arguments take.
type theme struct {
	kinds []model.Kind
	odds  int // a swarm's odds of the theme (see themes)
	// only: the program has the theme's kinds and no other.
	only bool
	// tight: every argument is the focus's, not 2 in 3 of them.
	tight bool
	// both: a name near the focus is either of the focus's two, and the
	// setup's creates near the focus take them in turn.
	both bool
	// classNet: a lookup near the focus is in class/net, through the
	// focus's mount, of the focus's names in turn.
	classNet bool
	// setup: how many of the focus's names the setup creates first, in
	// the focus's namespace, so that the theme's objects exist.
	setup int
	// tagExit: namespaces exit by the seed's sysfs_exit_tag, which takes
	// no rtnl, so an exit overlaps the device flows; today's cleanup_net
	// runs them under rtnl, one after another with the program's creates.
	tagExit bool
	// spread: a create is, with even odds, in another namespace than the
	// focus's (as a move's destination is), so that creates race an exit
	// of the focus's namespace both in it and beside it, where they share
	// its devices' glue directory.
	spread bool
}

const (
	noTheme    = 2 // a swarm's odds of no theme (see themes)
	themeBoost = 3
)

// drawClone mostly brings to life the namespace declared for later, and
// sometimes asks for one that cannot be cloned.
func (a *args) drawClone(op *model.Op) {
	ns := a.ns()
	*op = model.Op{Kind: model.Clone, NS: ns}
	if len(a.cfg.Later) > 0 && a.c.IntN(4, "clone later") > 0 {
		op.NS = a.cfg.Later[0]
	}
}

// focus is the shared target a program's operations are drawn around:
// a mount made before the start and the namespace it captured, a name
// (and another, a rename's new one), a user namespace and a uid. Each
// argument is the focus's with odds focusHits in focusOdds, else drawn
// from its whole pool. Drawn uniformly, two operations of a program
// rarely meet: the same name is 1 in 3, a lookup through the mount of
// the namespace a create is in about 1 in 2.5, and the slow seeded bugs
// need three or four such coincidences at once (a create, an open and
// read through a mount of its namespace, a remove of the same name; a
// lookup, a move to another namespace and a lookup of the same name
// through the same mount). Contention is what a concurrent program is
// tested for, so the generator makes it the rule, and keeps the pools
// for the rest.
type focus struct {
	on    bool
	mount int // a mount made before the start
	ns    int // the namespace mount captured
	names [2]string
	user  int
	uid   string
}

const (
	focusOdds = 3
	focusHits = 2
)

// uniform turns the focus and the themes off, so that a test can
// compare with the generator that drew every argument from its pool.
var uniform = false

// drawFocus draws the focus of a program of configuration cfg.
func drawFocus(c Chooser, cfg *model.Config) focus {
	f := focus{on: !uniform, mount: 1 + c.IntN(len(cfg.Mounts), "focus mount")}
	f.ns = cfg.Mounts[f.mount-1]
	i := c.IntN(len(Names), "focus name")
	f.names = [2]string{Names[i], Names[(i+1+c.IntN(len(Names)-1, "focus new name"))%len(Names)]}
	f.user = 1 + c.IntN(max(cfg.Users, 1), "focus user")
	f.uid = UIDs[c.IntN(len(UIDs), "focus uid")]
	return f
}

// args draws the arguments of operations: around the focus, if on.
type args struct {
	c      Chooser
	cfg    *model.Config
	f      focus
	mounts int   // mounts so far, made before the start or by Mount
	th     theme // the program's theme's argument shapes (none: zero)
	turn   int   // which of the focus's names a theme's lookup takes next
}

// near reports whether the next argument is the focus's.
func (a *args) near() bool {
	return a.f.on && (a.th.tight || a.c.IntN(focusOdds, "focus") < focusHits)
}

func (a *args) ns() int {
	if a.near() {
		return a.f.ns
	}
	return 1 + a.c.IntN(a.cfg.Namespaces, "ns")
}

// to is a move's destination: near the focus, another namespace than
// the focus's, which the move's source mostly is.
func (a *args) to() int {
	if a.near() && a.cfg.Namespaces > 1 {
		return 1 + (a.f.ns+a.c.IntN(a.cfg.Namespaces-1, "to"))%a.cfg.Namespaces
	}
	return 1 + a.c.IntN(a.cfg.Namespaces, "ns")
}

// mount is any mount so far, the program's own included.
func (a *args) mount() int {
	if a.near() {
		return a.f.mount
	}
	return 1 + a.c.IntN(a.mounts, "mount")
}

func (a *args) name() string {
	if a.near() {
		if a.th.both {
			return a.f.names[a.c.IntN(2, "focus name")]
		}
		return a.f.names[0]
	}
	return Names[a.c.IntN(len(Names), "name")]
}

// nameOf is the name of the setup's create number i: near the focus,
// the focus's first name, or in a theme of both names the two in turn,
// so that the focus's directory holds more than one entry.
func (a *args) nameOf(i int) string {
	if a.near() {
		if a.th.both {
			return a.f.names[i%2]
		}
		return a.f.names[0]
	}
	return Names[a.c.IntN(len(Names), "name")]
}

// oldName is a rename's name: the focus's first, even in a theme of
// both names (a rename of the second to itself changes nothing).
func (a *args) oldName() string {
	if a.near() {
		return a.f.names[0]
	}
	return Names[a.c.IntN(len(Names), "name")]
}

func (a *args) newName() string {
	if a.near() {
		return a.f.names[1]
	}
	return Names[a.c.IntN(len(Names), "name")]
}

func (a *args) proc() int { return 1 + a.c.IntN(max(len(a.cfg.Procs), 1), "proc") }

func (a *args) user() int {
	if a.near() {
		return a.f.user
	}
	return 1 + a.c.IntN(max(a.cfg.Users, 1), "user")
}

func (a *args) uid() string {
	if a.near() {
		return a.f.uid
	}
	return UIDs[a.c.IntN(len(UIDs), "uid")]
}

func dir(c Chooser) model.Dir {
	if c.IntN(2, "dir") == 1 {
		return model.Devices
	}
	return model.ClassNet
}

// createNS is a create's namespace: the focus's or any, as ns draws
// it, or in a theme that spreads, half the time another one.
func (a *args) createNS() int {
	if a.th.spread && a.c.IntN(2, "spread") == 0 {
		return a.to()
	}
	return a.ns()
}
