package model

import (
	"fmt"
	"slices"
	"strings"
)

// Kind names an operation.
type Kind uint8

// The operations. They come in four classes (see Class and kindSpecs).
//
// Device flows, as the net core runs them under rtnl: Create registers a
// device, Remove unregisters it, Rename renames it, Move moves it to another
// namespace. The kernel does each as several kernfs steps, and an observer
// can see the states in between. Programs are written with them; a history
// may record them whole (a real kernel, where only the flow is seen) or as
// their steps (the simulator). Steps expands a flow into its steps.
//
// Steps, each atomic under the tree lock: AddDev adds
// devices/virtual/net/<name> with its attribute files, AddLink adds the
// symlink class/net/<name>, and so on. Unregister is the net core's step
// before them in a removal: the device is no longer registered, so its
// attributes read EINVAL (netdev_show), though its entries are still there.
//
// Observers, through a mount or an open file: Lookup, Readdir, Readlink,
// Open, Read, Close.
//
// Lifecycle: Exit is the namespace going away; Gone marks the end of
// cleanup_net; Clone brings to life a namespace the program declared for
// later (Config.Later); Setns moves a process to another namespace; Mount
// makes a new sysfs mount that captures the process's current namespace,
// as mount_tag() does; Umount drops a mount; ExitUser is a user
// namespace's exit.
const (
	Create Kind = iota + 1
	Remove
	Rename
	Move
	Lookup
	Readdir
	Exit
	Readlink
	Open
	Read
	Close
	AddDev
	AddLink
	DelLink
	DelDev
	RenameLink
	RenameDev
	MoveLink
	MoveDev
	Clone
	Setns
	Mount
	Umount
	Gone
	AddUID
	DelUID
	ExitUser
	Unregister
	kindEnd
)

// Class says what an operation kind is: which part of the kernel runs it
// and how a history records it.
type Class uint8

const (
	// FlowClass is a device flow of several steps (see Steps).
	FlowClass Class = iota + 1
	// StepClass is one step of a flow, atomic under the tree lock.
	StepClass
	// ObserverClass only looks, through a mount or an open file.
	ObserverClass
	// LifecycleClass is namespaces, processes and mounts coming and going.
	LifecycleClass
)

func (c Class) String() string {
	switch c {
	case FlowClass:
		return "flow"
	case StepClass:
		return "step"
	case ObserverClass:
		return "observer"
	case LifecycleClass:
		return "lifecycle"
	}
	return fmt.Sprintf("class(%d)", uint8(c))
}

// KindSpec is everything about an operation kind but its semantics: how
// traces name it, which fields it takes and needs, how it prints and what
// it returns. Reading, writing, validating and printing an operation are
// derived from it; the model, the simulator and the kernel backend each
// keep one function per kind, looked up by Kind.
type KindSpec struct {
	// Name is the kind as traces and printed forms spell it.
	Name string
	// Doc says in a line what the operation does.
	Doc   string
	Class Class
	// Form is the printed form, which ParseOp reads back (see form.go):
	// fields in braces, optional parts in brackets. The fields it names
	// are the ones the kind takes; every other field must be zero.
	Form string
	// Needs are the fields that must be set: an operation without them
	// cannot be run, so a trace that has one is rejected.
	Needs Fields
	// Returns are the result fields beyond Err that the kind may set.
	Returns Results
	// ByIndex marks a kind whose device may be addressed by its ifindex
	// (Index) beside its name, as iproute2 addresses it once it has
	// resolved the name (RTM_GETLINK, then RTM_NEWLINK or RTM_DELLINK on
	// the ifindex): the device is the one of namespace NS with that
	// ifindex when the step runs (State.byIndex), whatever it is called
	// by then; Name is the name the ifindex was resolved from, which the
	// checkers other than linearizability go by. On a create or add-dev,
	// Index is the ifindex the device gets instead.
	ByIndex bool

	form  form   // Form, compiled
	takes Fields // the fields Form names
}

