package sim

import (
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
	c.t.Yield()
	c.k.ifindex++
	r := c.step(model.Op{Kind: model.AddDev, NS: op.NS, Name: op.Name, Index: c.k.ifindex})
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
	if c.step(model.Op{Kind: model.DelLink, NS: op.NS, Name: op.Name}).Err != model.OK {
		return
	}
	c.step(model.Op{Kind: model.DelDev, NS: op.NS, Name: op.Name})
}

// rename is dev_change_name -> device_rename: the class link, then the
// directory; if the directory cannot follow, the link is renamed back, as
// the 2024 fix of device_rename does.
func (c caller) rename(op model.Op) {
	c.lockRTNL()
	defer c.unlockRTNL()
	if c.step(model.Op{Kind: model.RenameLink, NS: op.NS, Name: op.Name, NewName: op.NewName}).Err != model.OK {
		return
	}
	if c.step(model.Op{Kind: model.RenameDev, NS: op.NS, Name: op.Name, NewName: op.NewName}).Err != model.OK {
		c.step(model.Op{Kind: model.RenameLink, NS: op.NS, Name: op.NewName, NewName: op.Name})
	}
}

// move is __dev_change_net_namespace -> device_rename with the new
// namespace: link, then directory, each re-tagged by kernfs_rename_ns.
func (c caller) move(op model.Op) {
	c.lockRTNL()
	defer c.unlockRTNL()
	if c.step(model.Op{Kind: model.MoveLink, NS: op.NS, Name: op.Name, To: op.To}).Err != model.OK {
		return
	}
	if c.step(model.Op{Kind: model.MoveDev, NS: op.NS, Name: op.Name, To: op.To}).Err != model.OK {
		c.step(model.Op{Kind: model.MoveLink, NS: op.To, Name: op.Name, To: op.NS})
	}
}
