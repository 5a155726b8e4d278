package campaign

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/traces"
)

// A campaign with a fixed program runs it in every execution: the
// violation found is of that program, kept in the summary; a resumed run
// must name the same program.
func TestFixedProgram(t *testing.T) {
	create := model.Op{Kind: model.Create, NS: 1, Name: "eth0"}
	list := model.Op{Kind: model.Readdir, Mount: 1, Dir: model.Devices}
	p := &history.Program{Config: model.Config{Namespaces: 1, Mounts: []int{1}},
		Threads: [][]model.Op{{create, list}, {create, list}}}
	dir := t.TempDir()
	sum, err := Run(context.Background(), Config{Seed: 3, Executions: 2000, Bugs: sim.BugSet{sim.BugUnlockedAdd}, OutDir: dir, Program: p, NoShrink: true, NoViz: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Violations) != 1 || sum.Program == nil || !reflect.DeepEqual(*sum.Program, *p) {
		t.Fatalf("violations %+v, program %+v", sum.Violations, sum.Program)
	}
	tr, err := traces.ReadFile(sum.Violations[0].Trace)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tr.Program, *p) {
		t.Errorf("the violation's program is %+v, not the fixed one", tr.Program)
	}
	other := &history.Program{Config: p.Config, Threads: [][]model.Op{{create}, {create}}}
	for _, q := range []*history.Program{other, nil} {
		_, err := Run(context.Background(), Config{Seed: 3, Executions: 10, Bugs: sim.BugSet{sim.BugUnlockedAdd}, OutDir: dir, Program: q})
		if !errors.Is(err, ErrMismatch) {
			t.Errorf("resumed with program %v: %v, want a mismatch", q, err)
		}
	}
}
