package sim

import (
	"cmp"
	"fmt"

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
}

func (c caller) step(op model.Op) model.Result {
	return c.k.record(c.t, c.thread, op, func() model.Result { return c.k.atomic(c.t, op) })
}

func (c caller) lockRTNL()   { c.t.Lock(&c.k.rtnl) }
func (c caller) unlockRTNL() { c.t.Unlock(&c.k.rtnl) }

// create is register_netdevice: an ifindex, then device_add: the directory
// with its attributes, then the class symlink.
func (c caller) create(op model.Op) {
	if !c.k.bugs.Has(BugUnlockedAdd) {
		c.lockRTNL()
		defer c.unlockRTNL()
	}
	// The step that follows takes an ifindex (rtnl's, but not with the
	// bug) and records the add's call.
	c.t.Access(&c.k.ifindex, true)
	c.k.ifindex++
	r := c.step(model.Op{Kind: model.AddDev, NS: op.NS, Name: op.Name, Index: c.k.ifindex, Phys: op.Phys})
	if r.Err != model.OK {
		return
	}
	c.step(model.Op{Kind: model.AddLink, NS: op.NS, Name: op.Name})
}

// remove is unregister_netdevice -> device_del: the class symlink first,
// then the directory, drained of its readers.
func (c caller) remove(op model.Op) {
	c.lockRTNL()
	defer c.unlockRTNL()
	c.unregister(op.NS, op.Name, false)
}

// unregister is the removal proper: the device is unregistered, then
// device_del takes its class symlink and its directory.
func (c caller) unregister(ns int, name string, cleanup bool) {
	for _, kind := range []model.Kind{model.Unregister, model.DelLink, model.DelDev} {
		if c.step(model.Op{Kind: kind, NS: ns, Name: name, Cleanup: cleanup}).Err != model.OK {
			return
		}
	}
}

// rename is dev_change_name -> device_rename: the class link, then the
// directory; if the directory cannot follow, the link is renamed back, as
// the 2024 fix of device_rename does.
func (c caller) rename(op model.Op) {
	c.lockRTNL()
	defer c.unlockRTNL()
	c.linkThenDir(
		model.Op{Kind: model.RenameLink, NS: op.NS, Name: op.Name, NewName: op.NewName},
		model.Op{Kind: model.RenameDev, NS: op.NS, Name: op.Name, NewName: op.NewName},
		model.Op{Kind: model.RenameLink, NS: op.NS, Name: op.NewName, NewName: op.Name})
}

// linkThenDir is device_rename: the class link's step, then the
// directory's; if the directory cannot follow, undo puts the link back.
func (c caller) linkThenDir(link, dir, undo model.Op) {
	if c.step(link).Err != model.OK {
		return
	}
	if c.step(dir).Err != model.OK {
		c.step(undo)
	}
}

// move is __dev_change_net_namespace -> device_rename with the new
// namespace: link, then directory, each re-tagged by kernfs_rename_ns.
func (c caller) move(op model.Op) {
	c.lockRTNL()
	defer c.unlockRTNL()
	c.linkThenDir(
		model.Op{Kind: model.MoveLink, NS: op.NS, Name: op.Name, To: op.To},
		model.Op{Kind: model.MoveDev, NS: op.NS, Name: op.Name, To: op.To},
		model.Op{Kind: model.MoveLink, NS: op.To, Name: op.Name, To: op.NS})
}

// exitKernel is cleanup_net -> default_device_exit_batch, under rtnl: the
// namespace first takes no new devices; then each virtual device is
// unregistered and each physical one moved back to the initial namespace,
// as "dev<ifindex>" when its name is taken there
// (default_device_exit_net); Gone marks the end.
func (c caller) exitKernel(op model.Op) {
	c.lockRTNL()
	defer c.unlockRTNL()
	if c.step(op).Err != model.OK {
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
	c.t.Lock(&tr.lock)
	for _, d := range k.devices.children {
		if d.tag == ns.addr && d.isActive() {
			x := dev{name: d.name, phys: d.phys}
			for _, a := range d.children {
				x.ifindex = a.value
			}
			devs = append(devs, x)
		}
	}
	c.t.Unlock(&tr.lock)
	for _, d := range devs {
		if !d.phys {
			c.unregister(op.NS, d.name, true)
			continue
		}
		newName := ""
		// BugExitHandbackClash: the name is not checked against init_net,
		// as before d09486a04f5d the device's altnames were not.
		if !k.bugs.Has(BugExitHandbackClash) && c.nameInUse(1, d.name) {
			newName = fmt.Sprintf("dev%d", d.ifindex)
			for i := 0; c.nameInUse(1, newName); i++ {
				newName = fmt.Sprintf("dev%d", i) // the "dev%d" pattern
			}
		}
		r := c.step(model.Op{Kind: model.MoveLink, NS: op.NS, Name: d.name, To: 1, NewName: newName, Cleanup: true})
		if r.Err == model.OK {
			r = c.step(model.Op{Kind: model.MoveDev, NS: op.NS, Name: d.name, To: 1, NewName: newName, Cleanup: true})
		}
		if r.Err != model.OK {
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

// nameInUse is netdev_name_in_use: under rtnl the devices directory of
// the namespace is the name table.
func (c caller) nameInUse(id int, name string) bool {
	tr := &c.k.tree
	c.t.Lock(&tr.lock)
	defer c.t.Unlock(&tr.lock)
	ns := c.k.alive(id)
	return ns != nil && tr.find(c.t, c.k.devices, name, ns.addr) != nil
}
