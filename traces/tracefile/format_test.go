package tracefile

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
)

// lineTypes maps each event kind to the type of its line.
var lineTypes = map[string]any{
	KindHeader: headerLine{}, KindProgram: programLine{}, KindNote: noteLine{},
	KindCall: callLine{}, KindReturn: returnLine{}, KindFault: faultLine{},
	KindSchedule: scheduleLine{}, KindViolation: violationLine{}, KindEnd: endLine{},
}

// jsonFields lists the JSON field names of a line type in the order they
// are written, flattening embedded structs as encoding/json does.
func jsonFields(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			names = append(names, jsonFields(f.Type)...)
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		names = append(names, tag)
	}
	return names
}

// formatDoc splits FORMAT.md into what the test compares: for each event
// section its field table, one-line examples, and the whole traces.
type formatDoc struct {
	fields   map[string][]string // kind -> documented fields, in order
	order    []string            // kinds in the order of their sections
	examples []string            // ```json blocks
	traces   []string            // ```jsonl blocks
	opTables [][]string          // the field tables of "Operations and results"
	text     string
	// rec holds the same for the sections of the recorded form, which
	// document the lines it adds or changes.
	rec *formatDoc
}

func readFormat(t testing.TB) formatDoc {
	b, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	d := formatDoc{fields: map[string][]string{}, text: string(b)}
	d.rec = &formatDoc{fields: map[string][]string{}, text: d.text}
	top := &d
	section := regexp.MustCompile("^### `([a-z]+)`$")
	row := regexp.MustCompile("^\\| `([a-z_]+)` \\|")
	kind, fence, block, ops, fields := "", "", "", false, false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case fence != "" && line == "```":
			if fence == "json" {
				top.examples = append(top.examples, block)
			} else {
				top.traces = append(top.traces, block)
			}
			fence, block = "", ""
		case fence != "":
			block += line + "\n"
		case strings.HasPrefix(line, "```"):
			fence = strings.TrimPrefix(line, "```")
		case section.MatchString(line):
			kind = section.FindStringSubmatch(line)[1]
			top.order = append(top.order, kind)
		case strings.HasPrefix(line, "## "):
			kind, ops = "", line == "## Operations and results"
			if strings.HasPrefix(line, "## The recorded form") {
				top = d.rec
			} else {
				top = &d
			}
		case ops && strings.HasPrefix(line, "| field |"):
			d.opTables, fields = append(d.opTables, nil), true
		case line == "":
			fields = false // a table ends at a blank line
		case ops && fields && row.MatchString(line):
			n := len(d.opTables) - 1
			d.opTables[n] = append(d.opTables[n], row.FindStringSubmatch(line)[1])
		case kind != "" && row.MatchString(line):
			top.fields[kind] = append(top.fields[kind], row.FindStringSubmatch(line)[1])
		}
	}
	return d
}

func TestFormatDocumentsEveryKindAndField(t *testing.T) {
	d := readFormat(t)
	if !slices.Equal(d.order, Kinds) {
		t.Errorf("FORMAT.md documents kinds %v, the code has %v", d.order, Kinds)
	}
	for _, k := range Kinds {
		if _, ok := lineParsers[k]; !ok {
			t.Errorf("kind %q has no parser", k)
		}
		lt, ok := lineTypes[k]
		if !ok {
			t.Errorf("kind %q has no line type in this test", k)
			continue
		}
		if got, want := d.fields[k], jsonFields(reflect.TypeOf(lt)); !slices.Equal(got, want) {
			t.Errorf("FORMAT.md documents %s fields %v, the code writes %v", k, got, want)
		}
	}
	for k := range lineParsers {
		if !slices.Contains(Kinds, k) && !slices.Contains(RecordedKinds, k) {
			t.Errorf("a parser for kind %q, which Kinds lacks", k)
		}
	}
}

// TestFormatDocumentsOperations keeps the document in step with the
// model, whose operations grow: every kind, every argument and result
// field, every config field, every property name.
func TestFormatDocumentsOperations(t *testing.T) {
	d := readFormat(t)
	if len(d.opTables) != 2 {
		t.Fatalf("FORMAT.md has %d tables under Operations and results, want 2 (operation, result)", len(d.opTables))
	}
	if want := jsonFields(reflect.TypeOf(model.Op{})); !slices.Equal(d.opTables[0], want) {
		t.Errorf("FORMAT.md documents operation fields %v, model.Op has %v", d.opTables[0], want)
	}
	if want := jsonFields(reflect.TypeOf(model.Result{})); !slices.Equal(d.opTables[1], want) {
		t.Errorf("FORMAT.md documents result fields %v, model.Result has %v", d.opTables[1], want)
	}
	for k := model.Kind(1); k < 255; k++ {
		name, err := k.MarshalText()
		if err != nil {
			continue
		}
		if !strings.Contains(d.text, "`"+string(name)+"`") {
			t.Errorf("FORMAT.md does not name the operation %s", name)
		}
	}
	for _, f := range jsonFields(reflect.TypeOf(model.Config{})) {
		if !strings.Contains(d.text, "`"+f+"`") {
			t.Errorf("FORMAT.md does not document the config field %s", f)
		}
	}
	for _, p := range properties.Names {
		if !strings.Contains(d.text, "`"+string(p)+"`") {
			t.Errorf("FORMAT.md does not name the property %s", p)
		}
	}
}

