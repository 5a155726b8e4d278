package sim

import (
	"fmt"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/sim/sched"
)

// The glue directory. devices/virtual/net is not a device's directory but
// the net class's glue directory under devices/virtual (a device of the
// class with no parent device lives in /sys/devices/virtual/<class>):
// drivers/base/core.c makes it with the class's first device
// (get_device_parent -> class_dir_create_and_add) and removes it with the
// last one (cleanup_glue_dir, from device_del and from device_add's error
// path). Both run under gdp_mutex, and a device holds a reference on the
// glue kobject from get_device_parent to its cleanup_glue_dir.
//
// The removal has a history. cebf8fd16900 "driver core: fix race between
// creating/querying glue dir and its cleanup" had cleanup_glue_dir drop
// the glue kobject's reference under gdp_mutex, after the device's
// kobject_del, so that the glue directory leaves the class's list under
// the mutex get_device_parent searches it under. 726e41097920 (2018)
// "drivers: core: Remove glue dirs from sysfs earlier" removed the glue
// directory from sysfs (kobject_del) as soon as it had no children, no
// longer waiting for the kobject's last reference; that let it go while a
// device_add that had taken its reference in get_device_parent was about
// to add its device under it, which then used the freed kernfs node
// (kernfs_new_node -> kernfs_get on glue_dir->sd). ac43432cb1f5 (2019)
// "driver core: Fix use-after-free and double free on glue directory"
// removes it only when the device being removed holds its last reference
// (kref_read == 1), as here; BugGlueDirNoKref does what 726e41097920 did.
//
// Net devices register and unregister under rtnl, which already
// serializes the two; what races with a device flow here is the seed
// scheme's exit (sysfs_exit_tag, which takes no rtnl), whose removal of a
// namespace's devices ends in cleanup_glue_dir for each, and BugUnlockedAdd.

// glueDir is a glue directory's kobject (class_dir).
type glueDir struct {
	// kref is kobj->kref: one per device from get_device_parent to its
	// cleanup_glue_dir. The kernel's kobject_add takes one more for the
	// device's kobject, which the device's kobject_del drops before
	// cleanup_glue_dir reads the count: it never changes the test.
	kref int
	sd   *node // kobj->sd; nil once kobject_del has run (sysfs_remove_dir)
	kn   *node // the kernfs directory it was made with: its devices' parent
}

// glueState is the driver core's side of the net class's glue directory.
type glueState struct {
	mutex sched.Mutex // gdp_mutex
	// listed is the class's glue directory under devices/virtual, in the
	// class's glue_dirs kset; nil when there is none (kobj_kset_leave).
	listed *glueDir
	// made is every glue kobject of the execution, so that a device's
	// parent kobject (dev->kobj.parent) is found from its node's parent.
	made []*glueDir
}

// devDir is devices/virtual/net as kernfs has it now: the glue directory
// linked under devices/virtual, or nil. Its node changes each time the
// directory is made anew. Nearly always it is devices/virtual's only
// child, which the search would find: that is taken without one.
func (k *Kernel) devDir() *node {
	if c := k.virtual.children; len(c) == 1 && c[0].hash == glueHash && c[0].tag == 0 && c[0].name == "net" {
		return c[0]
	}
	return k.tree.childHashed(k.virtual, "net", 0, glueHash)
}

// glueOf is the glue kobject whose directory is n, or nil: a device's
// parent kobject, from its node's parent.
func (k *Kernel) glueOf(n *node) *glueDir {
	for _, g := range k.glue.made {
		if g.kn == n {
			return g
		}
	}
	return nil
}

// getDeviceParent is get_device_parent for a net device with no parent
// device: under gdp_mutex, the class's glue directory, found and
// referenced (kobject_get) or made (class_dir_create_and_add). It returns
// the glue kobject, referenced for the device, and its directory, which
// the device is added under.
//
// The directory (glue->sd) is read here, under gdp_mutex, where the kernel
// reads it after releasing the mutex (sysfs_create_dir_ns): only
// kobject_del changes it, under gdp_mutex, and only once no device holds
// a reference but its remover, so the two reads differ only under
// BugGlueDirNoKref, where the earlier read still sees the directory that
// is then freed.
func (k *Kernel) getDeviceParent(t *sched.Thread) (*glueDir, *node) {
	g := &k.glue
	k.lock(t, &g.mutex)
	defer k.unlock(t, &g.mutex)
	if d := g.listed; d != nil {
		d.kref++ // kobject_get
		return d, d.sd
	}
	d := k.classDirCreate(t)
	return d, d.sd
}

// classDirCreate is class_dir_create_and_add: a kobject with one
// reference, the device's, whose directory kobject_add makes under
// devices/virtual (kernfs_create_dir_ns: linked, then activated), listed
// in the class's glue_dirs. The caller holds gdp_mutex.
func (k *Kernel) classDirCreate(t *sched.Thread) *glueDir {
	tr := &k.tree
	k.lock(t, &tr.lock)
	kn := tr.allocHashed(dirNode, "net", 0, glueHash)
	tr.link(k.virtual, kn)
	tr.get(kn) // kobj->sd
	tr.get(kn) // pinned until activated
	k.unlock(t, &tr.lock)
	k.activate(t, kn)
	d := k.mem.glueDir(glueDir{kref: 1, sd: kn, kn: kn})
	k.glue.listed = d
	k.glue.made = append(k.glue.made, d)
	return d
}

// cleanupGlueDir is cleanup_glue_dir(dev, glue_dir), run by whoever
// removed a device's directory (device_del, or the seed scheme's exit) and
// by a device_add that failed after get_device_parent: under gdp_mutex,
// the glue directory goes when it has no children and the device's is its
// last reference (ac43432cb1f5's kref_read test; BugGlueDirNoKref omits
// it); then the device's reference goes (kobject_put). d nil is a device
// that lives in no glue directory (live_in_glue_dir).
func (k *Kernel) cleanupGlueDir(t *sched.Thread, d *glueDir) {
	if d == nil {
		return
	}
	g := &k.glue
	k.lock(t, &g.mutex)
	defer k.unlock(t, &g.mutex)
	// kobject_has_children reads the kernfs directory, without its lock.
	k.treeStep(t)
	last := d.kref == 1 || k.bugs.Has(BugGlueDirNoKref)
	if d.sd != nil && len(d.sd.children) == 0 && last {
		k.kobjectDel(t, d)
	}
	d.kref-- // kobject_put; at zero the kobject is freed (class_dir_release)
	if d.kref < 0 {
		k.fault(t, history.UseAfterFree, fmt.Sprintf("kobject_put of the glue directory %v below zero", d.kn))
	}
}

// kobjectDel is kobject_del of a glue kobject: sysfs_remove_dir
// (kobj->sd = NULL, then kernfs_remove of the directory), sysfs_put of the
// kobject's reference on it, and kobj_kset_leave: the class lists it no
// more, so the next get_device_parent makes a new one. The caller holds
// gdp_mutex.
func (k *Kernel) kobjectDel(t *sched.Thread, d *glueDir) {
	kn := d.sd
	d.sd = nil
	tr := &k.tree
	k.lock(t, &tr.lock)
	nodes := k.deactivate(t, kn, k.nodeBufs.take())
	k.unlock(t, &tr.lock)
	k.drainAndUnlink(t, nodes)
	tr.put(t, kn) // sysfs_put(sd)
	if k.glue.listed == d {
		k.glue.listed = nil
	}
}
