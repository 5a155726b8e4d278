package model

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestPrintedForms(t *testing.T) {
	for _, tt := range []struct {
		op   Op
		want string
	}{
		{Op{Kind: Create, NS: 1, Name: "eth0"}, `create(ns1, "eth0")`},
		{Op{Kind: Create, NS: 2, Name: "eth0", Phys: true}, `create(ns2, "eth0", phys)`},
		{Op{Kind: Create, NS: 2, Name: "eth0", Index: 7}, `create(ns2, "eth0", ifindex 7)`},
		{Op{Kind: Remove, NS: 1, Name: "eth0", Cleanup: true}, `remove(ns1, "eth0", cleanup)`},
		{Op{Kind: Rename, NS: 1, Name: "a", NewName: "b"}, `rename(ns1, "a" -> "b")`},
		{Op{Kind: Move, NS: 1, Name: "eth0", To: 2}, `move("eth0", ns1 -> ns2)`},
		{Op{Kind: Lookup, Mount: 1, Name: "eth0"}, `lookup(m1, class/net/eth0)`},
		{Op{Kind: Lookup, Mount: 1, Dir: Devices, Name: "a b"}, `lookup(m1, devices/virtual/net/"a b")`},
		{Op{Kind: Lookup, Mount: 2, Dir: UIDs, Name: "1000"}, `lookup(m2, kernel/uids/1000)`},
		{Op{Kind: Readdir, Mount: 1, Dir: Devices}, `readdir(m1, devices/virtual/net)`},
		{Op{Kind: Readlink, Mount: 1, Name: "eth0"}, `readlink(m1, class/net/eth0)`},
		{Op{Kind: Open, Mount: 1, Name: "eth0", FD: 3}, `open(m1, devices/virtual/net/eth0/ifindex) = fd3`},
		{Op{Kind: Read, FD: 3}, `read(fd3)`},
		{Op{Kind: AddDev, NS: 2, Name: "eth0", Index: 1, Phys: true}, `add-dev(ns2, "eth0", ifindex 1, phys)`},
		{Op{Kind: AddDev, NS: 2, Name: "eth0"}, `add-dev(ns2, "eth0")`}, // an ifindex not known
		{Op{Kind: MoveLink, NS: 2, Name: "eth0", To: 1, Cleanup: true}, `move-link("eth0", ns2 -> ns1, cleanup)`},
		{Op{Kind: MoveDev, NS: 2, Name: "eth0", NewName: "dev3", To: 1}, `move-dev("eth0", ns2 -> "dev3", ns1)`},
		{Op{Kind: Setns, Proc: 1, NS: 2}, `setns(p1, ns2)`},
		{Op{Kind: Mount, Proc: 1, Mount: 3}, `mount(p1) = m3`},
		{Op{Kind: AddUID, User: 2, Name: "1000"}, `add-uid(user2, "1000")`},
		{Op{Kind: ExitUser, User: 2}, `exit-user(user2)`},
	} {
		if got := tt.op.String(); got != tt.want {
			t.Errorf("%#v prints as %s, want %s", tt.op, got, tt.want)
		}
		back, err := ParseOp(tt.want)
		if err != nil || back != tt.op {
			t.Errorf("ParseOp(%s) = %#v, %v; want %#v", tt.want, back, err, tt.op)
		}
	}
}

// TestParseOpErrors checks that a malformed operation is rejected at the
// right column with what was expected there.
func TestParseOpErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`creat(ns1, "eth0")`, `column 1: unknown operation "creat" (known: create, `},
		{`create(ns1 "eth0")`, `column 12: expected ","`},
		{`create(nsx, "eth0")`, `column 10: expected a number`},
		{`create(ns1, eth0)`, `column 13: expected a quoted name`},
		{`create(ns1, "eth0", phy)`, `column 19: expected ", ifindex" or ", phys" or ")"`},
		{`create(ns1, "eth0") x`, `column 20: unexpected " x" after the operation`},
		{`lookup(m1, class/nett/eth0)`, `column 21: expected "/"`},
		{`lookup(m1, sys/eth0)`, `column 12: expected a directory: class/net, devices/virtual/net, kernel/uids`},
		{`open(m1, devices/virtual/net/eth0) = fd1`, `column 34: expected "/ifindex) = fd"`},
		{`move-link("a", ns1 -> ns2`, `column 26: expected ", ifindex" or ", cleanup" or ")"`},
	} {
		_, err := ParseOp(tt.in)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("ParseOp(%s) = %v, want an error starting %q", tt.in, err, tt.want)
		}
	}
}

