package model_test

import (
	"fmt"

	"github.com/sysfsim/sysfsim/model"
)

// Two namespaces each register an eth0: one directory holds both, told
// apart by their tags, and each mount shows only its own namespace's.
func ExampleApply() {
	c := model.Config{Namespaces: 2, Mounts: []int{1, 2}} // mount 1 sees ns1, mount 2 ns2
	s := model.Init()
	for _, op := range []model.Op{
		{Kind: model.Create, NS: 1, Name: "eth0"},
		{Kind: model.Create, NS: 2, Name: "eth0"},
		{Kind: model.Create, NS: 2, Name: "eth0"}, // a second one in ns2 collides
		{Kind: model.Lookup, Mount: 1, Name: "eth0"},
		{Kind: model.Lookup, Mount: 2, Name: "eth0"},
		{Kind: model.Exit, NS: 1},
		{Kind: model.Lookup, Mount: 1, Name: "eth0"},
		{Kind: model.Readdir, Mount: 2},
	} {
		var r model.Result
		r, s = model.Apply(c, s, op)
		fmt.Printf("%v -> %v\n", op, r)
	}
	// Output:
	// create(ns1, "eth0") -> ok
	// create(ns2, "eth0") -> ok
	// create(ns2, "eth0") -> EEXIST
	// lookup(m1, class/net/eth0) -> ns1
	// lookup(m2, class/net/eth0) -> ns2
	// exit(ns1) -> ok
	// lookup(m1, class/net/eth0) -> ENOENT
	// readdir(m2, class/net) -> [eth0@ns2]
}

// Explains replays events in one order on the specification: here the
// order in which a concurrent create and lookup returned. A lookup that
// found eth0 before eth0 was created is not explained by that order.
func ExampleExplains() {
	c := model.Config{Namespaces: 1, Mounts: []int{1}}
	// A device's creation is a flow of kernfs steps: its directory, then
	// its class link.
	var create []model.Event
	for _, op := range model.Steps(model.Op{Kind: model.Create, NS: 1, Name: "eth0"}, model.Result{}) {
		create = append(create, model.Event{Op: op})
	}
	found := model.Event{Op: model.Op{Kind: model.Lookup, Mount: 1, Name: "eth0"}, Result: model.Result{Tag: 1}}
	fmt.Println(model.Explains(c, append(create, found)))
	fmt.Println(model.Explains(c, append([]model.Event{found}, create...)))
	// Output:
	// true
	// false
}

// An operation's printed form is what a timeline shows and what a
// scenario can say: ParseOp reads it back.
func ExampleParseOp() {
	op, err := model.ParseOp(`rename(ns1, "eth0" -> "eth1")`)
	fmt.Printf("%v %q %q %v\n", op.Kind, op.Name, op.NewName, err)
	_, err = model.ParseOp(`rename(ns1, "eth0" "eth1")`)
	fmt.Println(err)
	// Output:
	// rename "eth0" "eth1" <nil>
	// column 20: expected "->"
}
