// Package gen draws concurrent programs over class/net: a few namespaces
// with a mount each, a setup that creates some devices, and 2-4 threads of a
// few operations each, over a small pool of names so that operations
// collide. Each program is drawn around a focus (a mount and its
// namespace, a name, a uid) that most of its arguments share, and some
// around a theme of kinds that touch the same objects, so that its
// threads contend (see focus and themes).
//
// The same drawing code serves two sources of choices: a seeded generator
// for campaigns (Rand) and rapid for property tests (Rapid), so that rapid
// can shrink a failing program by shrinking its choices.
package gen

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync"

	"pgregory.net/rapid"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// Chooser makes the choices a program is drawn from.
type Chooser interface {
	// IntN returns a number in [0, n); label names the choice.
	IntN(n int, label string) int
}

// Rand is a Chooser from a seeded PCG generator. It draws from the PCG
// itself, as math/rand/v2's Rand.IntN would from it (the same numbers on
// every machine), without that Rand's indirection through an interface
// per draw; and, one pointer, it is a Chooser without an allocation.
type Rand struct{ pcg *rand.PCG }

// pcgStream is the second word of every Rand's PCG state.
const pcgStream = 0x9e3779b97f4a7c15

// NewRand returns the chooser for seed.
func NewRand(seed uint64) Rand { return Rand{rand.NewPCG(seed, pcgStream)} }

// Reseed makes r the chooser NewRand(seed) returns, on r's memory: a
// worker that draws one program after another allocates no generator.
func (r *Rand) Reseed(seed uint64) {
	if r.pcg == nil {
		*r = NewRand(seed)
		return
	}
	r.pcg.Seed(seed, pcgStream)
}

// IntN implements Chooser: math/rand/v2's Rand.IntN on r's PCG. It is
// pcgdraw.Uint64n written out, the PCG's step inlined: a program makes
// some seventy draws, and the call to Uint64n cost a fifth of each
// (TestRandDrawsAsMathRand checks the numbers stay rand.Rand's).
func (r Rand) IntN(n int, _ string) int {
	if n <= 0 {
		panic("gen: IntN of a bound not positive")
	}
	u := uint64(n)
	x := r.pcg.Uint64()
	if u&(u-1) == 0 {
		return int(x & (u - 1))
	}
	hi, lo := bits.Mul64(x, u)
	if lo < u {
		thresh := -u % u
		for lo < thresh {
			hi, lo = bits.Mul64(r.pcg.Uint64(), u)
		}
	}
	return int(hi)
}

// direct returns c, or for a *Rand the Rand it points to: the same
// choices, each called on Rand's method itself rather than through the
// wrapper a pointer's method set adds (a program makes some eighty).
func direct(c Chooser) Chooser {
	if r, ok := c.(*Rand); ok {
		return *r
	}
	return c
}

// Rapid is a Chooser that draws from a rapid test, so that rapid shrinks
// programs toward fewer threads, fewer operations and earlier names.
type Rapid struct{ T *rapid.T }

// IntN implements Chooser.
func (r Rapid) IntN(n int, label string) int { return rapid.IntRange(0, n-1).Draw(r.T, label) }

// Names is the pool device names are drawn from: few, so operations meet.
var Names = []string{"eth0", "eth1", "veth0"}

// Options bound the shape of a program. A campaign's summary.json
// records them under these JSON names.
type Options struct {
	MinThreads    int `json:"min_threads"`    // default 2
	MaxThreads    int `json:"max_threads"`    // default 4
	MaxOps        int `json:"max_ops"`        // per thread, default 4
	MaxNamespaces int `json:"max_namespaces"` // default 3
	// NoUsers leaves out user namespaces' operations and kernel/uids,
	// for a backend that does not drive them.
	NoUsers bool `json:"no_users"`
}

func (o Options) withDefaults() Options {
	return o.or(Options{MinThreads: 2, MaxThreads: 4, MaxOps: 4, MaxNamespaces: 3})
}

