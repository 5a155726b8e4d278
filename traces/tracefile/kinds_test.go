package tracefile

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/model"
)

var update = flag.Bool("update", false, "rewrite FORMAT.md's table of operation kinds from the model's")

const (
	kindsStart = "<!-- kinds: generated from model/kinds.go -->\n"
	kindsEnd   = "<!-- end of kinds -->\n"
)

// kindsTable renders the model's table of kinds as FORMAT.md shows it.
func kindsTable() string {
	var b strings.Builder
	b.WriteString("| kind | class | printed form | needs | returns | what it does |\n|---|---|---|---|---|---|\n")
	for _, k := range model.Kinds() {
		s, _ := k.Spec()
		fmt.Fprintf(&b, "| `%s` | %v | `%s` | %s | %s | %s |\n", s.Name, s.Class, s.Form,
			strings.ReplaceAll(s.Needs.String(), `"`, "`"), strings.ReplaceAll(s.Returns.String(), `"`, "`"), s.Doc)
	}
	return b.String()
}

// TestFormatKinds keeps FORMAT.md's table of kinds the model's: a kind
// added to model/kinds.go fails here until -update writes its row.
func TestFormatKinds(t *testing.T) {
	doc, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	i, j := strings.Index(text, kindsStart), strings.Index(text, kindsEnd)
	if i < 0 || j < i {
		t.Fatalf("FORMAT.md has no %q ... %q section", kindsStart, kindsEnd)
	}
	got, want := text[i+len(kindsStart):j], kindsTable()
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile("FORMAT.md", []byte(text[:i+len(kindsStart)]+want+text[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("FORMAT.md's table of kinds is not the model's (go test ./traces/tracefile -update rewrites it); want:\n%s", want)
}
