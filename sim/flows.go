package sim

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/sysfsim/sysfsim/history"

	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// caller runs device flows for one thread. Each flow holds rtnl, as the net
// core does, and takes several kernfs steps, each recorded on its own: an
// observer, which takes no rtnl, sees the states in between.
type caller struct {
	k      *Kernel
	t      *sched.Thread
	thread int
	flow   *model.Flow // the thread's, which a program's flow is made in
}

func (c caller) step(op model.Op) model.Errno { return c.k.record(c.t, c.thread, &op) }

func (c caller) lockRTNL()   { c.k.lock(c.t, &c.k.rtnl) }
func (c caller) unlockRTNL() { c.k.unlock(c.t, &c.k.rtnl) }

// run takes the steps of f, undo included, as its description says
// (model.Flow.Run), each recorded on its own, and returns the flow's
// result: its error, as the records keep the rest.
func (c caller) run(f *model.Flow) model.Result {
	// The steps by pointer: record copies each into its record, once.
	return f.RunSteps(func(op *model.Op) model.Result { return model.Result{Err: c.k.record(c.t, c.thread, op)} })
}

// programFlow makes f the description of a program's flow op, a copy of
// the program's that it changes. Only cleanup_net's own steps are marked
// Cleanup (exitKernel): a program's thread cannot claim to be it.
func programFlow(f *model.Flow, op *model.Op) {
	op.Cleanup = false
	f.Of(op)
}

// create is register_netdevice: an ifindex, then device_add's steps.
func (c caller) create(op *model.Op) {
	if !c.k.bugs.Has(BugUnlockedAdd) {
		c.lockRTNL()
		defer c.unlockRTNL()
	}
	// The step that follows takes an ifindex (rtnl's, but not with the
	// bug) and records the add's call.
	c.k.access(c.t, &c.k.ifindex, true)
	c.k.ifindex++
	o := *op
	o.Index = c.k.ifindex
	programFlow(c.flow, &o)
	c.run(c.flow)
}

// locked runs a program's flow under rtnl, as remove
// (unregister_netdevice -> device_del), rename (dev_change_name ->
// device_rename) and move (__dev_change_net_namespace) hold it across
// their steps.
func (c caller) locked(op *model.Op) {
	c.lockRTNL()
	defer c.unlockRTNL()
	o := *op
	programFlow(c.flow, &o)
	c.run(c.flow)
}

// exitKernel is cleanup_net -> default_device_exit_batch, under rtnl: the
// namespace first takes no new devices; then each virtual device is
// unregistered and each physical one moved back to the initial namespace,
// as "dev<ifindex>" when its name is taken there
// (default_device_exit_net); Gone marks the end.
func (c caller) exitKernel(op *model.Op) {
	c.lockRTNL()
	defer c.unlockRTNL()
	if c.k.record(c.t, c.thread, op) != model.OK {
		return
	}
	k, tr := c.k, &c.k.tree
	ns := k.ns[op.NS]
	ns.cleaning = true
	type dev struct {
		name    string
		phys    bool
		ifindex int
	}
	var devs []dev
	c.k.rlock(c.t, &tr.lock)
	var devices []*node
	if dir := k.devDir(); dir != nil {
		devices = dir.children
	}
	for _, d := range devices {
		if d.tag == ns.addr && d.isActive() {
			x := dev{name: d.name, phys: d.phys}
			for _, a := range d.children {
				x.ifindex = a.value
			}
			devs = append(devs, x)
		}
	}
	c.k.runlock(c.t, &tr.lock)
	if c.k.bugs.Has(BugExitForgetsDevice) {
		devs = forgetLastVirtual(devs, func(d dev) bool { return !d.phys })
	}
	for _, d := range devs {
		if !d.phys {
			f := model.FlowOf(model.Op{Kind: model.Remove, NS: op.NS, Name: d.name, Cleanup: true})
			c.run(&f)
			continue
		}
		newName := c.handbackName(d.name, d.ifindex)
		f := model.Handback(op.NS, d.name, newName)
		if r := c.run(&f); r.Err != model.OK {
			// default_device_exit_net: "device_rename: unable to move
			// %s to init_net (%d)" and BUG(); cleanup_net never ends.
			k.fault(c.t, history.Crash, fmt.Sprintf("default_device_exit_net: cannot move %s of ns%d back to init_net as %q: %v; BUG()", d.name, op.NS, cmp.Or(newName, d.name), r.Err))
			return
		}
	}
	c.step(model.Op{Kind: model.Gone, NS: op.NS})
	ns.cleaning = false
	k.freeNS(ns)
}

// forgetLastVirtual is BugExitForgetsDevice: the walk of cleanup_net
// misses the last virtual device it collected.
func forgetLastVirtual[D any](devs []D, virtual func(D) bool) []D {
	for i := len(devs) - 1; i >= 0; i-- {
		if virtual(devs[i]) {
			return slices.Delete(slices.Clone(devs), i, i+1)
		}
	}
	return devs
}

// handbackName is the name default_device_exit_net gives a physical
// device it hands back to the initial namespace: its own, or "dev<ifindex>"
// when its own is taken there ("" for its own).
func (c caller) handbackName(name string, ifindex int) string {
	// BugExitHandbackClash: the name is not checked against init_net,
	// as before d09486a04f5d the device's altnames were not.
	if c.k.bugs.Has(BugExitHandbackClash) || !c.nameInUse(1, name) {
		return ""
	}
	newName := fmt.Sprintf("dev%d", ifindex)
	for i := 0; c.nameInUse(1, newName); i++ {
		newName = fmt.Sprintf("dev%d", i) // the "dev%d" pattern
	}
	return newName
}

// nameInUse is netdev_name_in_use: under rtnl the devices directory of
// the namespace is the name table.
func (c caller) nameInUse(id int, name string) bool {
	tr := &c.k.tree
	c.k.rlock(c.t, &tr.lock)
	defer c.k.runlock(c.t, &tr.lock)
	ns := c.k.alive(id)
	devices := c.k.devDir()
	return ns != nil && devices != nil && tr.find(c.t, devices, name, ns.addr) != nil
}
