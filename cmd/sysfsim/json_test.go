package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/sysfsim/sysfsim/campaign"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
)

// schemaDir holds a JSON Schema for each --json output and summary.json.
const schemaDir = "../../docs/schema"

// jsonOutput is a real output of the tool and the schema it must meet.
type jsonOutput struct {
	name, schema string
	doc          []byte
}

// jsonOutputs runs every command that prints JSON, in the ways that fill
// its optional parts, and returns what they print and the summary.json
// files they write. The kernel command runs where the kernel backend
// can; elsewhere its output is left out, and skip says why.
func jsonOutputs(t *testing.T) (outs []jsonOutput, skip string) {
	t.Helper()
	dir := t.TempDir()
	add := func(name, schema string, want int, args ...string) []byte {
		code, out, errs := run(t, args...)
		if code != want {
			t.Fatalf("%s: exit %d, want %d\n%s%s", name, code, want, out, errs)
		}
		outs = append(outs, jsonOutput{name, schema, []byte(out)})
		return []byte(out)
	}
	addFile := func(name, schema, path string) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, jsonOutput{name, schema, b})
	}
	camp := filepath.Join(dir, "bug")
	out := add("run, violations", "run", exitViolation, "run", "--bug", "unlocked-add", "--keep-going", "--max-violations", "2", "--executions", "300", "--out", camp, "--json")
	addFile("summary.json, violations", "summary", filepath.Join(camp, campaign.SummaryFile))
	add("run, exhaustive", "run", exitOK, "run", "--strategy", "exhaustive", "--threads", "2", "--ops", "1", "--executions", "20", "--out", filepath.Join(dir, "exh"), "--json")
	add("run, guided", "run", exitOK, "run", "--guided", "--executions", "400", "--json")
	addFile("summary.json, exhaustive", "summary", filepath.Join(dir, "exh", campaign.SummaryFile))
	add("run, fixed program", "run", exitOK, "run", "--program", "../../litmus/testdata/two-eth0.litmus", "--executions", "50", "--out", filepath.Join(dir, "prog"), "--json")
	addFile("summary.json, fixed program", "summary", filepath.Join(dir, "prog", campaign.SummaryFile))
	add("run, exhaustive DPOR", "run", exitOK, "run", "--strategy", "exhaustive", "--preemptions", "-1", "--threads", "2", "--ops", "1", "--executions", "5", "--json")
	for _, i := range []string{"0", "1"} {
		add("run, shard "+i, "run", exitViolation, "run", "--bug", "unlocked-add", "--keep-going", "--executions", "500", "--shard", i+"/2", "--out", filepath.Join(dir, "shard-"+i), "--json")
	}
	merged := filepath.Join(dir, "merged")
	add("merge", "merge", exitViolation, "merge", filepath.Join(dir, "shard-0"), filepath.Join(dir, "shard-1"), "-o", merged, "--json")
	addFile("summary.json, merged", "summary", filepath.Join(merged, campaign.SummaryFile))

	var s campaign.Summary
	if err := json.Unmarshal(out, &s); err != nil || len(s.Violations) == 0 || s.Violations[0].Original == "" {
		t.Fatalf("run found no violation, or did not shrink it: %v\n%s", err, out)
	}
	found := s.Violations[0].Original
	add("replay", "replay", exitOK, "replay", found, "--json")
	add("replay, divergent", "replay", exitViolation, "replay", withSchedule(t, bugTrace, "[0]"), "--json")
	add("check, violations", "check", exitViolation, "check", found, "--json")
	add("check, pass", "check", exitOK, "check", passTrace, "--json")
	add("check, a long history out of time", "check", exitUndecided, "check", gunzipped(t, dir, "kernel-30k.jsonl"), "--timeout", "1ns", "--json")
	add("shrink", "shrink", exitOK, "shrink", found, "-o", filepath.Join(dir, "small.jsonl"), "--json")
	add("bugs", "bugs", exitOK, "bugs", "--json")
	lib := filepath.Join("..", "..", "litmus", "testdata")
	add("litmus", "litmus", exitOK, "litmus", "--json", filepath.Join(lib, "two-eth0.litmus"))
	add("litmus, a bug", "litmus", exitOK, "litmus", "--json", "--out", filepath.Join(dir, "litmus"), "--bug", "unlocked-add", filepath.Join(lib, "bug-unlocked-add.litmus"))

	k, skip := kernelJSON(t)
	if k != nil {
		outs = append(outs, jsonOutput{"kernel", "kernel", k})
		outs = append(outs, litmusKernelJSON(t)...)
		rec := filepath.Join(dir, "record")
		outs = append(outs, jsonOutput{"kernel --record", "record", kernelRun(t, "--record", "2s", "--out", rec, "--json")})
		addFile("summary.json, recording", "record", filepath.Join(rec, "summary.json"))
	}
	return outs, skip
}

