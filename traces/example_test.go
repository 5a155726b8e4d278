package traces_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
	"github.com/sysfsim/sysfsim/traces"
)

// Two threads register eth0 at once under the seeded bug unlocked-add.
// The first schedule that breaks a property becomes a trace, which is
// written, read back and replayed to the same history. The README's "As a
// Go library" shows this example.
func ExampleFromExecution() {
	p := history.Program{
		Config: model.Config{Namespaces: 1, Mounts: []int{1}},
		Threads: [][]model.Op{
			{{Kind: model.Create, NS: 1, Name: "eth0"}},
			{{Kind: model.Create, NS: 1, Name: "eth0"}},
		},
	}
	opt := sim.Options{Bugs: sim.BugSet{sim.BugUnlockedAdd}}
	for seed := range uint64(200) {
		x := sim.Run(p, sched.NewRandom(seed), opt)
		r := properties.Check(x.History, properties.Options{})
		if !r.OK() {
			t := traces.FromExecution(p, seed, "random", opt, x, r.Violations)
			var f bytes.Buffer // a file keeps it
			if err := traces.Write(&f, t); err != nil {
				panic(err)
			}
			back, err := traces.Read(&f, "found.jsonl")
			if err != nil {
				panic(err)
			}
			_, err = traces.Replay(back) // what `sysfsim replay found.jsonl` does
			fmt.Printf("seed %d: %s, replays: %v\n", seed, t.Violations[0].Property, err == nil)
			break
		}
		x.Release() // optional: the next Run reuses the execution's memory
	}
	// Output: seed 2: uniqueness, replays: true
}

// TestReadmeShowsExample: the README's "As a Go library" code is
// ExampleFromExecution's body, so what the README shows compiles and runs.
func TestReadmeShowsExample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	got, err := readmeExample(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	if want := exampleBody(string(src)); got != want {
		t.Errorf("README.md shows:\n%s\nExampleFromExecution runs:\n%s", got, want)
	}
}

// readmeExample returns the first Go block of the README's "As a Go
// library".
func readmeExample(readme string) (string, error) {
	_, section, ok := strings.Cut(readme, "### As a Go library\n")
	if !ok {
		return "", errors.New(`README.md has no "As a Go library" section`)
	}
	_, block, ok := strings.Cut(section, "```go\n")
	if !ok {
		return "", errors.New(`"As a Go library" has no Go block`)
	}
	block, _, _ = strings.Cut(block, "```\n")
	return block, nil
}

// exampleBody returns ExampleFromExecution's body up to its output, one
// tab less indented.
func exampleBody(src string) string {
	_, body, _ := strings.Cut(src, "func ExampleFromExecution() {\n")
	body, _, _ = strings.Cut(body, "\t// Output:")
	var b strings.Builder
	for _, line := range strings.SplitAfter(body, "\n") {
		b.WriteString(strings.TrimPrefix(line, "\t"))
	}
	return b.String()
}