// kindSpecs is the one table of operation kinds, indexed by Kind.
var kindSpecs = []KindSpec{
	Create: {Name: "create", Doc: "register a device: its directory, then its class link",
		Class: FlowClass, Needs: FNS,
		Form: `create(ns{ns}, {name}[, ifindex {index}][, {phys}])`},
	Remove: {Name: "remove", Doc: "unregister a device: unregister, then its link, then its directory",
		Class: FlowClass, Needs: FNS,
		Form: `remove(ns{ns}, {name}[, ifindex {index}][, {cleanup}])`, ByIndex: true},
	Rename: {Name: "rename", Doc: "rename a device: its link, then its directory (the link put back if the directory cannot follow)",
		Class: FlowClass, Needs: FNS,
		Form: `rename(ns{ns}, {name} -> {new_name}[, ifindex {index}])`, ByIndex: true},
	Move: {Name: "move", Doc: "move a device to another namespace: its link, then its directory",
		Class: FlowClass, Needs: FNS | FTo,
		Form: `move({name}, ns{ns} -> ns{to}[, ifindex {index}])`, ByIndex: true},

	AddDev: {Name: "add-dev", Doc: "add devices/virtual/net/NAME with its attributes",
		Class: StepClass, Needs: FNS,
		Form: `add-dev(ns{ns}, {name}[, ifindex {index}][, {phys}])`},
	AddLink: {Name: "add-link", Doc: "add the symlink class/net/NAME to the device",
		Class: StepClass, Needs: FNS,
		Form: `add-link(ns{ns}, {name})`},
	Unregister: {Name: "unregister", Doc: "the device leaves the registered state: its attributes read EINVAL",
		Class: StepClass, Needs: FNS,
		Form: `unregister(ns{ns}, {name}[, ifindex {index}][, {cleanup}])`, ByIndex: true},
	DelLink: {Name: "del-link", Doc: "remove the class symlink",
		Class: StepClass, Needs: FNS,
		Form: `del-link(ns{ns}, {name}[, ifindex {index}][, {cleanup}])`, ByIndex: true},
	DelDev: {Name: "del-dev", Doc: "remove the device directory: invisible at once, unlinked after the drain",
		Class: StepClass, Needs: FNS,
		Form: `del-dev(ns{ns}, {name}[, ifindex {index}][, {cleanup}])`, ByIndex: true},
	RenameLink: {Name: "rename-link", Doc: "rename the class symlink",
		Class: StepClass, Needs: FNS,
		Form: `rename-link(ns{ns}, {name} -> {new_name}[, ifindex {index}][, {cleanup}])`, ByIndex: true},
	RenameDev: {Name: "rename-dev", Doc: "rename the device directory",
		Class: StepClass, Needs: FNS,
		Form: `rename-dev(ns{ns}, {name} -> {new_name}[, ifindex {index}][, {cleanup}])`, ByIndex: true},
	MoveLink: {Name: "move-link", Doc: "re-tag (and maybe rename) the class symlink",
		Class: StepClass, Needs: FNS | FTo,
		Form: `move-link({name}, ns{ns} -> [{new_name}, ]ns{to}[, ifindex {index}][, {cleanup}])`, ByIndex: true},
	MoveDev: {Name: "move-dev", Doc: "re-tag (and maybe rename) the device directory",
		Class: StepClass, Needs: FNS | FTo,
		Form: `move-dev({name}, ns{ns} -> [{new_name}, ]ns{to}[, ifindex {index}][, {cleanup}])`, ByIndex: true},
	AddUID: {Name: "add-uid", Doc: "add a kernel/uids entry tagged by a user namespace",
		Class: StepClass, Needs: FUser,
		Form: `add-uid(user{user}, {name})`},
	DelUID: {Name: "del-uid", Doc: "remove a kernel/uids entry",
		Class: StepClass, Needs: FUser,
		Form: `del-uid(user{user}, {name})`},

	Lookup: {Name: "lookup", Doc: "look a name up through a mount",
		Class: ObserverClass, Needs: FMount, Returns: RTag,
		Form: `lookup(m{mount}, {dir}/{name:bare})`},
	Readdir: {Name: "readdir", Doc: "list a directory through a mount (not atomic)",
		Class: ObserverClass, Needs: FMount, Returns: REntries,
		Form: `readdir(m{mount}, {dir})`},
	Readlink: {Name: "readlink", Doc: "read a class symlink through a mount",
		Class: ObserverClass, Needs: FMount, Returns: RTarget,
		Form: `readlink(m{mount}, class/net/{name:bare})`},
	Open: {Name: "open", Doc: "open a device's ifindex attribute through a mount",
		Class: ObserverClass, Needs: FMount, Returns: RTag,
		Form: `open(m{mount}, devices/virtual/net/{name:bare}/ifindex) = fd{fd}`},
	Read: {Name: "read", Doc: "read an open attribute",
		Class: ObserverClass, Returns: RIndex,
		Form: `read(fd{fd})`},
	Close: {Name: "close", Doc: "close an open attribute", Class: ObserverClass,
		Form: `close(fd{fd})`},

	Exit: {Name: "exit", Doc: "the namespace exits",
		Class: LifecycleClass, Needs: FNS,
		Form: `exit(ns{ns})`},
	Gone: {Name: "gone", Doc: "the end of cleanup_net: nothing of the namespace is left",
		Class: LifecycleClass, Needs: FNS,
		Form: `gone(ns{ns})`},
	Clone: {Name: "clone", Doc: "a namespace declared for later comes to life",
		Class: LifecycleClass, Needs: FNS,
		Form: `clone(ns{ns})`},
	Setns: {Name: "setns", Doc: "a process moves to another namespace",
		Class: LifecycleClass, Needs: FProc | FNS,
		Form: `setns(p{proc}, ns{ns})`},
	Mount: {Name: "mount", Doc: "a process mounts sysfs, capturing its namespaces' tags",
		Class: LifecycleClass, Needs: FProc | FMount, Returns: RTag | RUser,
		Form: `mount(p{proc}) = m{mount}`},
	Umount: {Name: "umount", Doc: "a mount goes (EBUSY while in use)",
		Class: LifecycleClass, Needs: FMount,
		Form: `umount(m{mount})`},
	ExitUser: {Name: "exit-user", Doc: "a user namespace exits",
		Class: LifecycleClass, Needs: FUser,
		Form: `exit-user(user{user})`},
}

