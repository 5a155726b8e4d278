package model

import (
	"cmp"
	"slices"
	"strings"
)

// Canonical returns s with its devices numbered by what they are rather
// than by when they were added: sorted by tag, name and the order of
// their old numbers, and numbered from 0 in that order, links and open
// files renumbered alike (one on a device no longer there points at -1,
// which none has). A device's number is the specification's own:
// nothing observes it but through the link or file that names it, and
// the next device still gets s.next, above every number. So two orders
// of the same adds (concurrent creates, placed either way) lead to states
// that Canonical makes Equal, as they behave alike: a search that carries
// sets of states (properties' end search) keeps one of them.
//
// A device found by ifindex is the first of its tag with that ifindex in
// the devices' order; where two live devices of a tag share one, the
// order matters and s is returned as it is.
func (s State) Canonical() State {
	if s.canonical() || sharedIndex(s.devs) {
		return s
	}
	old := s.devs // by id, as every State keeps them
	devs := slices.Clone(old)
	if !slices.IsSortedFunc(devs, byTagName) {
		slices.SortStableFunc(devs, byTagName)
	}
	var buf [64]int
	renum := buf[:0] // the new number of old[i]
	if len(old) > len(buf) {
		renum = make([]int, 0, len(old))
	}
	renum = renum[:len(old)]
	for i := range devs {
		j, _ := slices.BinarySearchFunc(old, devs[i].id, func(d device, id int) int { return cmp.Compare(d.id, id) })
		renum[j] = i
		devs[i].id = i
	}
	number := func(id int) int {
		if j, ok := slices.BinarySearchFunc(old, id, func(d device, id int) int { return cmp.Compare(d.id, id) }); ok {
			return renum[j]
		}
		return -1 // a device no longer there: a file open on a device that went
	}
	s.devs = devs
	if len(s.links) > 0 {
		s.links = slices.Clone(s.links)
		for i := range s.links {
			s.links[i].dev = number(s.links[i].dev)
		}
	}
	if len(s.files) > 0 {
		s.files = slices.Clone(s.files)
		for i := range s.files {
			s.files[i].dev = number(s.files[i].dev)
		}
	}
	return s
}

// byTagName is the canonical order of devices (stable: devices of one
// tag and name keep the order of their numbers).
func byTagName(a, b device) int {
	return cmp.Or(cmp.Compare(a.tag, b.tag), strings.Compare(a.name, b.name))
}

// canonical reports whether s is its own canonical form.
func (s State) canonical() bool {
	for i, d := range s.devs {
		if d.id != i {
			return false
		}
		if i > 0 {
			p := s.devs[i-1]
			if p.tag > d.tag || p.tag == d.tag && p.name > d.name {
				return false
			}
		}
	}
	// The devices are numbered 0..n-1: one numbered otherwise is no
	// longer there, and is -1 in the canonical form.
	for _, l := range s.links {
		if l.dev >= len(s.devs) || l.dev < -1 {
			return false
		}
	}
	for _, f := range s.files {
		if f.dev >= len(s.devs) || f.dev < -1 {
			return false
		}
	}
	return true
}

// sharedIndex reports whether two live devices of one tag have the same
// known ifindex.
func sharedIndex(devs []device) bool {
	for i, d := range devs {
		if d.index == 0 || d.dying {
			continue
		}
		for _, e := range devs[i+1:] {
			if e.index == d.index && e.tag == d.tag && !e.dying {
				return true
			}
		}
	}
	return false
}
