package tracefile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Read: it must never panic, every
// failure must be an *Error naming the file, and whatever it accepts must
// survive a write and a second read unchanged (the format round-trips).
// The seeds are the corpus of package traces, badInputs, and the
// recorded form's: its base, its bad inputs, and FORMAT.md's examples cut
// at every line.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*.jsonl"))
	if len(files) == 0 {
		f.Fatal("no corpus traces under ../testdata")
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, c := range badInputs {
		f.Add([]byte(c.text))
	}
	f.Add([]byte(strings.Join(recordedBase, "\n") + "\n"))
	for _, c := range recordedBadInputs {
		f.Add([]byte(c.text))
	}
	for _, ex := range readFormat(f).rec.traces {
		for n := range strings.Count(ex, "\n") {
			f.Add([]byte(strings.Join(strings.SplitAfter(ex, "\n")[:n+1], "")))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := Read(bytes.NewReader(b), "fuzz.jsonl")
		if err != nil {
			var te *Error
			if !errors.As(err, &te) || te.File != "fuzz.jsonl" {
				t.Fatalf("error %v is not a *tracefile.Error naming the file", err)
			}
			return
		}
		var out bytes.Buffer
		if err := Write(&out, tr); err != nil {
			t.Fatalf("an accepted trace does not write back: %v", err)
		}
		tr2, err := Read(bytes.NewReader(out.Bytes()), "again.jsonl")
		if err != nil {
			t.Fatalf("an accepted trace, written back, does not read: %v\n%s", err, out.Bytes())
		}
		var out2 bytes.Buffer
		if err := Write(&out2, tr2); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), out2.Bytes()) {
			t.Fatalf("writing is not stable:\n%s\n---\n%s", out.Bytes(), out2.Bytes())
		}
	})
}