// or fills in o's unset bounds from d.
func (o Options) or(d Options) Options {
	if o.MinThreads == 0 {
		o.MinThreads = d.MinThreads
	}
	if o.MaxThreads == 0 {
		o.MaxThreads = d.MaxThreads
	}
	if o.MaxOps == 0 {
		o.MaxOps = d.MaxOps
	}
	if o.MaxNamespaces == 0 {
		o.MaxNamespaces = d.MaxNamespaces
	}
	return o
}

// UIDs is the pool of kernel/uids entry names.
var UIDs = []string{"0", "1000"}

// Program draws one program.
func Program(c Chooser, o Options) history.Program {
	p, _ := Draw(c, o, nil)
	return p
}

// Swarm is the kinds of operation a program may draw from (see
// newSwarm), in the order of the generator's table. Callers treat it as
// opaque and read-only.
type Swarm []bool

// Draw draws one program as Program does and returns the swarm it drew
// from. A non-nil swarm is used instead of one drawn, so that a guided
// campaign can keep the swarm of a program that reached new coverage and
// draw the rest anew.
func Draw(c Chooser, o Options, swarm Swarm) (history.Program, Swarm) {
	b := buffers.Get().(*Buffer)
	defer buffers.Put(b)
	p, sw := b.Draw(c, o, swarm)
	if len(sw) > 0 && &sw[0] == &allKinds[0] {
		return Clone(p), sw // the shared swarm of every kind, read-only
	}
	return Clone(p), slices.Clone(sw)
}

// buffers lend Draw their memory: it draws in one, then returns a clone
// the size of the program, so that a caller that keeps every program
// allocates what it keeps and little else.
var buffers = sync.Pool{New: func() any { return new(Buffer) }}

// Buffer is memory Draw reuses from one program to the next: a worker
// that is done with each program before it draws the next (or keeps a
// Clone) allocates nothing once its buffer has grown to its programs'
// size. The zero Buffer is empty and ready.
type Buffer struct {
	prog    history.Program // the program, drawn here so that its drawer can point to its configuration
	ints    []int           // the Config's lists, carved one after another
	ops     []model.Op      // the setup's and the threads' operations
	threads [][]model.Op    // the threads
	// swarm holds the last swarm drawn, filled eight entries a store
	// (see newSwarm), so the last eight reach past the swarm's end.
	swarm [(len(kinds) + len(themes) + 7) &^ 7]bool
	d     drawer      // the program's drawer, here so as not to allocate one
	fds   descriptors // its descriptors, their list kept from one program to the next
}

// carve returns a slice of n ints of b's, growing b if needed; what was
// carved before stays valid.
func (b *Buffer) carve(n int) []int {
	if cap(b.ints)-len(b.ints) < n {
		b.ints = make([]int, 0, max(2*cap(b.ints), n, 16))
	}
	s := b.ints[len(b.ints) : len(b.ints)+n : len(b.ints)+n]
	b.ints = b.ints[:len(b.ints)+n]
	return s[:0]
}

// carveOps is carve for operations.
func (b *Buffer) carveOps(n int) []model.Op {
	if cap(b.ops)-len(b.ops) < n {
		b.ops = make([]model.Op, 0, max(2*cap(b.ops), n, 16))
	}
	s := b.ops[len(b.ops) : len(b.ops)+n : len(b.ops)+n]
	b.ops = b.ops[:len(b.ops)+n]
	return s
}

