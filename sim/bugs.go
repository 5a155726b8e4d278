package sim

import (
	"fmt"
	"slices"
	"strings"
)

// Bug is a seeded bug: a switch that changes the simulator the way a
// historical kernel bug changed kernfs or sysfs.
type Bug struct {
	Name      string `json:"name"`
	Reference string `json:"reference"`
	// Property is the checker expected to catch it (package properties).
	Property string `json:"property"`
	// Scenario is the smallest program that shows it.
	Scenario string `json:"scenario"`
}

// The seeded bugs.
const (
	BugTagBlindLookup         = "tag-blind-lookup"
	BugExitUnlockedDeactivate = "exit-unlocked-deactivate"
	BugUnlockedAdd            = "unlocked-add"
	BugReaddirDropLock        = "readdir-drop-lock"
	BugReaddirCursorDescent   = "readdir-cursor-descent"
	BugTagReuse               = "tag-reuse"
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
}

// BugSet is a set of enabled bugs; the zero value is the correct simulator.
type BugSet []string

// Has reports whether bug b is enabled.
func (s BugSet) Has(b string) bool { return slices.Contains(s, b) }

// ParseBugs reads a comma-separated list of bug names, rejecting unknown
// ones with the list of known names.
func ParseBugs(list string) (BugSet, error) {
	var s BugSet
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if _, ok := LookupBug(name); !ok {
			return nil, fmt.Errorf("unknown bug %q (known: %s)", name, strings.Join(BugNames(), ", "))
		}
		if !s.Has(name) {
			s = append(s, name)
		}
	}
	return s, nil
}

// LookupBug finds a bug of the catalogue by name.
func LookupBug(name string) (Bug, bool) {
	i := slices.IndexFunc(Bugs, func(b Bug) bool { return b.Name == name })
	if i < 0 {
		return Bug{}, false
	}
	return Bugs[i], true
}

// BugNames lists the catalogue's names.
func BugNames() []string {
	names := make([]string, len(Bugs))
	for i, b := range Bugs {
		names[i] = b.Name
	}
	return names
}
