package litmus_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/litmus"
	"github.com/sysfsim/sysfsim/sim"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata/golden")

// TestLibrary runs every test of the library on the model and the correct
// simulator, and with each seeded bug it names, and holds each report to
// its golden file and each observation to the file's expectation.
func TestLibrary(t *testing.T) {
	tests, err := litmus.Load("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if len(tests) < 20 {
		t.Fatalf("%d tests in the library, want at least 20", len(tests))
	}
	for _, lt := range tests {
		runs := []string{""}
		for b := range lt.BugExpect {
			runs = append(runs, b)
		}
		for _, bug := range runs {
			t.Run(lt.Name+"/"+bug, func(t *testing.T) { checkRun(t, lt, bug) })
		}
	}
}

func checkRun(t *testing.T, lt *litmus.Test, bug string) {
	bugs, err := sim.ParseBugs(bug)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := litmus.Run(lt, sim.Options{Bugs: bugs})
	if !r.Matches() {
		t.Errorf("observed %s, the file expects %s", r.Observation, r.Expect)
	}
	if !r.Exhausted {
		t.Errorf("the search was not exhausted")
	}
	// The correct simulator breaks no property and reaches only outcomes
	// the model allows. It need not reach every one: the specification of
	// a listing is looser than any one implementation (the golden report
	// lists the model outcomes it never reached).
	if bug == "" && (len(r.Violations) > 0 || len(r.SimOnly) > 0) {
		t.Errorf("on the correct simulator: violations %q, simulator only %q", r.Violations, r.SimOnly)
	}
	var b bytes.Buffer
	r.Write(&b, false)
	name := lt.Name
	if bug != "" {
		name += "." + bug
	}
	golden := filepath.Join("testdata", "golden", name+".txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("report differs from %s:\n%s\nwant:\n%s", golden, b.String(), want)
	}
}

// A test whose stated expectation is wrong does not match.
func TestWrongExpectationFails(t *testing.T) {
	src := `sysfs wrong
{ namespaces 1; mount m1 = ns1 }
T0: r0 = create(ns1, "eth0") | T1: r1 = create(ns1, "eth0")
exists (r0 = ok /\ r1 = ok)
expect Sometimes
`
	lt, err := litmus.Parse("wrong.litmus", src)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := litmus.Run(lt, sim.Options{})
	if r.Matches() || r.Observation != litmus.Never {
		t.Errorf("observed %s, matches %v; want Never, not matching", r.Observation, r.Matches())
	}
}

const good = `sysfs ok
"A question?"
{ namespaces 2; mount m1 = ns1; mount m2 = ns2; device eth1 in ns1 }
T0: create(ns1, "eth0")          | T1: create(ns2, "eth0")
T0: r0 = lookup(m1, class/net/eth0) | T1: r1 = readdir(m2, class/net)
exists (r0 = ENOENT \/ ~r1 contains eth0) /\ m1:class/net/eth1 \/ violated(tag-isolation)
expect Never
expect Sometimes with tag-blind-lookup
expect Never on kernel
`

func TestParse(t *testing.T) {
	lt, err := litmus.Parse("ok.litmus", good)
	if err != nil {
		t.Fatal(err)
	}
	p := lt.Program
	if lt.Name != "ok" || lt.Question != "A question?" || p.Config.Namespaces != 2 || len(p.Config.Mounts) != 2 ||
		len(p.Setup) != 1 || len(p.Threads) != 2 || len(p.Threads[1]) != 2 || lt.Binds[1][1] != "r1" {
		t.Errorf("parsed %+v", lt)
	}
	if got, want := lt.Cond.String(), `(((r0 = ENOENT \/ ~r1 contains eth0) /\ m1:class/net/eth1) \/ violated(tag-isolation))`; got != want {
		t.Errorf("condition %s, want %s", got, want)
	}
	if lt.Expected("") != litmus.Never || lt.Expected("tag-blind-lookup") != litmus.Sometimes || lt.KernelExpected() != litmus.Never {
		t.Errorf("expectations %q %v", lt.Expect, lt.BugExpect)
	}
}