// config draws a program's configuration into cfg: its namespaces,
// mounts, user namespaces and processes.
func (b *Buffer) config(c Chooser, o Options, cfg *model.Config) {
	nns := 2 + c.IntN(o.MaxNamespaces-1, "namespaces")
	*cfg = model.Config{Namespaces: nns}
	// At most two procs, so each list has room for a namespace each.
	cfg.Mounts, cfg.Owners, cfg.MountUsers = b.carve(nns), b.carve(nns), b.carve(nns)
	cfg.Procs, cfg.ProcUsers = b.carve(2), b.carve(2)
	if nns > 2 && c.IntN(3, "later") == 0 {
		// The last namespace is born during the run: the tag-recycling cases.
		cfg.Later = append(b.carve(1), nns)
	}
	for ns := 1; ns <= nns; ns++ {
		if len(cfg.Later) == 0 || ns != nns {
			cfg.Mounts = append(cfg.Mounts, ns)
		}
	}
	if c.IntN(2, "exit scheme") == 0 {
		cfg.Exit = model.ExitKernel
	}
	// User namespaces: each network namespace has an owner, each mount and
	// process a user namespace of its own.
	cfg.Users = 1 + c.IntN(2, "users")
	for range nns {
		cfg.Owners = append(cfg.Owners, 1+c.IntN(cfg.Users, "owner"))
	}
	for range cfg.Mounts {
		cfg.MountUsers = append(cfg.MountUsers, 1+c.IntN(cfg.Users, "mount user"))
	}
	for range 1 + c.IntN(2, "procs") {
		cfg.Procs = append(cfg.Procs, 1+c.IntN(2, "proc ns"))
		cfg.ProcUsers = append(cfg.ProcUsers, 1+c.IntN(cfg.Users, "proc user"))
	}
}

// Recorder is a Chooser that passes C's choices on and records them in
// Choices, so that a program can be drawn again, or changed a little
// (Mutant). Reset empties Choices, keeping its memory.
type Recorder struct {
	C       Chooser
	Choices []int
}

// IntN implements Chooser.
func (r *Recorder) IntN(n int, label string) int {
	v := r.C.IntN(n, label)
	r.Choices = append(r.Choices, v)
	return v
}

// Reset starts a new recording from c.
func (r *Recorder) Reset(c Chooser) { r.C, r.Choices = c, r.Choices[:0] }

// Mutant is a Chooser that replays Base, the choices of an earlier
// program, changing each with odds 1 in Rate (never, if Rate is 0) to one
// drawn from R, and drawing from R past Base's end. A choice Base holds
// that is out of range now (an earlier change made fewer namespaces, say)
// is drawn from R too. So a mutant keeps most of what made its parent
// (swarm, shape, names) and varies the rest, as a greybox fuzzer mutates
// the inputs that reached new coverage.
type Mutant struct {
	Base []int
	R    Chooser
	Rate int
	i    int
}

// IntN implements Chooser.
func (m *Mutant) IntN(n int, label string) int {
	i := m.i
	m.i++
	if i < len(m.Base) && m.Base[i] < n && (m.Rate == 0 || m.R.IntN(m.Rate, "mutate") != 0) {
		return m.Base[i]
	}
	return m.R.IntN(n, label)
}

// Clone returns a copy of p that shares no memory with it: what a caller
// keeps of a program a Buffer drew, since the buffer's next Draw
// overwrites it. The copy's lists are carved from one array of ints and
// one of operations, each capped at its length so that an append to one
// cannot reach the next.
func Clone(p history.Program) history.Program {
	c := p
	cfg := &c.Config
	ints := make([]int, 0, len(cfg.Mounts)+len(cfg.Later)+len(cfg.Procs)+len(cfg.Owners)+len(cfg.MountUsers)+len(cfg.ProcUsers))
	for _, l := range []*[]int{&cfg.Mounts, &cfg.Later, &cfg.Procs, &cfg.Owners, &cfg.MountUsers, &cfg.ProcUsers} {
		*l, ints = cloneInto(ints, *l)
	}
	n := len(p.Setup)
	for _, th := range p.Threads {
		n += len(th)
	}
	ops := make([]model.Op, 0, n)
	c.Setup, ops = cloneInto(ops, p.Setup)
	if p.Threads != nil {
		c.Threads = make([][]model.Op, len(p.Threads))
	}
	for i, th := range p.Threads {
		c.Threads[i], ops = cloneInto(ops, th)
	}
	return c
}

// cloneInto copies s to the end of pool's free capacity and returns the
// copy (nil if s is, capped at its length) and pool grown by it.
func cloneInto[T any](pool, s []T) (clone, rest []T) {
	if s == nil {
		return nil, pool
	}
	rest = append(pool, s...)
	return rest[len(pool):len(rest):len(rest)], rest
}