// seededBugs judges options as the simulator does (traces.Read), so
// that the document's examples name bugs that exist.
func seededBugs(o Options) error {
	for _, b := range o.Bugs {
		if _, ok := sim.LookupBug(sim.BugName(b)); !ok {
			return fmt.Errorf("unknown bug %q", b)
		}
	}
	return nil
}

func TestFormatExamplesParse(t *testing.T) {
	d := readFormat(t)
	if len(d.examples) < len(Kinds) || len(d.traces) == 0 {
		t.Fatalf("FORMAT.md has %d one-line examples and %d traces", len(d.examples), len(d.traces))
	}
	for _, ex := range d.examples {
		// Give the line the context it is valid in: what comes before it
		// in the whole trace of FORMAT.md.
		p := parser{t: &Trace{}, open: map[int]int{}, seen: 2, checkOptions: seededBugs}
		p.t.Program.Setup = []model.Op{{Kind: model.Create, NS: 1, Name: "eth1"}}
		p.t.Program.Threads = [][]model.Op{{{Kind: model.Create, NS: 1, Name: "eth0"}}, {{Kind: model.Lookup, Mount: 1, Name: "eth0"}}}
		p.t.History.Records = make([]history.Record, 4)
		switch {
		case strings.Contains(ex, `"kind":"header"`):
			p.seen = 0
		case strings.Contains(ex, `"kind":"program"`):
			p.seen = 1
		case strings.Contains(ex, `"kind":"return"`):
			// The return of the call example, a lookup.
			p.open[1] = 0
			p.t.History.Records[0].Op = model.Op{Kind: model.Lookup, Mount: 1, Name: "eth0"}
		}
		if err := p.parse([]byte(strings.TrimSpace(ex))); err != nil {
			t.Errorf("example %s does not parse: %v", ex, err)
		}
	}
	// The recorded form's one-line examples, in the order they stand, one
	// after the other: the config, a call, its return, an event.
	p := parser{t: &Trace{}, open: map[int]int{}, seen: 1, version: RecordedVersion}
	for _, ex := range d.rec.examples {
		if err := p.parse([]byte(strings.TrimSpace(ex))); err != nil {
			t.Errorf("recorded example %s does not parse: %v", ex, err)
		}
	}
	// Every whole trace reads, and the checkers find in it what it says
	// they found: nothing, in each of them.
	for i, tr := range append(d.traces, d.rec.traces...) {
		read, err := (Reader{CheckOptions: seededBugs}).Read(strings.NewReader(tr), "FORMAT.md")
		if err != nil {
			t.Errorf("trace example %d: %v", i+1, err)
			continue
		}
		if rep := properties.Check(read.History, properties.Options{}); !rep.OK() || len(read.Violations) > 0 {
			t.Errorf("trace example %d: the checkers find %v (undecided %v), the trace says %v", i+1, rep.Violations, rep.Unknown, read.Violations)
		}
	}
}

// recordedLineTypes are the line types of the lines the recorded form
// adds or changes, by kind.
var recordedLineTypes = map[string]any{
	KindConfig: configLine{}, KindCall: recCallLine{}, KindReturn: recReturnLine{}, KindEvent: eventLine{},
}

func TestFormatDocumentsRecordedLines(t *testing.T) {
	d := readFormat(t).rec
	if want := []string{KindConfig, KindCall, KindReturn, KindEvent}; !slices.Equal(d.order, want) {
		t.Errorf("FORMAT.md's recorded form documents kinds %v, want %v", d.order, want)
	}
	for k, lt := range recordedLineTypes {
		if !slices.Contains(RecordedKinds, k) {
			t.Errorf("kind %q is not in RecordedKinds", k)
		}
		if got, want := d.fields[k], jsonFields(reflect.TypeOf(lt)); !slices.Equal(got, want) {
			t.Errorf("FORMAT.md documents recorded %s fields %v, the code writes %v", k, got, want)
		}
	}
	if len(d.traces) == 0 || len(d.examples) != len(d.order) {
		t.Errorf("the recorded form has %d one-line examples and %d traces", len(d.examples), len(d.traces))
	}
}
