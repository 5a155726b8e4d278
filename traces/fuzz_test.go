package traces

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysfsim/sysfsim/properties"
)

// FuzzReadTrace feeds arbitrary bytes to Read: it must never panic, every
// failure must be an *Error naming the file, and what the tools then do
// with a small accepted trace (check, show, viz, replay) must not panic
// either. That the format round-trips is tracefile.FuzzRead's to check.
func FuzzReadTrace(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.jsonl"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// FORMAT.md's whole traces, the recorded form's among them.
	doc, err := os.ReadFile(filepath.Join("tracefile", "FORMAT.md"))
	if err != nil {
		f.Fatal(err)
	}
	for i, block := range strings.Split(string(doc), "```jsonl\n") {
		if i > 0 {
			f.Add([]byte(block[:strings.Index(block, "```")]))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := Read(bytes.NewReader(b), "fuzz.jsonl")
		if err != nil {
			var te *Error
			if !errors.As(err, &te) || te.File != "fuzz.jsonl" {
				t.Fatalf("error %v is not a *traces.Error naming the file", err)
			}
			return
		}
		// What the tools do with an accepted trace must not panic either;
		// only small ones, to keep each input fast.
		if tr.Program.Ops() <= 12 && len(tr.History.Records) <= 12 && len(tr.Program.Threads) <= 4 {
			properties.Check(tr.History, properties.Options{LinearizabilityTimeout: time.Second})
			if err := Show(io.Discard, tr, 80); err != nil {
				t.Fatal(err)
			}
			if err := Visualize(io.Discard, tr, time.Second); err != nil {
				t.Fatal(err)
			}
			if tr.Header.Options.MaxSteps == 0 || tr.Header.Options.MaxSteps > 2000 {
				tr.Header.Options.MaxSteps = 2000
			}
			Replay(tr)
		}
	})
}