// kernelJSON returns what 'sysfsim kernel --json' prints for a few
// programs, from a built binary: the command re-executes itself isolated,
// which a test binary cannot stand in for. It returns nil and why where
// the kernel backend cannot run.
func kernelJSON(t *testing.T) ([]byte, string) {
	t.Helper()
	bin, err := buildBinary(t.TempDir())
	if err != nil {
		return nil, err.Error()
	}
	kernelBinary = bin
	out, code, errs := runKernelBinary(t, "--executions", "3", "--out", t.TempDir(), "--json")
	switch {
	case code == exitUsage:
		return nil, "kernel: " + strings.TrimSpace(errs)
	case code != exitOK && code != exitViolation:
		t.Fatalf("sysfsim kernel: exit %d\n%s", code, errs)
	}
	return out, ""
}

// kernelBinary is the binary kernelJSON built.
var kernelBinary string

// runKernelBinary runs 'sysfsim kernel' with args from kernelBinary.
func runKernelBinary(t *testing.T, args ...string) (out []byte, code int, errs string) {
	t.Helper()
	var o, e bytes.Buffer
	cmd := exec.Command(kernelBinary, append([]string{"kernel"}, args...)...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("sysfsim kernel: %v", err)
	}
	return o.Bytes(), code, e.String()
}

// kernelRun is what 'sysfsim kernel ARGS' prints, from the binary
// kernelJSON built, which must exit with a verdict (0, 1 or 3).
func kernelRun(t *testing.T, args ...string) []byte {
	t.Helper()
	out, code, errs := runKernelBinary(t, args...)
	if code != exitOK && code != exitViolation && code != exitUndecided {
		t.Fatalf("sysfsim kernel %v: exit %d\n%s", args, code, errs)
	}
	return out
}

// buildBinary builds sysfsim into dir.
func buildBinary(dir string) (string, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("no go command on PATH to build sysfsim with")
	}
	bin := filepath.Join(dir, "sysfsim")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// TestJSONOutputs holds every real JSON output to its schema and to
// snake_case keys, and keeps the distinct-schedule sketch in summary.json
// only; then it shows that the schemas and the key check refuse outputs
// with a fault.
func TestJSONOutputs(t *testing.T) {
	outs, skip := jsonOutputs(t)
	if skip != "" {
		t.Logf("kernel --json left out: %s", skip)
	}
	schemas := compileSchemas(t)
	checkOutputs(t, schemas, outs)
	checkBroken(t, schemas, outs)
}

func checkOutputs(t *testing.T, schemas map[string]*jsonschema.Schema, outs []jsonOutput) {
	for _, o := range outs {
		if err := validate(schemas[o.schema], o.doc); err != nil {
			t.Errorf("%s does not meet %s.schema.json: %v\n%s", o.name, o.schema, err, o.doc)
		}
		if err := snakeCase(o.doc); err != nil {
			t.Errorf("%s: %v", o.name, err)
		}
		sketch := bytes.Contains(o.doc, []byte(`"distinct_sketch"`))
		if o.schema == "summary" && !sketch || o.schema != "summary" && sketch {
			t.Errorf("%s: distinct_sketch present %v, want it in summary.json only", o.name, sketch)
		}
	}
}

