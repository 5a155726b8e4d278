package kernel

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/model"
)

// diffNames adds to gen's pool names the net core rejects, and one of the
// longest it accepts, so that error codes are compared too.
var diffNames = append(append([]string(nil), gen.Names...), "", "a/b", "a:b", "a b", ".", "..", "abcdefghijklmno", "abcdefghijklmnop")

// diffOp draws one operation: gen's kinds and weights, names from
// diffNames, and now and then a namespace number the program does not
// have. fds counts the descriptors opened so far; reads and closes name
// one of them, or now and then one never opened. mounts counts the mounts
// made so far; observers name one of them.
func diffOp(r gen.Rand, cfg model.Config, fds, mounts *int) model.Op {
	op := gen.Op(r, cfg)
	for !Supports(op) {
		op = gen.Op(r, cfg)
	}
	switch op.Kind {
	case model.Mount:
		*mounts++
		op.Mount = *mounts
	case model.Lookup, model.Readdir, model.Readlink, model.Open, model.Umount:
		op.Mount = 1 + r.IntN(*mounts, "mount")
	}
	switch op.Kind {
	case model.Open:
		*fds++
		op.FD = *fds
	case model.Read, model.Close:
		op.FD = 1 + r.IntN(*fds+1, "fd")
	}
	pick := func() string { return diffNames[r.IntN(len(diffNames), "name")] }
	if op.Name != "" {
		op.Name = pick()
	}
	if op.NewName != "" {
		op.NewName = pick()
	}
	if r.IntN(20, "bad ns") == 0 {
		switch op.Kind {
		case model.Create, model.Remove, model.Rename, model.Exit:
			op.NS = cfg.Namespaces + 1
		case model.Move:
			op.To = 0
		}
	}
	return op
}

// A disagreement the kernel is known to have with the model, or a model
// bug already reported. Each names the DIFFERENCES.md section it is
// written in.
type known struct {
	class, section string
}

// classify explains a disagreement between the model's result m and the
// kernel's k for op, or returns false. dead says whether op's namespace
// was not alive: exited, or declared for later and not yet cloned.
func classify(dead bool, op model.Op, m, k model.Result) (known, bool) {
	long := func(s string) bool { return len(s) >= model.IFNAMSIZ }
	switch {
	case op.Kind == model.Create && dead && k.Err == model.ENOENT && model.ValidName(op.Name) != model.OK:
		return known{"backend answer", "operations on a namespace not alive"}, true
	case (op.Kind == model.Remove || op.Kind == model.Rename || op.Kind == model.Move) && long(op.Name) &&
		m.Err == model.ENOENT && k.Err == model.ERANGE:
		return known{"kernel behavior", "a name too long to be looked up: ERANGE"}, true
	case op.Kind == model.Rename && op.NewName == "" && m.Err == model.EINVAL && k.Err == model.OK:
		return known{"kernel behavior", "rename to the empty name: a no-op"}, true
	case op.Kind == model.Lookup && (op.Name == "." || op.Name == "..") && m.Err == model.ENOENT && k.Err == model.OK,
		op.Kind == model.Readlink && (op.Name == "." || op.Name == "..") && m.Err == model.ENOENT && k.Err == model.EINVAL:
		return known{"kernel behavior", ". and ..: the VFS answers"}, true
	}
	return known{}, false
}

// TestDifferential runs random sequential programs on the model and on the
// kernel: every result, error codes included, must agree, or the
// disagreement must be a known one.
func TestDifferential(t *testing.T) {
	need(t)
	programs, opsEach := 80, 16
	if testing.Short() {
		programs = 30
	}
	counts := map[string]int{}
	total, disagree := 0, 0
	glue := 0 // listings of devices/virtual/net with no device anywhere
	begin := time.Now()
	for seed := uint64(1); seed <= uint64(programs); seed++ {
		r := gen.NewRand(seed)
		p := gen.Program(r, gen.Options{})
		p.Config.Exit = model.ExitKernel // what the kernel does
		cfg := p.Config
		var ops []model.Op
		for _, op := range p.Setup {
			if Supports(op) {
				ops = append(ops, op)
			}
		}
		fds, mounts := 0, len(cfg.Mounts)
		for range opsEach {
			ops = append(ops, diffOp(r, cfg, &fds, &mounts))
		}
		b, err := New(cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		s := model.Init()
		born := map[int]bool{}
		var trail []string
		for _, op := range ops {
			dead := s.Exited(op.NS) || slices.Contains(cfg.Later, op.NS) && !born[op.NS]
			done, k, teardown, _, err := b.do(op)
			if err != nil {
				b.Close()
				t.Fatalf("seed %d: %v: %v", seed, op, err)
			}
			op = done // with the ifindex the kernel gave a new device
			if op.Kind == model.Readdir && len(model.Step(cfg, s, op)) > 1 {
				glue++ // where the simulator's glue directory is gone
			}
			var m model.Result
			m, s = model.Apply(cfg, s, op)
			for _, x := range teardown { // an exit's removals, then gone
				var tr model.Result
				if tr, s = model.Apply(cfg, s, x.Op); tr.Err != model.OK {
					t.Errorf("seed %d: %v after %v: the model says %v", seed, x.Op, op, tr)
				}
			}
			if op.Kind == model.Clone && k.Err == model.OK {
				born[op.NS] = true
			}
			total++
			trail = append(trail, fmt.Sprintf("%v -> model %v, kernel %v", op, m, k))
			if model.SameResult(m, k) {
				continue
			}
			disagree++
			if c, ok := classify(dead, op, m, k); ok {
				counts[c.class+": "+c.section]++
				continue
			}
			t.Errorf("seed %d: unexplained disagreement on %v: model %v, kernel %v\nprogram so far:\n  %s",
				seed, op, m, k, strings.Join(trail, "\n  "))
		}
		b.Close()
	}
	t.Logf("%d programs, %d operations in %v, %d disagreements", programs, total, time.Since(begin).Round(time.Millisecond), disagree)
	// The model lets such a listing fail with ENOENT (the glue directory
	// gone); the kernel, whose lo keeps it, lists nothing, the model's
	// first outcome, which the comparison above holds it to.
	t.Logf("%d listings of devices/virtual/net with no device in any namespace", glue)
	if glue == 0 {
		t.Error("no program listed devices/virtual/net with no device anywhere: the glue directory's rule went untested")
	}
	for c, n := range counts {
		t.Logf("  %4d  %s", n, c)
	}
}
