package sim

import (
	"fmt"
	"slices"
	"strings"
)

// Bug is a seeded bug: a switch that changes the simulator the way a
// historical kernel bug changed kernfs or sysfs.
type Bug struct {
	Name      BugName `json:"name"`
	Reference string  `json:"reference"`
	// Property is the checker expected to catch it, a properties.Property
	// by name: package properties cannot be imported here, since its tests
	// import this package (properties.TestBugsNameProperties checks it).
	Property string `json:"property"`
	// Scenario is the smallest program that shows it.
	Scenario string `json:"scenario"`
}

// BugName names a seeded bug, as the command line, trace headers and
// campaign summaries spell it. ParseBug reads a name.
type BugName string

// The seeded bugs.
const (
	BugTagBlindLookup         BugName = "tag-blind-lookup"
	BugExitUnlockedDeactivate BugName = "exit-unlocked-deactivate"
	BugUnlockedAdd            BugName = "unlocked-add"
	BugReaddirDropLock        BugName = "readdir-drop-lock"
	BugReaddirCursorDescent   BugName = "readdir-cursor-descent"
	BugTagReuse               BugName = "tag-reuse"
	BugMountDoubleDrop        BugName = "mount-double-drop"
	BugRemoveByNameNoRef      BugName = "remove-by-name-no-ref"
	BugAddUnderRemoved        BugName = "add-under-removed"
	BugShowTakesRTNL          BugName = "show-takes-rtnl"
	BugExitHandbackClash      BugName = "exit-handback-clash"
	BugReaddirCursorNoRef     BugName = "readdir-cursor-no-ref"
	BugRenameLinkRecreate     BugName = "rename-link-recreate"
	BugExitForgetsDevice      BugName = "exit-forgets-device"
	BugActivateRemoving       BugName = "activate-removing"
	BugNegativeDentryInactive BugName = "negative-dentry-inactive"
	BugDentryNSUnchecked      BugName = "dentry-ns-unchecked"
	BugGlueDirNoKref          BugName = "glue-dir-no-kref"
)