func init() {
	for k := range kindSpecs {
		if kindSpecs[k].Name != "" {
			mustCompile(Kind(k))
		}
	}
}

// mustCompile compiles kind k's form, which must name the kind and every
// field the kind needs.
func mustCompile(k Kind) {
	s := &kindSpecs[k]
	f, err := compileForm(s.Form)
	if err != nil {
		panic(fmt.Sprintf("model: kind %s: %v", s.Name, err))
	}
	if f.name != s.Name {
		panic(fmt.Sprintf("model: kind %s prints as %s", s.Name, f.name))
	}
	s.form, s.takes = f, f.fields()
	if missing := s.Needs &^ s.takes; missing != 0 {
		panic(fmt.Sprintf("model: kind %s needs %v, which its form does not print", s.Name, missing))
	}
}

// Spec returns the kind's row of the table, and whether there is one.
func (k Kind) Spec() (KindSpec, bool) {
	if int(k) < len(kindSpecs) && kindSpecs[k].Name != "" {
		return kindSpecs[k], true
	}
	return KindSpec{}, false
}

// Takes returns the fields the kind takes: those its form names.
func (s KindSpec) Takes() Fields { return s.takes }

// Takes returns the fields kind k takes, none for a kind not in the table.
func (k Kind) Takes() Fields {
	if int(k) < len(kindSpecs) {
		return kindSpecs[k].takes
	}
	return 0
}

