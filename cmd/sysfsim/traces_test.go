package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/traces"
)

const (
	bugTrace  = "../../traces/testdata/bugs/unlocked-add.jsonl"
	passTrace = "../../traces/testdata/pass/dying-entry-failed-move.jsonl"
)

// withSchedule writes a copy of a trace with another schedule line, or
// none if picks is empty.
func withSchedule(t *testing.T, src, picks string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if strings.HasPrefix(line, `{"kind":"schedule"`) {
			if picks == "" {
				continue
			}
			line = `{"kind":"schedule","picks":` + picks + `}`
		}
		out = append(out, line)
	}
	path := filepath.Join(t.TempDir(), "edited.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTraceCommands(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"kind":"header","format":9}`+"\n"), 0o644)
	small := filepath.Join(dir, "small.jsonl")
	noSchedule := withSchedule(t, bugTrace, "")
	shrunkHistory := filepath.Join(dir, "history.jsonl")
	html := filepath.Join(dir, "out.html")
	programOnly := filepath.Join(dir, "program-only.jsonl")
	os.WriteFile(programOnly, []byte(`{"kind":"header","format":1,"sysfsim":"0.1.0","source":"kernel","seed":0,"options":{}}
{"kind":"program","config":{"namespaces":1,"mounts":[1]},"threads":[[{"op":"create","ns":1,"name":"eth0"}]]}
{"kind":"end","operations":0}
`), 0o644)
	recorded := filepath.Join(dir, "recorded.jsonl")
	cut := filepath.Join(dir, "cut.jsonl")
	os.WriteFile(cut, []byte(`{"kind":"header","format":2,"sysfsim":"0.1.0","source":"kernel","seed":0,"options":{}}
{"kind":"config","config":{"namespaces":1,"mounts":[1]},"initial":["lo"]}
{"kind":"call","id":0,"time":5,"op":{"op":"lookup","mount":1,"name":"lo"}}
{"kind":"return","id":0,"time":6,"result":{}}
{"kind":"call","id":1,"time":7,"op":{"op":"readdir","mo`), 0o644)
	backV1 := filepath.Join(dir, "v1.jsonl")
	cases := []struct {
		name string
		args []string
		code int
		out  string // in stdout
		err  string // in stderr
	}{
		{"check a bug", []string{"check", bugTrace}, exitViolation, "VIOLATION uniqueness", ""},
		{"check names the operations", []string{"check", bugTrace}, exitViolation, "\n  T1 [", ""},
		{"check a pass", []string{"check", passTrace}, exitOK, "every property holds", ""},
		{"check json", []string{"check", "--json", passTrace}, exitOK, `"violations":[]`, ""},
		{"check a bad file", []string{"check", bad}, exitUsage, "", "bad.jsonl:1: format version 9"},
		{"check a missing file", []string{"check", filepath.Join(dir, "none.jsonl")}, exitUsage, "", "no such file"},
		{"check without a file", []string{"check"}, exitUsage, "", "usage"},
		{"check a trace with nothing to judge", []string{"check", programOnly}, exitUsage, "", "program-only.jsonl:2: nothing to judge: the program has 1 operations and the trace records none"},
		{"check a recording cut short", []string{"check", cut}, exitOK, "cut.jsonl: the recording was cut short (no end line): judged as far as it went\n" + cut + ": every property holds (2 operations)", ""},
		{"convert to the recorded form", []string{"convert", "--to", "recorded", bugTrace, recorded}, exitOK, "written as recorded", ""},
		{"check the recorded form", []string{"check", recorded}, exitViolation, "VIOLATION uniqueness", ""},
		{"replay the recorded form", []string{"replay", recorded}, exitOK, "reproduces the trace", ""},
		{"convert back to version 1", []string{"convert", "--to", "v1", recorded, backV1}, exitOK, "written as v1", ""},
		{"convert to an unknown form", []string{"convert", "--to", "v3", bugTrace, backV1}, exitUsage, "", `--to "v3": the forms are v1 and recorded`},
		{"convert without OUT", []string{"convert", "--to", "v1", bugTrace}, exitUsage, "", "usage"},
		{"replay", []string{"replay", bugTrace}, exitOK, "reproduces the trace", ""},
		{"replay a schedule that does not fit", []string{"replay", withSchedule(t, bugTrace, "[0]")}, exitViolation, "the schedule does not fit the program: step 1: the schedule has only 1 picks", ""},
		{"replay names the schedule's line", []string{"replay", withSchedule(t, bugTrace, "[0]")}, exitViolation, "edited.jsonl:", ""},
		{"replay a schedule picking a missing thread", []string{"replay", withSchedule(t, bugTrace, "[7]")}, exitUsage, "", "picks thread 7"},
		{"replay without a schedule", []string{"replay", withSchedule(t, bugTrace, "")}, exitUsage, "", "no schedule"},
		{"shrink", []string{"shrink", bugTrace, "-o", small}, exitOK, "replay: sysfsim replay ", ""},
		{"replay the shrunk trace", []string{"replay", small}, exitOK, "reproduces the trace", ""},
		{"shrink json", []string{"shrink", "--json", bugTrace, "-o", small}, exitOK, `"property":"uniqueness"`, ""},
		{"shrink json, replayable", []string{"shrink", "--json", bugTrace, "-o", small}, exitOK, `"method":"execution"`, ""},
		{"shrink json, how to replay", []string{"shrink", "--json", bugTrace, "-o", small}, exitOK, `"replay":"sysfsim replay `, ""},
		{"shrink for a property", []string{"shrink", "--property", "linearizability", bugTrace, "-o", small}, exitOK, "keeping linearizability", ""},
		{"shrink a pass", []string{"shrink", passTrace, "-o", small}, exitUsage, "", "violates no property"},
		{"shrink without a schedule", []string{"shrink", noSchedule, "-o", shrunkHistory}, exitOK, "\n  check:  sysfsim check ", ""},
		{"shrink without a schedule, json", []string{"shrink", "--json", noSchedule, "-o", shrunkHistory}, exitOK, `"method":"history"`, ""},
		{"check the shrunk history", []string{"check", shrunkHistory}, exitViolation, "VIOLATION uniqueness", ""},
		{"replay the shrunk history", []string{"replay", shrunkHistory}, exitUsage, "", "no schedule"},
		{"shrink without -o", []string{"shrink", bugTrace}, exitUsage, "", "usage"},
		{"show", []string{"show", bugTrace}, exitOK, "!1 uniqueness", ""},
		{"show narrow", []string{"show", "--width", "40", passTrace}, exitOK, "T3", ""},
		{"show a bad file", []string{"show", bad}, exitUsage, "", "format version 9"},
		{"viz", []string{"viz", bugTrace, "-o", html}, exitOK, "out.html", ""},
		{"viz without -o", []string{"viz", bugTrace}, exitUsage, "", "usage"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Main(c.args, &out, &errb)
			if code != c.code || !strings.Contains(out.String(), c.out) || !strings.Contains(errb.String(), c.err) {
				t.Errorf("sysfsim %s: exit %d, want %d\nstdout: %s\nstderr: %s\nwant %q in stdout, %q in stderr",
					strings.Join(c.args, " "), code, c.code, out.String(), errb.String(), c.out, c.err)
			}
		})
	}
	if a, b := readOrEmpty(bugTrace), readOrEmpty(backV1); len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("converted to the recorded form and back, the trace differs:\n%s\nwas\n%s", b, a)
	}
	if b, err := os.ReadFile(html); err != nil || !bytes.Contains(b, []byte("<html")) {
		t.Errorf("viz wrote no page: %v", err)
	}
	tr, err := traces.ReadFile(small)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := traces.Replay(tr); err != nil {
		t.Errorf("the shrunk trace: %v", err)
	}
}

func readOrEmpty(path string) []byte {
	b, _ := os.ReadFile(path)
	return b
}
