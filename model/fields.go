package model

import "strings"

// Fields is a set of Op's fields, named as traces name them.
type Fields uint16

// Op's fields, in the order traces write them.
const (
	FNS Fields = 1 << iota
	FMount
	FDir
	FName
	FNewName
	FTo
	FFD
	FIndex
	FProc
	FPhys
	FUser
	FCleanup
)

// opField is one of Op's fields: its JSON key (which is also its name in
// printed forms) and where it lives in an Op. A test checks the keys
// against Op's struct tags.
type opField struct {
	bit Fields
	key string
	ref func(*Op) any // *int, *string, *bool or *Dir
}

var opFields = [...]opField{
	{FNS, "ns", func(o *Op) any { return &o.NS }},
	{FMount, "mount", func(o *Op) any { return &o.Mount }},
	{FDir, "dir", func(o *Op) any { return &o.Dir }},
	{FName, "name", func(o *Op) any { return &o.Name }},
	{FNewName, "new_name", func(o *Op) any { return &o.NewName }},
	{FTo, "to", func(o *Op) any { return &o.To }},
	{FFD, "fd", func(o *Op) any { return &o.FD }},
	{FIndex, "index", func(o *Op) any { return &o.Index }},
	{FProc, "proc", func(o *Op) any { return &o.Proc }},
	{FPhys, "phys", func(o *Op) any { return &o.Phys }},
	{FUser, "user", func(o *Op) any { return &o.User }},
	{FCleanup, "cleanup", func(o *Op) any { return &o.Cleanup }},
}

func fieldNamed(key string) (opField, bool) {
	for _, f := range opFields {
		if f.key == key {
			return f, true
		}
	}
	return opField{}, false
}

func (fs Fields) String() string {
	var names []string
	for _, f := range opFields {
		if fs&f.bit != 0 {
			names = append(names, `"`+f.key+`"`)
		}
	}
	return strings.Join(names, ", ")
}

// fieldsSet returns the fields of o that are not zero.
func (o Op) fieldsSet() Fields {
	var set Fields
	for _, f := range opFields {
		if !isZero(f.ref(&o)) {
			set |= f.bit
		}
	}
	return set
}

// keep zeroes every field of o outside fs. It is on the path of every
// simulated flow step, so it spells the fields out rather than walking
// opFields (TestKeepKeepsEachField holds the two together).
func (o *Op) keep(fs Fields) {
	keep := func(f Fields) bool { return fs&f != 0 }
	if !keep(FNS) {
		o.NS = 0
	}
	if !keep(FMount) {
		o.Mount = 0
	}
	if !keep(FDir) {
		o.Dir = ""
	}
	if !keep(FName) {
		o.Name = ""
	}
	if !keep(FNewName) {
		o.NewName = ""
	}
	if !keep(FTo) {
		o.To = 0
	}
	if !keep(FFD) {
		o.FD = 0
	}
	if !keep(FIndex) {
		o.Index = 0
	}
	if !keep(FProc) {
		o.Proc = 0
	}
	if !keep(FPhys) {
		o.Phys = false
	}
	if !keep(FUser) {
		o.User = 0
	}
	if !keep(FCleanup) {
		o.Cleanup = false
	}
}

func isZero(p any) bool {
	switch p := p.(type) {
	case *int:
		return *p == 0
	case *string:
		return *p == ""
	case *bool:
		return !*p
	case *Dir:
		return *p == ""
	}
	panic("model: a field of an unknown type")
}

// Results is a set of Result's fields beyond Err.
type Results uint8

// Result's fields beyond Err.
const (
	RTag Results = 1 << iota
	REntries
	RTarget
	RIndex
	RUser
)

var resultKeys = [...]struct {
	bit Results
	key string
}{{RTag, "tag"}, {REntries, "entries"}, {RTarget, "target"}, {RIndex, "index"}, {RUser, "user"}}

func (rs Results) String() string {
	var names []string
	for _, r := range resultKeys {
		if rs&r.bit != 0 {
			names = append(names, `"`+r.key+`"`)
		}
	}
	return strings.Join(names, ", ")
}

// set returns the fields of r beyond Err that are set.
func (r Result) set() Results {
	var set Results
	if r.Tag != 0 {
		set |= RTag
	}
	if r.Entries != nil {
		set |= REntries
	}
	if r.Target != "" {
		set |= RTarget
	}
	if r.Index != 0 {
		set |= RIndex
	}
	if r.User != 0 {
		set |= RUser
	}
	return set
}
