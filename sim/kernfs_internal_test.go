package sim

import (
	"slices"
	"testing"

	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// nameHash is kernfs_name_hash's FNV-1a over the tag's four low bytes,
// then the name, whether or not the tag's state comes from tagSeeds.
func TestNameHashIsFNVOverTagThenName(t *testing.T) {
	fnv := func(name string, tag int) uint32 {
		h := uint32(2166136261)
		for _, b := range append([]byte{byte(tag), byte(tag >> 8), byte(tag >> 16), byte(tag >> 24)}, name...) {
			h = (h ^ uint32(b)) * 16777619
		}
		if h &= 0x7fffffff; h < 2 {
			h += 2
		}
		return h
	}
	for _, tag := range []int{0, 1, 2, 63, 64, 65, 255, 256, userAddrBase + 1, 1<<31 + 7} {
		for _, name := range []string{"", "eth0", "net", "a fairly long device name"} {
			if got, want := nameHash(name, tag), fnv(name, tag); got != want {
				t.Errorf("nameHash(%q, %d) = %d, want %d", name, tag, got, want)
			}
		}
	}
}

// insertAt puts a node where slices.Insert would, at every position of
// sibling lists of every length link meets, and keeps the others in order.
func TestInsertAtIsSlicesInsert(t *testing.T) {
	nodes := make([]*node, 6)
	for i := range nodes {
		nodes[i] = &node{id: i}
	}
	n := &node{id: 99}
	for size := range len(nodes) {
		for i := 0; i <= size; i++ {
			got := insertAt(slices.Clone(nodes[:size]), i, n)
			want := slices.Insert(slices.Clone(nodes[:size]), i, n)
			if !slices.Equal(got, want) {
				t.Errorf("insertAt(%d nodes, %d) = %v, want %v", size, i, got, want)
			}
		}
	}
}

// removeNode takes a node out where slices.Delete would, at every
// position, and clears the slot left behind.
func TestRemoveNodeIsSlicesDelete(t *testing.T) {
	nodes := make([]*node, 6)
	for i := range nodes {
		nodes[i] = &node{id: i}
	}
	for size := 1; size <= len(nodes); size++ {
		for i := range size {
			buf := slices.Clone(nodes[:size])
			got := removeNode(buf, buf[i])
			want := slices.Delete(slices.Clone(nodes[:size]), i, i+1)
			if !slices.Equal(got, want) || buf[size-1] != nil {
				t.Errorf("removeNode(%d nodes, #%d) = %v, want %v, slot left %v", size, i, got, want, buf[size-1])
			}
		}
	}
}

// A put of a freed node faults twice, for the touch and for the check
// of kernfs_put's own (drop's), which put does not repeat otherwise,
// and once more for the count below zero.
func TestPutOfFreedNodeFaults(t *testing.T) {
	k := newKernel(&model.Config{Namespaces: 1}, nil, nil)
	k.cov.start(1)
	n := k.tree.alloc(fileNode, "ifindex", 0)
	n.refs, n.freed = 0, true
	sched.New(nil, 0).RunAlone("T0", func(th *sched.Thread) { k.tree.put(th, n) })
	var got []string
	for _, f := range k.faults {
		got = append(got, f.Detail)
	}
	want := []string{
		"kernfs_put touched freed node ifindex@ns0#7",
		"kernfs_put touched freed node ifindex@ns0#7",
		"reference count of ifindex@ns0#7 dropped below zero",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("faults %q, want %q", got, want)
	}
}

// The fault detectors no program of the tests reaches on the correct
// simulator, each made to fire: a reference a node still holds once it
// is unlinked (a leak), and a namespace's passive count dropped below
// zero (an underflow).
func TestFaultDetectorsFire(t *testing.T) {
	for _, c := range []struct {
		name string
		harm func(k *Kernel, th *sched.Thread)
		want string
	}{
		{"leak", func(k *Kernel, _ *sched.Thread) {
			n := k.tree.alloc(fileNode, "ifindex", 0)
			n.refs = 2
			k.closeAll()
		}, "node ifindex@ns0#7 unlinked but still holds 2 references"},
		{"underflow", func(k *Kernel, th *sched.Thread) {
			ns := k.alive(1)
			ns.passive = 0
			k.dropNS(th, ns)
		}, "refcount_t: underflow; use-after-free: passive count of ns1 below zero"},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := newKernel(&model.Config{Namespaces: 1}, nil, nil)
			k.cov.start(1)
			sched.New(nil, 0).RunAlone("T0", func(th *sched.Thread) { c.harm(k, th) })
			var got []string
			for _, f := range k.faults {
				got = append(got, f.Detail)
			}
			if !slices.Contains(got, c.want) {
				t.Fatalf("faults %q, want %q among them", got, c.want)
			}
		})
	}
}
