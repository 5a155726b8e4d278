package kernel

import (
	"slices"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/sysfsim/sysfsim/model"
)

// BenchmarkOps measures each kind of kernel operation twice: driven by the
// backend (Backend.Do: locks, name resolution, result mapping) and "raw",
// the same request sent with the netlink library by ifindex, or the same
// system call on the same sysfs instance. The ratio of the two is the
// backend's overhead. Creation and deletion are measured as a pair, and
// moves and renames go there and back, so that every iteration starts from
// the same state.
func BenchmarkOps(b *testing.B) {
	need(b)
	k, err := New(model.Config{Namespaces: 2, Mounts: []int{1, 2}}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	n1, n2 := k.ns[1], k.ns[2]
	h1, err := netlink.NewHandleAt(netns.NsHandle(n1.fd), unix.NETLINK_ROUTE)
	if err != nil {
		b.Fatal(err)
	}
	defer h1.Close()
	h2, err := netlink.NewHandleAt(netns.NsHandle(n2.fd), unix.NETLINK_ROUTE)
	if err != nil {
		b.Fatal(err)
	}
	defer h2.Close()
	do := func(b *testing.B, op model.Op) {
		if _, r, err := k.Do(op); err != nil || r.Err != model.OK {
			b.Fatalf("%v: %v %v", op, r, err)
		}
	}
	must := func(b *testing.B, err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	// A device that stays: dev0 in ns1, with ifindex 10.
	keep := &netlink.Ifb{LinkAttrs: netlink.LinkAttrs{Name: "dev0", Index: 10}}
	must(b, h1.LinkAdd(keep))

	cases := []struct {
		name       string
		backend    func(b *testing.B, i int)
		raw        func(b *testing.B, i int)
		opsPerIter int
	}{
		{"create+remove", func(b *testing.B, i int) {
			do(b, model.Op{Kind: model.Create, NS: 1, Name: "eth0"})
			do(b, model.Op{Kind: model.Remove, NS: 1, Name: "eth0"})
		}, func(b *testing.B, i int) {
			l := &netlink.Ifb{LinkAttrs: netlink.LinkAttrs{Name: "eth0", Index: 100000 + i}}
			must(b, h1.LinkAdd(l))
			must(b, h1.LinkDel(l))
		}, 2},
		{"rename", func(b *testing.B, i int) {
			do(b, model.Op{Kind: model.Rename, NS: 1, Name: "dev0", NewName: "dev1"})
			do(b, model.Op{Kind: model.Rename, NS: 1, Name: "dev1", NewName: "dev0"})
		}, func(b *testing.B, i int) {
			must(b, h1.LinkSetName(keep, "dev1"))
			must(b, h1.LinkSetName(keep, "dev0"))
		}, 2},
		{"move", func(b *testing.B, i int) {
			do(b, model.Op{Kind: model.Move, NS: 1, Name: "dev0", To: 2})
			do(b, model.Op{Kind: model.Move, NS: 2, Name: "dev0", To: 1})
		}, func(b *testing.B, i int) {
			must(b, h1.LinkSetNsFd(keep, n2.fd))
			must(b, h2.LinkSetNsFd(keep, n1.fd))
		}, 2},
		{"lookup", func(b *testing.B, i int) {
			do(b, model.Op{Kind: model.Lookup, Mount: 1, Name: "dev0"})
		}, func(b *testing.B, i int) {
			must(b, n1.view.lookup(model.ClassNet, "dev0"))
		}, 1},
		{"readdir", func(b *testing.B, i int) {
			do(b, model.Op{Kind: model.Readdir, Mount: 1})
		}, func(b *testing.B, i int) {
			_, err := n1.view.list(model.ClassNet)
			must(b, err)
		}, 1},
	}
	// Each case runs the two sides alternately, so that both see the same
	// load, and reports the median duration of one operation on each side
	// and their ratio: medians, because on a shared machine a few slow
	// iterations (an RCU grace period, a preemption) would swamp a mean.
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var back, raw []time.Duration
			for i := range b.N {
				t := time.Now()
				c.backend(b, i)
				back = append(back, time.Since(t))
				t = time.Now()
				c.raw(b, i)
				raw = append(raw, time.Since(t))
			}
			mb, mr := median(back)/time.Duration(c.opsPerIter), median(raw)/time.Duration(c.opsPerIter)
			b.ReportMetric(float64(mb.Nanoseconds()), "backend-ns/op")
			b.ReportMetric(float64(mr.Nanoseconds()), "raw-ns/op")
			b.ReportMetric(float64(mb)/float64(mr), "overhead")
		})
	}
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}