func TestParseOpBlanks(t *testing.T) {
	for _, in := range []string{`create(ns1,"eth0")`, `  create(ns1,   "eth0")  `, "create(ns1,\t\"eth0\")"} {
		op, err := ParseOp(in)
		if err != nil || op != (Op{Kind: Create, NS: 1, Name: "eth0"}) {
			t.Errorf("ParseOp(%q) = %v, %v", in, op, err)
		}
	}
}

// drawOp draws an operation of any kind with the fields its kind takes,
// each possibly zero, and names that need quoting.
func drawOp(t *rapid.T) Op {
	k := rapid.SampledFrom(Kinds()).Draw(t, "kind")
	s, _ := k.Spec()
	op := Op{Kind: k}
	for _, f := range opFields {
		if s.takes&f.bit == 0 {
			continue
		}
		switch v := f.ref(&op).(type) {
		case *int:
			*v = rapid.IntRange(-2, 70).Draw(t, f.key)
		case *string:
			*v = rapid.OneOf(rapid.SampledFrom([]string{"eth0", "", "a b", "a)b", `q"`, "dev/x", "é", "1000"}), rapid.String()).Draw(t, f.key)
		case *bool:
			*v = rapid.Bool().Draw(t, f.key)
		case *Dir:
			*v = rapid.SampledFrom(dirs).Draw(t, f.key)
		}
		if s.Needs&f.bit != 0 && isZero(f.ref(&op)) {
			t.Skip("a needed field drawn zero")
		}
	}
	if s.ByIndex && op.Index != 0 && op.Name == "" {
		t.Skip("a device addressed by ifindex without its name")
	}
	return op
}

// TestPrintedFormRoundTrips: every valid operation of every kind prints to
// a form that parses back to it.
func TestPrintedFormRoundTrips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		op := drawOp(t)
		if err := op.Check(); err != nil {
			t.Fatalf("drawn %#v fails Check: %v", op, err)
		}
		back, err := ParseOp(op.String())
		if err != nil || back != op {
			t.Fatalf("ParseOp(%s) = %#v, %v; want %#v", op, back, err, op)
		}
	})
}

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		op   Op
		want string // "" for valid
	}{
		{Op{Kind: Create, NS: 1, Name: "eth0"}, ""},
		{Op{Kind: Create, NS: 1}, ""}, // an empty name is a question the spec answers
		{Op{Kind: Create, Name: "eth0"}, `create needs "ns"`},
		{Op{Kind: Create, NS: 1, Name: "eth0", To: 2}, `create takes no "to"`},
		{Op{Kind: Lookup, Name: "eth0"}, `lookup needs "mount"`},
		{Op{Kind: Lookup, Mount: 1, Dir: "net"}, `lookup: unknown directory "net"`},
		{Op{Kind: Read, FD: 1, Mount: 1}, `read takes no "mount"`},
		{Op{Kind: Setns, Proc: 1}, `setns needs "ns"`},
		{Op{}, `an operation without a known kind`},
		{Op{Kind: kindEnd}, `an operation without a known kind`},
	} {
		err := tt.op.Check()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)) {
			t.Errorf("%#v.Check() = %v, want %q", tt.op, err, tt.want)
		}
	}
}

func TestCheckResult(t *testing.T) {
	for _, tt := range []struct {
		k    Kind
		r    Result
		want string
	}{
		{Lookup, Result{Tag: 2}, ""},
		{Readdir, Result{Entries: []Entry{}}, ""},
		{Mount, Result{Tag: 1, User: 1}, ""},
		{Create, Result{Err: EEXIST}, ""},
		{Create, Result{Tag: 1}, `create returns no "tag"`},
		{Read, Result{Index: 3, Target: "x"}, `read returns no "target"`},
		{Lookup, Result{Err: ENOENT, Tag: 2}, `lookup failed with ENOENT, but its result has "tag": a failed call returns nothing else`},
		{Lookup, Result{Tag: -3}, "tag -3: a namespace's is 1 to 63"},
		{Readdir, Result{Entries: []Entry{{Name: "eth0", Tag: 99}}}, `entry "eth0": tag 99: a namespace's is 1 to 63`},
	} {
		err := tt.k.CheckResult(tt.r)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || err.Error() != tt.want) {
			t.Errorf("%v.CheckResult(%v) = %v, want %q", tt.k, tt.r, err, tt.want)
		}
	}
}

