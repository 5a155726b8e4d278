package sim

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// The pool does hand a released arena to the next Run (when the garbage
// collector has not emptied it meanwhile), which then allocates no node,
// record or thread of its own, and runs as on a fresh arena.
func TestReleasedMemoryIsReused(t *testing.T) {
	bugs := Options{Bugs: BugSet{BugUnlockedAdd, BugAddUnderRemoved}}
	reused := 0
	for seed := range uint64(50) {
		big := gen.Program(gen.NewRand(1000+seed), gen.Options{MinThreads: 4, MaxThreads: 4, MaxOps: 4})
		p := gen.Program(gen.NewRand(seed), gen.Options{})
		x := Run(big, sched.NewRandom(seed), bugs)
		a := x.arena
		x.Release()
		y := Run(p, sched.NewRandom(seed), Options{})
		var fresh Execution
		runOn(new(arena), &p, sched.NewRandom(seed), Options{}, &fresh)
		if !reflect.DeepEqual(y.History, fresh.History) || !reflect.DeepEqual(y.Schedule, fresh.Schedule) {
			t.Fatalf("seed %d: the execution on reused memory differs from the fresh one", seed)
		}
		if y.arena != a {
			continue // the pool was emptied by a collection: nothing to check
		}
		reused++
		if len(y.History.Records) > 0 && &y.History.Records[0] != &a.kernel.hist.Records[:1][0] {
			t.Fatalf("seed %d: the records are not the arena's", seed)
		}
		if err := fromSlabs(&a.kernel); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		y.Release()
	}
	if reused == 0 {
		t.Fatal("no Run reused the arena released just before it")
	}
}

// Releasing twice, or releasing a copy of a released execution, does not
// put the arena back twice: two later executions would share it.
func TestReleaseTwiceIsHarmless(t *testing.T) {
	p := gen.Program(gen.NewRand(1), gen.Options{})
	x := Run(p, sched.NewRandom(1), Options{})
	copied := x
	x.Release()
	x.Release()
	copied.Release()
	y := Run(p, sched.NewRandom(2), Options{})
	z := Run(p, sched.NewRandom(3), Options{})
	if y.arena == z.arena {
		t.Fatal("two executions run on one arena, released more than once")
	}
}

// fromSlabs reports a namespace, user namespace or mount of k that is
// not from its arena's slabs, where they had room for all.
func fromSlabs(k *Kernel) error {
	m := k.mem
	for _, ns := range k.ns {
		if ns != nil && m.nsN <= len(m.nss) && !containsPtr(m.nss, ns) {
			return fmt.Errorf("namespace %d is not from the arena's slab", ns.id)
		}
	}
	for id, x := range k.mounts {
		if x != nil && m.mountN <= len(m.mounts) && !containsPtr(m.mounts, x) {
			return fmt.Errorf("mount %d is not from the arena's slab", id)
		}
	}
	for i, u := range k.users {
		if m.userN <= len(m.users) && !containsPtr(m.users, u) {
			return fmt.Errorf("user namespace %d is not from the arena's slab", i+1)
		}
	}
	return nil
}

func containsPtr[T any](slab []T, p *T) bool {
	for i := range slab {
		if &slab[i] == p {
			return true
		}
	}
	return false
}

// The initial tree an arena copies (bootTree) is the tree makeInitialTree
// makes, whatever the executions on the arena before did to theirs.
func TestBootTreeAgrees(t *testing.T) {
	var fresh Kernel
	fresh.makeInitialTree()
	want := treeImage(fresh.tree.nodes)
	a := &arena{slab: make([]node, 64)} // room for every execution's nodes
	opt := Options{Bugs: BugNames()}
	for seed := range uint64(200) {
		p := gen.Program(gen.NewRand(seed), gen.Options{MaxThreads: 4})
		k := newKernel(&p.Config, opt.Bugs, a)
		if got := treeImage(k.tree.nodes[:len(initialNodes)]); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: the initial tree on the arena is\n%+v\nnot\n%+v", seed, got, want)
		}
		if k.class != k.tree.nodes[initialClass] || k.virtual != k.tree.nodes[initialVirtual] || k.uids != k.tree.nodes[initialUIDs] || k.tree.root != k.tree.nodes[0] {
			t.Fatalf("seed %d: the kernel holds directories not of its tree", seed)
		}
		var x Execution
		runOn(a, &p, sched.NewRandom(seed), opt, &x)
	}
	if a.bootSlab == nil {
		t.Fatal("no execution booted from the arena's copy")
	}
}

// nodeImage is a node with its pointers as allocation numbers.
type nodeImage struct {
	n                node
	parent, target   int
	children         []int
	ownName, drained bool
}

func treeImage(nodes []*node) []nodeImage {
	id := func(n *node) int {
		if n == nil {
			return -1
		}
		return n.id
	}
	var im []nodeImage
	for _, n := range nodes {
		x := nodeImage{n: *n, parent: id(n.parent), target: id(n.target), ownName: n.nameBuf == &n.name0, drained: n.drained != nil}
		for _, c := range n.children {
			x.children = append(x.children, id(c))
		}
		x.n.parent, x.n.target, x.n.children, x.n.nameBuf, x.n.drained = nil, nil, nil, nil, nil
		im = append(im, x)
	}
	return im
}