// Kinds returns every operation kind, in order.
func Kinds() []Kind {
	var ks []Kind
	for k := range kindSpecs {
		if kindSpecs[k].Name != "" {
			ks = append(ks, Kind(k))
		}
	}
	return ks
}

// KindNamed returns the kind traces and printed forms call name.
func KindNamed(name string) (Kind, bool) {
	for k := range kindSpecs {
		if name != "" && kindSpecs[k].Name == name {
			return Kind(k), true
		}
	}
	return 0, false
}

// IsFlow reports whether k is a device flow made of several steps.
func (k Kind) IsFlow() bool { return k.class() == FlowClass }

// IsObserver reports whether k only looks.
func (k Kind) IsObserver() bool { return k.class() == ObserverClass }

func (k Kind) class() Class {
	if int(k) < len(kindSpecs) {
		return kindSpecs[k].Class
	}
	return 0
}

func (k Kind) String() string {
	if s, ok := k.Spec(); ok {
		return s.Name
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// MarshalText writes the kind's name, so traces read as words.
func (k Kind) MarshalText() ([]byte, error) {
	s, ok := k.Spec()
	if !ok {
		return nil, fmt.Errorf("unknown operation kind %d", uint8(k))
	}
	return []byte(s.Name), nil
}

// UnmarshalText reads a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	x, ok := KindNamed(string(b))
	if !ok {
		var known []string
		for _, k := range Kinds() {
			known = append(known, kindSpecs[k].Name)
		}
		return fmt.Errorf("unknown operation %q (known: %s)", b, strings.Join(known, ", "))
	}
	*k = x
	return nil
}

// Check reports what makes op one that cannot be run: a kind not in the
// table, a field its kind does not take, or a field it needs left out.
func (o Op) Check() error {
	s, ok := o.Kind.Spec()
	if !ok {
		return fmt.Errorf("an operation without a known kind: unknown operation kind %d", uint8(o.Kind))
	}
	set := o.fieldsSet()
	if extra := set &^ s.takes; extra != 0 {
		return fmt.Errorf("%s takes no %v", s.Name, extra)
	}
	if missing := s.Needs &^ set; missing != 0 {
		return fmt.Errorf("%s needs %v", s.Name, missing)
	}
	if s.ByIndex && o.Index != 0 && o.Name == "" {
		return fmt.Errorf("%s addresses its device by ifindex %d but names none: give the name the ifindex was resolved from too (the checkers but linearizability judge by name)", s.Name, o.Index)
	}
	if !slices.Contains(dirs, o.Dir) {
		return fmt.Errorf("%s: unknown directory %q (known: devices, uids, or none for class/net)", s.Name, o.Dir)
	}
	return nil
}

// CheckResult reports a result field that an operation of kind k never
// sets, a field beside an error, and a tag no namespace has.
func (k Kind) CheckResult(r Result) error {
	s, _ := k.Spec()
	set := r.set()
	if extra := set &^ s.Returns; extra != 0 {
		return fmt.Errorf("%s returns no %v", k, extra)
	}
	if r.Err != OK && set != 0 {
		return fmt.Errorf("%s failed with %v, but its result has %v: a failed call returns nothing else", k, r.Err, set)
	}
	if err := checkTag(r.Tag); err != nil {
		return err
	}
	for _, e := range r.Entries {
		if err := checkTag(e.Tag); err != nil {
			return fmt.Errorf("entry %q: %w", e.Name, err)
		}
	}
	return nil
}

// checkTag rejects a tag no namespace can have: 0 is none, and the
// numbers of namespaces and user namespaces lie in 1 to maxNum.
func checkTag(tag int) error {
	if tag != 0 && !inRange(tag) {
		return fmt.Errorf("tag %d: a namespace's is 1 to %d", tag, maxNum)
	}
	return nil
}