// Bugs is the catalogue, in a stable order.
var Bugs = []Bug{
	{
		Name:      BugTagBlindLookup,
		Reference: "early kernfs_name_compare/kernfs_find_ns: the tag compared as a truncated pointer difference, so two tags could compare equal",
		Property:  "tag-isolation",
		Scenario:  "create(ns1, eth0) || lookup(m2, eth0): ns2's mount finds ns1's eth0",
	},
	{
		Name:      BugExitUnlockedDeactivate,
		Reference: "a685e08987d1 (2011) and c25491747b21 (2022): entries of a dying tag or directory deactivated outside the critical section that decided their fate",
		Property:  "no-resurrection",
		Scenario:  "exit(ns1) || create(ns1, eth0): the create slips between collection and deactivation, and eth0 outlives its namespace",
	},
	{
		Name:      BugUnlockedAdd,
		Reference: "\"sysfs: cannot create duplicate filename\" races: a device registered without rtnl (register_netdevice called unlocked), with the uniqueness check and kernfs_link_sibling in two critical sections",
		Property:  "uniqueness",
		Scenario:  "create(ns1, eth0) || create(ns1, eth0): both pass the check, both link",
	},
	{
		Name:      BugReaddirDropLock,
		Reference: "9aab10a0249e (2025) \"kernfs: Don't re-lock kernfs_root::kernfs_rwsem in kernfs_fop_readdir()\": the name pointer kept across the dropped lock, freed by a concurrent rename",
		Property:  "safe-free",
		Scenario:  "readdir(m1) || rename(ns1, eth0 -> eth1): the rename frees the name readdir is copying out",
	},
	{
		Name:      BugReaddirCursorDescent,
		Reference: "fs/kernfs/dir.c kernfs_dir_pos (sysfs_dir_pos since 2.6.35): when the saved cursor node is gone, the rbtree search for its hash stops at the last node visited, which may have a smaller hash, so an entry already listed is listed again (found by sysfsim)",
		Property:  "readdir-regularity",
		Scenario:  "readdir(m2) over two getdents calls || move(eth1, ns2 -> ns1) of the saved cursor entry: an unchanged entry comes out twice",
	},
	{
		Name:      BugTagReuse,
		Reference: "a685e08987d1 (2011) \"sysfs: Remove support for tagged directories with untagged members\"... and the tag-lifetime fix: a mount did not keep its namespace alive, so the freed struct net's address was handed to a new namespace, whose entries an old mount then showed",
		Property:  "tag-isolation",
		Scenario:  "m1 captures ns1; exit(ns1); clone(ns3) gets ns1's address; create(ns3, eth0); lookup(m1, eth0) finds ns3's eth0",
	},
	{
		Name:      BugMountDoubleDrop,
		Reference: "7b745a4e4051 (2018) \"unfuck sysfs_mount()\", with 82382acec0c9 \"kernfs: deal with kernfs_fill_super() failures\": when kernfs_mount_ns failed after making the superblock, sysfs_kill_sb dropped the namespace reference and sysfs_mount dropped it again (fs/sysfs/mount.c)",
		Property:  "safe-free",
		Scenario:  "exit(ns1); mount(p1 in ns1) fails with ENOENT and drops ns1's passive reference twice: refcount underflow, or ns1's struct freed under m1, which touches it at umount",
	},
	{
		Name:      BugRemoveByNameNoRef,
		Reference: "4abc99652812 (2022) \"kernfs: fix use-after-free in __kernfs_remove\": kernfs_remove_by_name_ns took no reference on the node it found, so a second remover freed it while the first one drained its children (fs/kernfs/dir.c)",
		Property:  "safe-free",
		Scenario:  "add_uid(u1, 0); exit_user(u1) || del_uid(u1, 0): del_uid finds 0 being removed, drains its child without holding 0, and touches 0 after exit_user freed it",
	},
	{
		Name:      BugAddUnderRemoved,
		Reference: "kernfs_add_one's parent check (KERNFS_ACTIVATED, KERNFS_REMOVING since c25491747b21, 2022): without it a child is added under a directory being removed, and outlives it; the simulator's uids entry adds its attribute in a second kernfs_add_one, as uids_user_create did",
		Property:  "safe-free",
		Scenario:  "add_uid(u1, 0) || del_uid(u1, 0): the removal takes 0 alone, cpu_share is linked under it after, and is left in the tree when 0 is gone (a leak)",
	},
	{
		Name:      BugShowTakesRTNL,
		Reference: "net-sysfs attributes taking rtnl in show/store with the active reference held: the ABBA deadlock with unregister_netdevice that the 2009 rtnl_trylock/restart_syscall fix avoided and 79c61899b5ee (2025) \"net-sysfs: remove rtnl_trylock from device attributes\" avoids with sysfs_break_active_protection (net/core/net-sysfs.c)",
		Property:  "liveness",
		Scenario:  "open(m1, eth0); read(fd) || remove(ns1, eth0): the read holds the active reference and waits for rtnl, the remove holds rtnl and drains the active reference: deadlock",
	},
	{
		Name:      BugExitHandbackClash,
		Reference: "d09486a04f5d (2024, CVE-2024-26634) \"net: fix removing a namespace with conflicting altnames\": default_device_exit_net moved a physical device back to init_net without checking one of its names against init_net, dev_change_net_namespace failed with EEXIST, and the kernel hit BUG() (net/core/dev.c)",
		Property:  "liveness",
		Scenario:  "create(ns1, eth0); create(ns2, eth0, phys); exit(ns2): cleanup_net hands eth0 back to ns1 under its own name, the move fails with EEXIST: BUG()",
	},
	{
		Name:      BugReaddirCursorNoRef,
		Reference: "\"sysfs: fix race between readdir and lseek\" (2013): a listing's cursor (filp->private_data) kept a sysfs_dirent without its reference, so a removal between two getdents calls freed it and the next call used it (fs/sysfs/dir.c, now kernfs_fop_readdir)",
		Property:  "safe-free",
		Scenario:  "create(ns1, eth0); create(ns1, eth1); readdir(m1) || remove(ns1, eth1): the removal frees the entry the listing resumes from",
	},
	{
		Name:      BugRenameLinkRecreate,
		Reference: "\"fix class symlinks in sysfs\" (2005, Bill Nottingham, drivers/base/class.c): a device rename renamed its class symlink by removing the old link and creating the new one, \"it should be using sysfs_rename_link. Unfortunately, sysfs_rename_link doesn't exist\" until the tagged-sysfs series added it (2.6.35): between the two, the device has no link at all",
		Property:  "linearizability",
		Scenario:  "rename(ns1, eth0 -> eth1) || lookup(m1, class/net/eth1); lookup(m1, class/net/eth0): both miss, inside one rename",
	},
	{
		Name:      BugExitForgetsDevice,
		Reference: "a namespace's teardown that ends with one of its devices still registered, which netdev_exit warns of (WARN_ON_ONCE(!list_empty(&net->dev_base_head)), net/core/dev.c): the class of 50624c934db1 (2013) \"net: Delay default_device_exit_batch until no devices are unregistering v2\", where cleanup_net went on while devices of the namespace were still unregistering, and of pernet exits that walk their own list of devices and miss one (the x-netns tunnels' destroy_tunnels); here cleanup_net's walk misses the last virtual device it collected",
		Property:  "teardown",
		Scenario:  "create(ns2, eth0); exit(ns2): cleanup_net unregisters nothing, and gone(ns2) finds eth0 still there",
	},
	{
		Name:      BugActivateRemoving,
		Reference: "kernfs_add_one activates a node after dropping the lock (kernfs_activate, since 3.14); until c25491747b21 (2022) \"kernfs: Add KERNFS_REMOVING flags\" kernfs_activate skipped only nodes already KERNFS_ACTIVATED, not one a removal had claimed in between (\"The caller is responsible for ensuring that this function is not called after kernfs_remove*()\"), so a removal draining it waited for an active count the activation had reset (fs/kernfs/dir.c)",
		Property:  "liveness",
		Scenario:  "add_uid(u1, 0) || del_uid(u1, 0), or create(ns1, eth1) || exit(ns1): the removal claims an activated directory with a child linked but not yet activated, the activation makes the child active again, and kernfs_drain waits forever for it",
	},
	{
		Name:      BugNegativeDentryInactive,
		Reference: "c7e7c04274b1 (2021) \"kernfs: use VFS negative dentry caching\" made kernfs_iop_lookup leave a negative dentry, stamped with the directory's revision, for a node it found but inactive; kernfs_activate bumps no revision, so once the node was activated the cached negative dentry still passed kernfs_dop_revalidate and hid it. Fixed by \"kernfs: don't create a negative dentry if inactive node exists\" (Ian Kent, 2021, Fixes: c7e7c04274b1; blktests block/001 hung on it) (fs/kernfs/dir.c)",
		Property:  "linearizability",
		Scenario:  "create(ns1, eth0) || lookup(m1, devices/virtual/net/eth0); lookup(m1, devices/virtual/net/eth0): the first lookup lands between the link and the activation and caches a negative dentry; the second, after the create returned, still misses",
	},
	{
		Name:      BugDentryNSUnchecked,
		Reference: "kernfs_dop_revalidate's \"The kernfs node has been moved to a different namespace\" test (sysfs_dentry_revalidate's since the tagged-sysfs series, 2.6.35): without it a positive dentry of a tagged directory stays valid when its node is moved to another namespace under the same name, and a mount keeps seeing an entry of a tag it did not capture (fs/kernfs/dir.c)",
		Property:  "tag-isolation",
		Scenario:  "lookup(m1, devices/virtual/net/eth0); move(ns1, eth0 -> ns2); lookup(m1, devices/virtual/net/eth0): the cached dentry still passes revalidation and m1 finds ns2's eth0",
	},
	{
		Name:      BugGlueDirNoKref,
		Reference: "726e41097920 (2018) \"drivers: core: Remove glue dirs from sysfs earlier\" made cleanup_glue_dir remove the class glue directory (kobject_del) as soon as it had no children, though a device_add that had already taken its reference in get_device_parent was about to add its device under it: kernfs_new_node then took a reference on the freed glue_dir->sd (use after free, then a double free). Fixed by ac43432cb1f5 (2019) \"driver core: Fix use-after-free and double free on glue directory\", which removes it only when kref_read(&glue_dir->kref) is 1; cebf8fd16900 \"driver core: fix race between creating/querying glue dir and its cleanup\" had made cleanup_glue_dir drop the glue reference under gdp_mutex (drivers/base/core.c)",
		Property:  "linearizability",
		Scenario:  "create(ns1, eth0); exit(ns1) || create(ns2, eth1): the create takes the glue directory's reference, the exit's cleanup_glue_dir sees the directory empty and removes it, and the add of eth1 under it fails with ENOENT, or, the directory freed first, uses it after free",
	},
}

