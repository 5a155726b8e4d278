package properties_test

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"pgregory.net/rapid"

	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/traces"
)

// Environment of FuzzProgram (README, "Fuzzing").
const (
	// fuzzBugEnv enables seeded bugs (comma-separated names, as
	// `sysfsim run --bug`), so that the fuzzer hunts them.
	fuzzBugEnv = "SYSFSIM_FUZZ_BUG"
	// fuzzOutEnv is the directory crashers' traces are saved to; without
	// it, a new temporary directory per fuzzing process.
	fuzzOutEnv = "SYSFSIM_FUZZ_OUT"
)

// FuzzProgram is the property test under `go test -fuzz`: the fuzz input
// is decoded by rapid into a program and a schedule seed, with the same
// drawing code as the property tests (execute); the program runs on the
// simulator and every checker judges it. On a violation the trace is saved
// (fuzzOutEnv) and the failure gives the command that replays it.
//
//	go test -run='^$' -fuzz=FuzzProgram -fuzztime=10m ./properties/
//	SYSFSIM_FUZZ_BUG=unlocked-add go test -run='^$' -fuzz=FuzzProgram ./properties/
func FuzzProgram(f *testing.F) {
	bugs, err := sim.ParseBugs(os.Getenv(fuzzBugEnv))
	if err != nil {
		f.Fatalf("%s: %v", fuzzBugEnv, err)
	}
	if len(bugs) > 0 {
		f.Logf("%s: hunting seeded bugs %v", fuzzBugEnv, bugs)
	}
	for _, b := range fuzzSeeds() {
		f.Add(b)
	}
	f.Fuzz(rapid.MakeFuzz(fuzzProp(bugs, fuzzOutDir)))
}

