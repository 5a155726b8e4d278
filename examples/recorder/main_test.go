//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

var update = flag.Bool("update", false, "record testdata/recording.jsonl afresh (as root)")

const sample = "testdata/recording.jsonl"

// canRecord returns why this process cannot record, or "".
func canRecord() string {
	if os.Geteuid() != 0 {
		return "the recorder needs root (CAP_SYS_ADMIN for namespaces and sysfs instances, CAP_NET_ADMIN for devices)"
	}
	n, err := newNS(1)
	if err != nil {
		return "cannot make a namespace with a sysfs instance here: " + err.Error()
	}
	defer n.close()
	if err := n.nl.LinkAdd(&netlink.Ifb{LinkAttrs: netlink.LinkAttrs{Name: "probe0"}}); err != nil {
		return "cannot make an ifb device (is the ifb module available?): " + err.Error()
	}
	return ""
}

// recordFor records d into a new file and returns its path.
func recordFor(t *testing.T, d time.Duration) string {
	t.Helper()
	if why := canRecord(); why != "" {
		t.Skip(why)
	}
	path := filepath.Join(t.TempDir(), "recording.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := record(context.Background(), f, d)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d operations recorded", n)
	return path
}

// check reads a recording back and checks it, as 'sysfsim check' does.
func check(t *testing.T, path string) (*tracefile.Trace, properties.Report) {
	t.Helper()
	tr, err := tracefile.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return tr, properties.Check(tr.History, properties.Options{LinearizabilityTimeout: 30 * time.Second})
}

// TestRecord runs the recorder briefly on this kernel, reads what it wrote
// back and checks it: every property holds, and the recording holds what
// the example is about (devices made and moved, a namespace born and one
// torn down).
func TestRecord(t *testing.T) {
	path := recordFor(t, 900*time.Millisecond)
	tr, rep := check(t, path)
	if !rep.OK() {
		t.Fatalf("the recording does not check: %v, undecided %v", rep.Violations, rep.Unknown)
	}
	seen := map[model.Kind]int{}
	for _, r := range tr.History.Records {
		if r.Result.Err == model.OK {
			seen[r.Op.Kind]++
		}
	}
	for _, k := range []model.Kind{model.Create, model.Move, model.Readdir, model.Clone, model.Mount, model.Exit, model.Gone} {
		if seen[k] == 0 {
			t.Errorf("no successful %v in %d records", k, len(tr.History.Records))
		}
	}
	if *update {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(sample, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSample checks the recording kept in testdata, here or anywhere: it
// reads back and every property holds. Then it adds to it one listing,
// through the mount of the namespace torn down, that still shows a device:
// the same file must then fail, so the check is not blind.
func TestSample(t *testing.T) {
	if _, rep := check(t, sample); !rep.OK() {
		t.Fatalf("%s does not check: %v, undecided %v", sample, rep.Violations, rep.Unknown)
	}
	tr, _ := check(t, sample)
	var gone int // the namespace torn down, and when
	var last int64
	for _, r := range tr.History.Records {
		if r.Op.Kind == model.Gone {
			gone = r.Op.NS
		}
		last = max(last, r.Return, r.Call)
	}
	if gone == 0 {
		t.Fatalf("%s holds no teardown", sample)
	}
	b, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	end := bytes.LastIndex(b, []byte(`{"kind":"end"`))
	var e struct{ Operations int }
	if end < 0 || json.Unmarshal(b[end:], &e) != nil {
		t.Fatalf("%s has no end line", sample)
	}
	late := fmt.Sprintf(`{"kind":"call","id":999999,"time":%d,"thread":1,"op":{"op":"readdir","mount":%d}}
{"kind":"return","id":999999,"time":%d,"result":{"entries":[{"name":"lo"}]}}
{"kind":"end","operations":%d}
`, last+1, gone, last+2, e.Operations+1)
	broken := filepath.Join(t.TempDir(), "broken.jsonl")
	if err := os.WriteFile(broken, append(b[:end:end], late...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, rep := check(t, broken)
	if len(rep.Violations) == 0 {
		t.Fatalf("a listing of ns%d's mount after its teardown showing lo passes: %v", gone, rep)
	}
	t.Logf("the late listing: %v", rep.Violations[0])
}