// TestFieldKeysAreJSONKeys keeps the field table and Op's struct tags in
// agreement, in order: printed forms, Check's messages and traces use the
// same names.
func TestFieldKeysAreJSONKeys(t *testing.T) {
	typ := reflect.TypeFor[Op]()
	if typ.NumField() != len(opFields)+1 {
		t.Fatalf("Op has %d fields besides Kind, the table %d", typ.NumField()-1, len(opFields))
	}
	for i, f := range opFields {
		tag, _, _ := strings.Cut(typ.Field(i+1).Tag.Get("json"), ",")
		if tag != f.key {
			t.Errorf("field %d: table key %q, JSON key %q", i, f.key, tag)
		}
		var op Op
		reflect.ValueOf(&op).Elem().Field(i + 1).Set(reflect.ValueOf(f.ref(&Op{})).Elem())
		if !isZero(f.ref(&op)) {
			t.Errorf("field %q: the table's ref is not field %d", f.key, i+1)
		}
	}
}

// TestNewKindNeedsOnlyItsRow adds a kind to the table, as a new operation
// would be added, and shows it read and written as JSON (the trace
// format's lines carry Op as JSON), validated and printed with no other
// change.
func TestNewKindNeedsOnlyItsRow(t *testing.T) {
	probe := Kind(len(kindSpecs))
	kindSpecs = append(kindSpecs, KindSpec{Name: "probe", Class: ObserverClass, Needs: FMount, Returns: RTarget,
		Form: `probe(m{mount}, {name} -> ns{to})`})
	mustCompile(probe)
	defer func() { kindSpecs = kindSpecs[:probe] }()

	op := Op{Kind: probe, Mount: 2, Name: "eth0", To: 3}
	b, err := json.Marshal(op)
	if err != nil || string(b) != `{"op":"probe","ns":0,"mount":2,"name":"eth0","to":3}` &&
		string(b) != `{"op":"probe","mount":2,"name":"eth0","to":3}` {
		t.Fatalf("json.Marshal = %s, %v", b, err)
	}
	var back Op
	if err := json.Unmarshal(b, &back); err != nil || back != op {
		t.Fatalf("json.Unmarshal(%s) = %#v, %v", b, back, err)
	}
	if err := op.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
	if err := (Op{Kind: probe, Name: "eth0"}).Check(); err == nil || err.Error() != `probe needs "mount"` {
		t.Errorf("Check without a mount = %v", err)
	}
	if err := probe.CheckResult(Result{Tag: 1}); err == nil {
		t.Errorf("CheckResult accepted a tag")
	}
	if s := op.String(); s != `probe(m2, "eth0" -> ns3)` {
		t.Errorf("String = %s", s)
	}
	if p, err := ParseOp(`probe(m2, "eth0" -> ns3)`); err != nil || p != op {
		t.Errorf("ParseOp = %#v, %v", p, err)
	}
	if !probe.IsObserver() || probe.IsFlow() {
		t.Errorf("class not derived from the row")
	}
}

// TestKeepKeepsEachField holds Op.keep, which names the fields one by
// one, to the field table.
func TestKeepKeepsEachField(t *testing.T) {
	all := Op{Kind: Create, NS: 1, Mount: 1, Dir: Devices, Name: "a", NewName: "b", To: 1, FD: 1, Index: 1, Proc: 1, Phys: true, User: 1, Cleanup: true}
	if all.fieldsSet() != FNS|FMount|FDir|FName|FNewName|FTo|FFD|FIndex|FProc|FPhys|FUser|FCleanup {
		t.Fatalf("the test's op does not set every field: %v", all.fieldsSet())
	}
	for _, f := range opFields {
		op := all
		if op.keep(f.bit); op.fieldsSet() != f.bit {
			t.Errorf("keep(%v) keeps %v", f.bit, op.fieldsSet())
		}
	}
}

func TestErrnoCheck(t *testing.T) {
	for _, tt := range []struct {
		e  Errno
		ok bool
	}{{OK, true}, {EEXIST, true}, {"EPERM", true}, {"errno200", true}, {"ENOTFOUND", false}, {"errnoX", false}, {"eexist", false}} {
		if err := tt.e.Check(); (err == nil) != tt.ok {
			t.Errorf("Errno(%q).Check() = %v, want ok %v", tt.e, err, tt.ok)
		}
	}
}