// checkBroken edits the first real output of a schema, in one way each,
// and expects the schema (and, for a key's spelling, the key check) to
// refuse it.
func checkBroken(t *testing.T, schemas map[string]*jsonschema.Schema, outs []jsonOutput) {
	real := map[string]jsonOutput{}
	for _, o := range outs {
		if _, ok := real[o.schema]; !ok {
			real[o.schema] = o
		}
	}
	for _, c := range []struct {
		name, schema string
		edit         func(m any)
		keys         bool // the key check refuses it too
	}{
		{"the sketch on stdout", "run", func(m any) { obj(m)["distinct_sketch"] = "AAAA" }, false},
		{"a Go-named gen key", "summary", func(m any) { rename(obj(obj(m)["gen"]), "min_threads", "MinThreads") }, true},
		{"a camelCase key", "run", func(m any) { rename(obj(m), "next_index", "nextIndex") }, true},
		{"a key missing", "summary", func(m any) { delete(obj(m), "next_index") }, false},
		{"an unknown key", "bugs", func(m any) { obj(m.([]any)[0])["url"] = "x" }, false},
		{"a wrong type", "replay", func(m any) { obj(m)["same"] = "yes" }, false},
		{"an unknown property", "check", func(m any) { obj(obj(m)["violations"].([]any)[0])["property"] = "speed" }, false},
		{"a negative count", "shrink", func(m any) { obj(m)["runs"] = -1 }, false},
		{"merged without its shards", "merge", func(m any) { delete(obj(m), "shards") }, false},
		{"a row counted under no property", "run", func(m any) {
			obj(obj(obj(m)["by_strategy"].([]any)[0])["violations"])["Speed"] = 1
		}, false},
		{"a kernel median as text", "kernel", func(m any) { obj(m)["median_us"] = map[string]any{"create": "fast"} }, false},
		{"an observation herd7 has not", "litmus", func(m any) { obj(m)["observation"] = "Rarely" }, false},
		{"a kernel outcome without its verdict", "litmus-kernel", func(m any) { delete(obj(obj(m)["outcomes"].([]any)[0]), "allowed") }, false},
		{"a recording without its check time", "record", func(m any) { delete(obj(m), "check_s") }, false},
		{"a recording's errno count as text", "record", func(m any) { obj(m)["errors_by_errno"] = map[string]any{"EEXIST": "many"} }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, ok := real[c.schema]
			if !ok {
				t.Skipf("no real %s output here", c.schema)
			}
			var m any
			if err := json.Unmarshal(o.doc, &m); err != nil {
				t.Fatal(err)
			}
			if err := validate(schemas[c.schema], o.doc); err != nil {
				t.Fatalf("the real output fails already: %v", err)
			}
			c.edit(m)
			doc, _ := json.Marshal(m)
			if err := validate(schemas[c.schema], doc); err == nil {
				t.Errorf("%s.schema.json accepts %s", c.schema, doc)
			}
			if err := snakeCase(doc); (err != nil) != c.keys {
				t.Errorf("key check: %v, want an error: %v", err, c.keys)
			}
		})
	}
}

func obj(v any) map[string]any { return v.(map[string]any) }

func rename(m map[string]any, from, to string) {
	m[to] = m[from]
	delete(m, from)
}

// compileSchemas compiles every schema of schemaDir, by name.
func compileSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(schemaDir, "*.schema.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no schemas in %s: %v", schemaDir, err)
	}
	c := jsonschema.NewCompiler()
	out := map[string]*jsonschema.Schema{}
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.Compile(abs)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".schema.json")] = s
	}
	return out
}

func validate(s *jsonschema.Schema, doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// mapPaths are the objects of the outputs whose keys are data (property,
// gap, operation names), not field names: "*" stands for any array index.
var mapPaths = []string{
	"/by_strategy/*/violations",
	"/violations_by_property",
	"/violating_by_known_gap",
	"/skipped_by_operation",
	"/median_us",
	"/operations_by_kind",
	"/errors_by_errno",
}

var snakeKey = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// snakeCase reports every key of doc outside mapPaths that is not
// snake_case.
func snakeCase(doc []byte) error {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return err
	}
	var errs []error
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch v := v.(type) {
		case map[string]any:
			isMap := slices.Contains(mapPaths, path)
			for k, x := range v {
				if !isMap && !snakeKey.MatchString(k) {
					errs = append(errs, fmt.Errorf("key %q at %s is not snake_case", k, path+"/"))
				}
				walk(x, path+"/"+k)
			}
		case []any:
			for _, x := range v {
				walk(x, path+"/*")
			}
		}
	}
	walk(v, "")
	return errors.Join(errs...)
}