// fuzzSeeds is the seed corpus. rapid reads the input as little-endian
// 64-bit words, one per choice, and skips an input that runs out of words
// before the program is drawn, so every seed is long enough for the
// largest program: all zeros (rapid's simplest values: the smallest
// program), all ones, and a few pseudo-random strings.
func fuzzSeeds() [][]byte {
	const size = 4096
	seeds := [][]byte{make([]byte, size), bytes.Repeat([]byte{0xff}, size)}
	r := rand.New(rand.NewPCG(8, 8))
	for range 4 {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// fuzzProp is FuzzProgram's body: prop's property, with the trace of a
// failure saved under out() and a replay command in the failure message.
func fuzzProp(bugs sim.BugSet, out func() (string, error)) func(*rapid.T) {
	return func(t *rapid.T) {
		p, x := execute(t, bugs)
		r := properties.Check(x.History, checkOpts)
		if r.OK() {
			return
		}
		what := make([]string, 0, len(r.Violations)+len(r.Unknown))
		for _, v := range r.Violations {
			what = append(what, v.String())
		}
		for _, u := range r.Unknown {
			what = append(what, string(u)+": undecided")
		}
		msg := fmt.Sprintf("%d violation(s), %d undecided, bugs %v:\n  %s", len(r.Violations), len(r.Unknown), bugs, strings.Join(what, "\n  "))
		// The schedule seed is not known here (execute drew it), and
		// replay needs only the schedule: the header's seed stays 0.
		tr := traces.FromExecution(p, 0, "random", sim.Options{Bugs: bugs}, x, r.Violations)
		tr.Notes = []string{"found by FuzzProgram (properties/fuzz_test.go)"}
		path, err := saveCrasher(tr, out)
		if err != nil {
			t.Fatalf("%s\n  the trace could not be saved: %v", msg, err)
		}
		t.Fatalf("%s\n  trace:  %s\n  replay (from the repository root): go run ./cmd/sysfsim replay %s", msg, path, shellQuote(path))
	}
}

// saveCrasher writes tr atomically (traces.WriteFile: a temporary file,
// then a rename) into out(), named after its first violated property and
// a hash of its contents, so that the same input always names the same
// file. It returns the file's absolute path.
func saveCrasher(tr *traces.Trace, out func() (string, error)) (string, error) {
	dir, err := out()
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := traces.Write(&b, tr); err != nil {
		return "", err
	}
	h := fnv.New64a()
	h.Write(b.Bytes())
	prop := "undecided"
	if len(tr.Violations) > 0 {
		prop = string(tr.Violations[0].Property)
	}
	path := filepath.Join(dir, fmt.Sprintf("fuzz-%s-%016x.jsonl", prop, h.Sum64()))
	if err := traces.WriteFile(path, tr); err != nil {
		return "", err
	}
	return path, nil
}

var fuzzTemp struct {
	sync.Mutex
	dir string
}

// fuzzOutDir returns $SYSFSIM_FUZZ_OUT, made absolute and created, or else
// a temporary directory created at the first crasher of this process and
// left in place.
func fuzzOutDir() (string, error) {
	if d := os.Getenv(fuzzOutEnv); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
		return filepath.Abs(d)
	}
	fuzzTemp.Lock()
	defer fuzzTemp.Unlock()
	if fuzzTemp.dir == "" {
		d, err := os.MkdirTemp("", "sysfsim-fuzz-")
		if err != nil {
			return "", err
		}
		fuzzTemp.dir = d
	}
	return fuzzTemp.dir, nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:,@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Every seed is long enough to draw a program: none is skipped.
func TestFuzzSeedsDrawPrograms(t *testing.T) {
	for i, b := range fuzzSeeds() {
		ran := false
		body := rapid.MakeFuzz(func(rt *rapid.T) {
			fuzzProp(nil, func() (string, error) { return t.TempDir(), nil })(rt)
			ran = true
		})
		t.Run(fmt.Sprint("seed", i), func(t *testing.T) { body(t, b) })
		if !ran {
			t.Errorf("seed %d (%d bytes) did not run to the end: skipped or failed", i, len(b))
		}
	}
}

var replayLine = regexp.MustCompile(`replay \(from the repository root\): go run \./cmd/sysfsim replay (\S+)`)

// The crasher path, with a seeded bug: FuzzProgram's body fails, saves the
// trace atomically under $SYSFSIM_FUZZ_OUT, names it in one replay
// command, and the saved trace replays to the same history and the same
// violations. rapid stands in for the fuzzer (catchTB), with a fixed seed
// so that the budget is a fact.
func TestFuzzProgramCrasherPath(t *testing.T) {
	const bug = sim.BugUnlockedAdd
	out := t.TempDir()
	t.Setenv(fuzzOutEnv, out)
	setFlags(t, map[string]string{"rapid.checks": "5000", "rapid.seed": "1", "rapid.nofailfile": "true", "rapid.shrinktime": "200ms"})
	c := &catchTB{name: t.Name()}
	rapid.Check(c, fuzzProp(sim.BugSet{bug}, fuzzOutDir))
	if !c.failed {
		t.Fatalf("the fuzz body found nothing with bug %s", bug)
	}
	log := c.out.String()
	ms := replayLine.FindAllStringSubmatch(log, -1)
	if len(ms) == 0 {
		t.Fatalf("no replay command in the failure:\n%s", log)
	}
	// rapid prints the failure twice (its summary and the re-run of the
	// smallest input); both name the same file, one command each.
	path := ms[len(ms)-1][1]
	for _, m := range ms {
		if m[1] != path {
			t.Fatalf("the failure names two traces, %s and %s:\n%s", m[1], path, log)
		}
	}
	for _, block := range strings.Split(log, "[rapid]") {
		if n := strings.Count(block, "go run ./cmd/sysfsim replay"); n > 1 {
			t.Fatalf("one failure message gives %d replay commands:\n%s", n, block)
		}
	}
	if !filepath.IsAbs(path) || filepath.Dir(path) != out {
		t.Fatalf("trace %s is not an absolute path in %s", path, out)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".jsonl") || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("%s left in the output directory (a temporary file?)", e.Name())
		}
	}

	tr, err := traces.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tr.Header.Options.Bugs, []string{string(bug)}) {
		t.Fatalf("the trace's bugs are %v, want [%s]", tr.Header.Options.Bugs, bug)
	}
	if len(tr.Violations) == 0 {
		t.Fatal("the saved trace records no violation")
	}
	x, err := traces.Replay(tr)
	if err != nil {
		t.Fatalf("the saved trace does not replay: %v", err)
	}
	r := properties.Check(x.History, checkOpts)
	if fmt.Sprint(r.Violations) != fmt.Sprint(tr.Violations) {
		t.Fatalf("the replay shows %v, the trace recorded %v", r.Violations, tr.Violations)
	}
	for _, v := range tr.Violations {
		if !strings.Contains(log, string(v.Property)) {
			t.Errorf("the failure does not name %s:\n%s", v.Property, log)
		}
	}
}
