package tracefile_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

// A recorder writes what it saw as a trace: the program, then each call
// and return. Reading it back checks every line and names the file and
// line of the first problem.
func ExampleWrite() {
	lookup := model.Op{Kind: model.Lookup, Mount: 1, Name: "eth0"}
	t := &tracefile.Trace{
		Header:  tracefile.Header{Source: "kernel"},
		Program: history.Program{Config: model.Config{Namespaces: 1, Mounts: []int{1}}, Threads: [][]model.Op{{lookup}}},
	}
	t.History.Config = t.Program.Config
	t.History.Records = []history.Record{{Thread: 0, Op: lookup, Call: 1, Return: 2, Result: model.Result{Err: model.ENOENT}}}
	var b bytes.Buffer
	if err := tracefile.Write(&b, t); err != nil {
		panic(err)
	}
	back, err := tracefile.Read(&b, "seen.jsonl")
	if err != nil {
		fmt.Println(err)
		return
	}
	r := back.History.Records[0]
	fmt.Println(r.Op, "->", r.Result)
	// Output: lookup(m1, class/net/eth0) -> ENOENT
}

// A trace with a mistake in it is refused at its line.
func ExampleRead() {
	trace := `{"kind":"header","format":1,"sysfsim":"0.1.0","source":"kernel","seed":0,"strategy":"","options":{}}
{"kind":"program","config":{"namespaces":1,"mounts":[1]},"threads":[[{"op":"lookup","name":"eth0"}]]}
`
	_, err := tracefile.Read(strings.NewReader(trace), "hand.jsonl")
	fmt.Println(err)
	// Output: hand.jsonl:2: thread 0: lookup needs "mount"
}