// TestSchemasStrict checks the schemas themselves: every field they name
// is snake_case, every object with fields admits no others, and the names
// they enumerate are the tool's.
func TestSchemasStrict(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(schemaDir, "*.schema.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := strictSchema(b); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, c := range []struct{ name, schema string }{
		{"a Go-named field", `{"type": "object", "properties": {"MinThreads": {}}, "additionalProperties": false}`},
		{"an open object", `{"type": "object", "properties": {"seed": {}}}`},
	} {
		if strictSchema([]byte(c.schema)) == nil {
			t.Errorf("strictSchema accepts %s: %s", c.name, c.schema)
		}
	}

	b, err := os.ReadFile(filepath.Join(schemaDir, "defs.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var defs struct {
		Defs map[string]struct{ Enum []string } `json:"$defs"`
	}
	if err := json.Unmarshal(b, &defs); err != nil {
		t.Fatal(err)
	}
	var props, bugs []string
	for _, p := range properties.Names {
		props = append(props, string(p))
	}
	for _, b := range sim.Bugs {
		bugs = append(bugs, string(b.Name))
	}
	if got := defs.Defs["property"].Enum; !slices.Equal(got, props) {
		t.Errorf("defs.schema.json: properties %v, want properties.Names %v", got, props)
	}
	if got := defs.Defs["bug"].Enum; !slices.Equal(got, bugs) {
		t.Errorf("defs.schema.json: bugs %v, want sim.Bugs %v", got, bugs)
	}
}

// strictSchema reports a schema naming a field that is not snake_case, or
// an object schema naming fields but admitting others. A schema that
// extends another by $ref closes it there.
func strictSchema(doc []byte) error {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return err
	}
	var errs []error
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch v := v.(type) {
		case map[string]any:
			if ps, ok := v["properties"].(map[string]any); ok {
				for k := range ps {
					if !snakeKey.MatchString(k) {
						errs = append(errs, fmt.Errorf("%s: field %q is not snake_case", path, k))
					}
				}
				if _, ref := v["$ref"]; !ref && v["additionalProperties"] != false {
					errs = append(errs, fmt.Errorf("%s: names fields but admits others", path))
				}
			}
			for k, x := range v {
				walk(x, path+"/"+k)
			}
		case []any:
			for i, x := range v {
				walk(x, fmt.Sprintf("%s/%d", path, i))
			}
		}
	}
	walk(v, "#")
	return errors.Join(errs...)
}

// A campaign directory written before the gen keys were snake_case
// resumes with its program shape, and is written back snake_case.
func TestResumeGoNamedGen(t *testing.T) {
	dir := t.TempDir()
	runJSON(t, exitOK, "run", "--threads", "2", "--ops", "1", "--executions", "50", "--out", dir, "--json")
	path := filepath.Join(dir, campaign.SummaryFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	old := bytes.Replace(b, []byte(`"gen": {
    "min_threads": 2,
    "max_threads": 2,
    "max_ops": 1,
    "max_namespaces": 0,
    "no_users": false
  }`), []byte(`"gen": {
    "MinThreads": 2,
    "MaxThreads": 2,
    "MaxOps": 1,
    "MaxNamespaces": 0,
    "NoUsers": false
  }`), 1)
	if bytes.Equal(old, b) {
		t.Fatalf("summary.json has no snake_case gen block to turn into the old one:\n%s", b)
	}
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	m := runJSON(t, exitOK, "run", "--executions", "50", "--out", dir, "--json")
	g := obj(m["gen"])
	if m["runs"] != 2.0 || g["min_threads"] != 2.0 || g["max_threads"] != 2.0 || g["max_ops"] != 1.0 {
		t.Errorf("resumed as run %v with gen %v, want run 2 with 2 threads of 1 operation", m["runs"], g)
	}
	if b, _ := os.ReadFile(path); !bytes.Contains(b, []byte(`"min_threads": 2`)) {
		t.Errorf("summary.json not written back snake_case:\n%s", b)
	}
}

// gunzipped writes properties/testdata/NAME.gz, decompressed, to dir and
// returns its path.
func gunzipped(t *testing.T, dir, name string) string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "properties", "testdata", name+".gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