// Each bad input names its line and column and what was expected.
func TestParseErrors(t *testing.T) {
	cases := []struct{ from, to, want string }{
		{"sysfs ok", "litmus ok", `t.litmus:1:1: expected "sysfs NAME"`},
		{`"A question?"`, `"A question?`, "t.litmus:2:1: expected the question"},
		{"namespaces 2;", "namespaces 2; mount m3 = ns1;", "t.litmus:3:17: expected mount m1 next"},
		{"namespaces 2;", "namespaces 0;", "t.litmus:3:68: the initial state: 0 namespaces; a program has 1 to 63"},
		{"mount m2 = ns2;", "mount m2 = ns9;", "t.litmus:3:68: the initial state: mount 2 captures namespace 9, which the program does not have"},
		{"device eth1 in ns1 }", "device eth1 in ns1 ", `t.litmus:4:1: unknown operation "T0: create"`},
		{`T1: create(ns2, "eth0")`, `T1: creat(ns2, "eth0")`, `t.litmus:4:40: unknown operation "creat"`},
		{`T1: create(ns2, "eth0")`, `T1: create(ns2 "eth0")`, `t.litmus:4:51: expected ","`},
		{"T1: r1 = readdir", "T1: r0 = readdir", "t.litmus:5:43: r0 is bound twice"},
		{"(r0 = ENOENT", "(r9 = ENOENT", "t.litmus:6:9: r9 is not a bound result"},
		{"~r1 contains eth0)", "~r1 contains eth0", "t.litmus:6:89: expected ) to close the ( at column 8"},
		{"m1:class", "x1:class", "t.litmus:6:46: expected a final view path"},
		{"expect Never", "expect Rarely", "t.litmus:7:8: expected Never, Sometimes or Always"},
		{"with tag-blind-lookup", "with no-such-bug", `t.litmus:8:23: unknown bug "no-such-bug"`},
		{"expect Never\n", "expect Never\nT0: read(fd1)\n", `t.litmus:8:1: unexpected "T0: read(fd1)" after expect`},
		{"exists", "exits", `t.litmus:6:1: unknown operation "exits "`},
		{"violated(tag-isolation)", "violated(isolation)", `t.litmus:6:76: unknown property "isolation"`},
		{"violated(tag-isolation)", "violated(tag-isolation", `t.litmus:6:89: expected ) to close the ( at column 75`},
		{"expect Never on kernel", "expect Never on kernel with unlocked-add", `t.litmus:9:8: expected Never, Sometimes or Always, then optionally "with BUG" or "on kernel"`},
	}
	for _, c := range cases {
		src := strings.Replace(good, c.from, c.to, 1)
		if src == good {
			t.Fatalf("%q is not in the good test", c.from)
		}
		_, err := litmus.Parse("t.litmus", src)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q -> %q: got %v, want %s...", c.from, c.to, err, c.want)
		}
	}
}

// The model's readdir is a union of the snapshots it spans: across a
// rename it may show either name, both or neither; an entry unchanged
// throughout is always there, once.
func TestModelListingIsAUnionOfSnapshots(t *testing.T) {
	for _, c := range []struct {
		t0   string
		want []string
	}{
		{`rename(ns1, "eth0" -> "eth1")`, []string{"r0=[];", "r0=[eth0@ns1 eth1@ns1];", "r0=[eth0@ns1];", "r0=[eth1@ns1];"}},
		{`create(ns1, "eth1")`, []string{"r0=[eth0@ns1 eth1@ns1];", "r0=[eth0@ns1];"}},
	} {
		src := "sysfs union\n{ namespaces 1; mount m1 = ns1; device eth0 in ns1 }\nT0: " + c.t0 +
			" | T1: r0 = readdir(m1, class/net)\nexists r0 = []\n"
		lt, err := litmus.Parse("union.litmus", src)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for k := range litmus.RunModel(lt) {
			got = append(got, k)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: model outcomes %q, want %q", c.t0, got, c.want)
		}
	}
}

// User namespaces in the initial state: how many, who owns each network
// namespace, and the user namespace of each mount and process.
func TestParseUsers(t *testing.T) {
	src := `sysfs users
{ namespaces 2; users 2; owner ns2 = user2; mount m1 = ns1; mount m2 = ns2 user2; proc p1 = ns2 user2
  add-uid(user2, "0") }
T0: r0 = readdir(m2, kernel/uids)
exists r0 = [0@ns2]
expect Always
`
	lt, err := litmus.Parse("users.litmus", src)
	if err != nil {
		t.Fatal(err)
	}
	c := lt.Program.Config
	if c.Users != 2 || !slices.Equal(c.Owners, []int{1, 2}) || !slices.Equal(c.MountUsers, []int{1, 2}) || !slices.Equal(c.ProcUsers, []int{2}) {
		t.Fatalf("config %+v", c)
	}
	r, _ := litmus.Run(lt, sim.Options{})
	if !r.Matches() || len(r.SimOnly) > 0 {
		t.Errorf("observed %s (want %s), simulator only %q", r.Observation, r.Expect, r.SimOnly)
	}
}

// TestEveryBugHasAScenario holds the library to the catalogue: every
// seeded bug has a test that expects an observation with it, so a bug added
// to the simulator without its minimal scenario fails here.
func TestEveryBugHasAScenario(t *testing.T) {
	tests, err := litmus.Load("testdata")
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, lt := range tests {
		for b := range lt.BugExpect {
			covered[b] = true
		}
	}
	for _, b := range sim.Bugs {
		if !covered[string(b.Name)] {
			t.Errorf("no litmus test in testdata expects an observation with bug %s", b.Name)
		}
	}
}
