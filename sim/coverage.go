package sim

import (
	"fmt"
	"math/bits"

	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// Coverage is what one execution reached of the kernfs state space, as a
// set of points (see CoverageNames). It is a plain array of bits, filled
// as the execution runs and copied into its Execution, so that recording
// allocates nothing and merging two is an OR.
//
// The points, in five groups:
//
//   - node: a step, observer or exit touched a node in a state: active,
//     draining (deactivated with users in flight), deactivated (drained,
//     not unlinked yet) or unlinked (out of the tree, still referenced).
//     A touch of a freed node is a fault already, not a point.
//   - ns: a program operation naming a namespace found it at a life
//     stage: unborn, born (alive, no mount holds it), mounted, exiting
//     (dead, its cleanup running), dead-held (dead, kept by a mount) or
//     torn-down (its struct freed).
//   - list: how full a directory was at each getdents call of a listing
//     (0 to 5+ entries of any tag).
//   - cursor: what had become of a listing's saved cursor (the entry it
//     resumes from) when the next getdents call came: still valid,
//     deactivated, unlinked, or renamed or moved (its hash changed). A
//     freed cursor is a fault.
//   - overlap: a program operation began while another thread was in the
//     middle of an operation: a step or observer being recorded, or a
//     flow between its steps ("lookup during rename-link").
//
// Some points may be out of reach by construction (an add-dev finding
// its new node draining); a campaign reports the unreached ones all the
// same, as branch coverage reports dead code.
type Coverage [coverageWords]uint64

// The groups' sizes and offsets in a Coverage.
const (
	nodeStates  = 4
	nsStages    = 6
	listBuckets = 6
	dirs        = 3
	cursorCases = 4

	nodeBase    = 0
	nsBase      = nodeBase + kindCount*nodeStates
	listBase    = nsBase + kindCount*nsStages
	cursorBase  = listBase + dirs*listBuckets
	overlapBase = cursorBase + dirs*cursorCases
	// coveragePoints bounds the points: overlap pairs a program kind
	// with any kind.
	coveragePoints = overlapBase + programKindCount*kindCount
	coverageWords  = (coveragePoints + 63) / 64
)

// kindCount bounds model.Kind values; programKindCount counts the kinds a
// program's threads run (all but steps and Gone).
const (
	kindCount        = 29
	programKindCount = 16
)

var (
	nodeStateNames = [nodeStates]string{"active", "draining", "deactivated", "unlinked"}
	nsStageNames   = [nsStages]string{"unborn", "born", "mounted", "exiting", "dead-held", "torn-down"}
	dirNames       = [dirs]string{"class/net", "devices/virtual/net", "kernel/uids"}
	cursorNames    = [cursorCases]string{"valid", "deactivated", "unlinked", "renamed"}
	// programKinds numbers the program kinds 0..programKindCount-1;
	// programKindOf is its inverse, -1 for the others.
	programKinds, programKindOf = numberProgramKinds()
	// touchesNode and namesNSKind are touchesNodes and namesNS by kind,
	// for the hot path.
	touchesNode   = tableOf(touchesNodes)
	namesNSKind   = tableOf(namesNS)
	coverageNames = makeCoverageNames()
)

// touchesNodes reports whether the node points of kind k exist: the
// steps and observers, and the atomic operations that walk the tree.
func touchesNodes(k model.Kind) bool {
	spec, _ := k.Spec()
	switch k {
	case model.Exit, model.AddUID, model.DelUID, model.ExitUser:
		return true
	}
	return spec.Class == model.StepClass || spec.Class == model.ObserverClass
}

// namesNS reports whether the namespace points of kind k exist: a
// program operation that names a namespace.
func namesNS(k model.Kind) bool { return programKindOf[k] >= 0 && k.Takes()&model.FNS != 0 }

func numberProgramKinds() ([]model.Kind, [kindCount]int) {
	var ks []model.Kind
	var of [kindCount]int
	for i := range of {
		of[i] = -1
	}
	for _, k := range model.Kinds() {
		if int(k) >= kindCount {
			panic(fmt.Sprintf("sim: kind %v past kindCount", k))
		}
		if spec, _ := k.Spec(); spec.Class == model.StepClass || k == model.Gone {
			continue
		}
		of[k] = len(ks)
		ks = append(ks, k)
	}
	if len(ks) != programKindCount {
		panic(fmt.Sprintf("sim: %d program kinds, programKindCount says %d", len(ks), programKindCount))
	}
	return ks, of
}

func tableOf(f func(model.Kind) bool) (t [kindCount]bool) {
	for _, k := range model.Kinds() {
		t[k] = f(k)
	}
	return t
}

func makeCoverageNames() []string {
	names := make([]string, coveragePoints)
	for _, k := range model.Kinds() {
		for s := range nodeStates {
			if touchesNodes(k) {
				names[nodeBase+int(k)*nodeStates+s] = fmt.Sprintf("node %v %s", k, nodeStateNames[s])
			}
		}
		for s := range nsStages {
			if namesNS(k) {
				names[nsBase+int(k)*nsStages+s] = fmt.Sprintf("ns %v %s", k, nsStageNames[s])
			}
		}
	}
	for d := range dirs {
		for b := range listBuckets {
			names[listBase+d*listBuckets+b] = fmt.Sprintf("list %s %d", dirNames[d], b)
		}
		names[listBase+d*listBuckets+listBuckets-1] += "+"
		for c := range cursorCases {
			names[cursorBase+d*cursorCases+c] = fmt.Sprintf("cursor %s %s", dirNames[d], cursorNames[c])
		}
	}
	for _, a := range programKinds {
		for _, b := range model.Kinds() {
			names[overlapPoint(a, b)] = fmt.Sprintf("overlap %v during %v", a, b)
		}
	}
	return names
}

// CoverageNames returns the name of every point a Coverage has, by index.
// Indices with no name ("") stand for no point (kind numbers unused) and
// are never set.
func CoverageNames() []string { return coverageNames }

// CoveragePoints counts the named points.
func CoveragePoints() int {
	n := 0
	for _, s := range coverageNames {
		if s != "" {
			n++
		}
	}
	return n
}

// Has reports whether point i was reached.
func (c *Coverage) Has(i int) bool { return c[i/64]&(1<<(i%64)) != 0 }

// Count counts the points reached.
func (c *Coverage) Count() int {
	n := 0
	for _, w := range c {
		n += bits.OnesCount64(w)
	}
	return n
}

// Or adds the points of d to c.
func (c *Coverage) Or(d *Coverage) {
	for i := range c {
		c[i] |= d[i]
	}
}

// Points calls f with each point reached, in index order.
func (c *Coverage) Points(f func(i int)) {
	for w, x := range c {
		for x != 0 {
			b := bits.TrailingZeros64(x)
			f(w*64 + b)
			x &^= 1 << b
		}
	}
}

// set adds point i, which is never negative: unsigned, the word and the
// bit are a shift and a mask.
func (c *Coverage) set(i int) { c[uint(i)/64] |= 1 << (uint(i) % 64) }

// overlapPoint is the point of program kind a beginning during kind b.
func overlapPoint(a, b model.Kind) int { return overlapBase + programKindOf[a]*kindCount + int(b) }

// coverer is the Kernel's side of coverage: the points so far and the
// kind each thread runs now.
type coverer struct {
	points Coverage
	// running is the kind in flight per thread (by sched ID): the step
	// or observer being recorded, else the program's operation, 0
	// between operations.
	running []model.Kind
	// off records nothing (Options.Probe): running stays empty, which
	// coverTouch already takes for "nothing to count".
	off bool
}

// start makes room for the threads of an execution, unless c is off.
func (c *coverer) start(threads int) {
	if c.off {
		return
	}
	for len(c.running) < threads {
		c.running = append(c.running, 0)
	}
}

// begin marks the start of a program operation on t: it overlaps those
// in flight on the other threads, and names its namespace at some stage.
func (k *Kernel) coverBegin(t *sched.Thread, op *model.Op) {
	c, id := &k.cov, t.ID()
	if c.off {
		return
	}
	// Alone (a setup), no other thread is in the middle of anything.
	if a := programKindOf[op.Kind]; a >= 0 && !k.alone {
		during := overlapBase + a*kindCount // overlapPoint(op.Kind, 0)
		for j, other := range c.running {
			if other != 0 && j != id {
				c.points.set(during + int(other))
			}
		}
	}
	c.running[id] = op.Kind
	if namesNSKind[op.Kind] {
		c.points.set(nsBase + int(op.Kind)*nsStages + k.nsStage(op.NS))
	}
}

// coverEnd marks the end of t's program operation.
func (k *Kernel) coverEnd(t *sched.Thread) {
	if c, id := &k.cov, t.ID(); !c.off {
		c.running[id] = 0
	}
}

// coverStep starts a recorded step or observer of kind on t, which the
// nodes it touches are counted against; it returns the kind before, for
// coverStepEnd to restore.
func (k *Kernel) coverStep(t *sched.Thread, kind model.Kind) model.Kind {
	c, id := &k.cov, t.ID()
	if c.off {
		return 0
	}
	was := c.running[id]
	c.running[id] = kind
	return was
}

// coverStepEnd ends the step coverStep started.
func (k *Kernel) coverStepEnd(t *sched.Thread, was model.Kind) {
	if !k.cov.off {
		k.cov.running[t.ID()] = was
	}
}

// nsStage is the life stage of namespace id now.
func (k *Kernel) nsStage(id int) int {
	if id < 1 || id >= len(k.ns) || k.ns[id] == nil {
		return 0 // unborn, or no such namespace
	}
	ns := k.ns[id]
	switch {
	case ns.freed:
		return 5
	case ns.dead && ns.cleaning:
		return 3
	case ns.dead:
		return 4
	case ns.passive > 0:
		return 2
	}
	return 1
}

// coverTouch counts a touch of n, not freed, by what t runs. Small
// enough to inline into tree.check, which every touch goes through.
func (k *Kernel) coverTouch(t *sched.Thread, n *node) {
	c, id := &k.cov, t.ID()
	if id < len(c.running) && touchesNode[c.running[id]] {
		c.points.set(nodeBase + int(c.running[id])*nodeStates + nodeState(n))
	}
}

// nodeState is the node point of n's state: active, draining,
// deactivated or unlinked (nodeStateNames).
func nodeState(n *node) int {
	if !n.linked {
		return 3
	}
	if n.active >= 0 {
		return 0
	}
	if n.active == deactivated {
		return 2
	}
	return 1
}

// dirIndex is the coverage number of a listed directory, -1 if none.
func (k *Kernel) dirIndex(parent *node) int {
	switch {
	case parent == k.class:
		return 0
	case parent != nil && parent.parent == k.virtual: // the glue directory, made and removed with the class's devices
		return 1
	case parent == k.uids:
		return 2
	}
	return -1
}

// coverList counts a getdents call on parent.
func (k *Kernel) coverList(parent *node) {
	if d := k.dirIndex(parent); d >= 0 && !k.cov.off {
		k.cov.points.set(listBase + d*listBuckets + min(len(parent.children), listBuckets-1))
	}
}

// coverCursor counts what became of a listing's saved cursor pos, saved
// at hash, when the listing of parent resumes from it.
// A listing's first call has no cursor (pos nil) and counts nothing.
func (k *Kernel) coverCursor(parent *node, hash uint32, pos *node) {
	d := k.dirIndex(parent)
	if d < 0 || k.cov.off || pos == nil || pos.freed {
		return
	}
	c := 0
	switch {
	case !pos.linked || pos.parent != parent:
		c = 2
	case !pos.isActive():
		c = 1
	case pos.hash != hash:
		c = 3
	}
	k.cov.points.set(cursorBase + d*cursorCases + c)
}

// coverageIndex is the index of each point by name.
var coverageIndex = func() map[string]int {
	m := map[string]int{}
	for i, s := range coverageNames {
		if s != "" {
			m[s] = i
		}
	}
	return m
}()

// CoveragePoint returns the index of the point named name, and whether
// there is one.
func CoveragePoint(name string) (int, bool) {
	i, ok := coverageIndex[name]
	return i, ok
}