// BugSet is a set of enabled bugs; the zero value is the correct simulator.
type BugSet []BugName

// Has reports whether bug b is enabled.
func (s BugSet) Has(b BugName) bool { return slices.Contains(s, b) }

// Strings returns the names in s, as strings to join.
func (s BugSet) Strings() []string {
	names := make([]string, len(s))
	for i, b := range s {
		names[i] = string(b)
	}
	return names
}

// ParseBug reads a bug's name; an unknown one is an error listing the
// known ones.
func ParseBug(name string) (BugName, error) {
	if _, ok := LookupBug(BugName(name)); !ok {
		return "", fmt.Errorf("unknown bug %q (known: %s)", name, strings.Join(BugNames().Strings(), ", "))
	}
	return BugName(name), nil
}

// MarshalText writes the bug's name.
func (b BugName) MarshalText() ([]byte, error) { return []byte(b), nil }

// UnmarshalText reads a bug's name (ParseBug), so that a trace or summary
// naming a bug this simulator lacks is rejected, never run without it.
func (b *BugName) UnmarshalText(text []byte) error {
	x, err := ParseBug(string(text))
	if err != nil {
		return err
	}
	*b = x
	return nil
}

// ParseBugs reads a comma-separated list of bug names (ParseBug), each
// once.
func ParseBugs(list string) (BugSet, error) {
	var s BugSet
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		b, err := ParseBug(name)
		if err != nil {
			return nil, err
		}
		if !s.Has(b) {
			s = append(s, b)
		}
	}
	return s, nil
}

// LookupBug finds a bug of the catalogue by name.
func LookupBug(name BugName) (Bug, bool) {
	i := slices.IndexFunc(Bugs, func(b Bug) bool { return b.Name == name })
	if i < 0 {
		return Bug{}, false
	}
	return Bugs[i], true
}

// BugNames lists the catalogue's names.
func BugNames() BugSet {
	names := make(BugSet, len(Bugs))
	for i, b := range Bugs {
		names[i] = b.Name
	}
	return names
}
