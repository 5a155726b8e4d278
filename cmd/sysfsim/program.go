package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/litmus"
	"github.com/sysfsim/sysfsim/traces"
)

// fixedProgram reads run's --program, or returns nil when it is not
// given. The generator's flags say nothing about a fixed program: they
// are refused beside it rather than ignored.
func (f *runFlags) fixedProgram() (*history.Program, error) {
	if f.program == "" {
		return nil, nil
	}
	if f.threads != "" || f.ops != 0 {
		return nil, errors.New("--threads and --ops shape generated programs: not with --program")
	}
	p, err := readProgram(f.program)
	if err != nil {
		return nil, fmt.Errorf("--program: %w", err)
	}
	return &p, nil
}

// readProgram reads the program of a litmus test, or of a trace file: a
// file whose first line that is not blank or a comment starts with
// "sysfs " is a litmus test (docs/LITMUS.md), anything else a trace.
func readProgram(path string) (history.Program, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return history.Program{}, err
	}
	if isLitmus(string(b)) {
		t, err := litmus.Parse(path, string(b))
		if err != nil {
			return history.Program{}, err
		}
		return t.Program, nil
	}
	t, err := traces.ReadFile(path)
	if err != nil {
		return history.Program{}, err
	}
	return t.Program, nil
}

func isLitmus(src string) bool {
	for _, l := range strings.Split(src, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "//") {
			return strings.HasPrefix(l, "sysfs ")
		}
	}
	return false
}
