package traces

import (
	"compress/gzip"
	"flag"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
)

// shrinkRecorded runs the shrinks of the whole long kernel recordings in
// the tests (a few seconds each alone, more on a loaded machine); without
// it, a piece of one is shrunk instead.
var shrinkRecorded = flag.Bool("shrink-recorded", false, "shrink the whole long kernel recordings in TestShrinkRecorded")

// The long kernel recordings of properties/testdata (see BenchmarkCheckLong
// there).
const (
	kernel30k         = "../properties/testdata/kernel-30k.jsonl.gz"
	kernelRecorded60s = "../properties/testdata/kernel-recorded-60s.jsonl.gz"
)

// readRecording returns the lines of the gzip-compressed trace at path.
func readRecording(tb testing.TB, path string) []string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return strings.SplitAfter(string(b), "\n")
}

// lookupFlipped is kernel-30k with the README's one line changed: a
// lookup through ns1's mount that found veth0 says ENOENT.
func lookupFlipped(tb testing.TB) *Trace {
	tb.Helper()
	lines := readRecording(tb, kernel30k)
	const line, from, to = 35025, `{"tag":1}`, `{"err":"ENOENT"}`
	if !strings.Contains(lines[line-1], from) {
		tb.Fatalf("%s:%d is not a lookup that found its device: %s", kernel30k, line, lines[line-1])
	}
	lines[line-1] = strings.Replace(lines[line-1], from, to, 1)
	t, err := Read(strings.NewReader(strings.Join(lines, "")), kernel30k)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// tagFlipped returns the trace at path, cut to its records called before
// the first of them that returned after record upto (all of it: -1),
// with one wrong tag: the first lookup from the middle on that found its
// entry, its tag changed to the next namespace's, that makes the history
// not linearizable. It returns the wrong record's index too.
func tagFlipped(tb testing.TB, path string, upto int) (*Trace, int) {
	tb.Helper()
	t, err := Read(strings.NewReader(strings.Join(readRecording(tb, path), "")), path)
	if err != nil {
		tb.Fatal(err)
	}
	h := &t.History
	if upto >= 0 {
		end := h.Records[upto].Return
		h.Records = slices.DeleteFunc(h.Records, func(r history.Record) bool { return r.Call > end })
	}
	for i := len(h.Records) / 2; i < len(h.Records); i++ {
		r := &h.Records[i]
		if r.Op.Kind != model.Lookup || r.Pending || r.Result.Err != model.OK || r.Result.Tag == 0 {
			continue
		}
		right := r.Result
		r.Result.Tag = right.Tag%h.Config.Namespaces + 1
		if vs, err := properties.CheckProperty(*h, properties.Linearizability, properties.Options{}); err == nil && len(vs) > 0 {
			return t, i
		}
		r.Result = right
	}
	tb.Fatalf("%s: no lookup whose changed tag is caught", path)
	return nil, 0
}

// recordedCase is a long recording with one wrong result, and the
// property its shrink keeps.
type recordedCase struct {
	name  string
	trace func(testing.TB) (*Trace, int)
	prop  properties.Property
}

var recordedCases = []recordedCase{
	{"kernel-30k/lookup-flipped", func(tb testing.TB) (*Trace, int) {
		t := lookupFlipped(tb)
		return t, slices.IndexFunc(t.History.Records, func(r history.Record) bool {
			return r.Op.Kind == model.Lookup && r.Result.Err == model.ENOENT && r.Call == 5137666024
		})
	}, ""},
	{"recorded-60s/tag-flipped", func(tb testing.TB) (*Trace, int) { return tagFlipped(tb, kernelRecorded60s, -1) }, properties.Linearizability},
}

// maxRecordedChecks bounds the checks of a shrink of a recording with one
// wrong result: the locality cut takes a few, and ddmin a few dozen of
// the small history it leaves (64 for kernel-30k); without it, ddmin
// checks thousands of long histories.
const maxRecordedChecks = 100

// A long kernel recording with one wrong result shrinks to at most 10
// operations in at most maxRecordedChecks checks, the wrong one among them, and the shrunk history is well
// formed (its records the original's, times and results kept) and still
// violates the property. The whole recordings with -shrink-recorded;
// otherwise the first 3,000 records of the 60 s one.
func TestShrinkRecorded(t *testing.T) {
	cases := recordedCases
	if !*shrinkRecorded {
		cases = []recordedCase{{"recorded-60s-first-3000/tag-flipped", func(tb testing.TB) (*Trace, int) {
			return tagFlipped(tb, kernelRecorded60s, 3000)
		}, properties.Linearizability}}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, wrong := c.trace(t)
			small, st, err := Shrink(tr, ShrinkOptions{Property: c.prop})
			if err != nil {
				t.Fatal(err)
			}
			t.Log(st)
			if st.Method != MethodHistory || st.OpsAfter > 10 || st.OpsAfter != len(small.History.Records) {
				t.Errorf("%v: want at most 10 operations", st)
			}
			if st.Checks > maxRecordedChecks {
				t.Errorf("%v: want at most %d checks", st, maxRecordedChecks)
			}
			checkShrunkHistory(t, tr, small, wrong, st.Property)
		})
	}
}

// checkShrunkHistory fails t unless small's records are some of tr's in
// their order, with their times and results, the wrong one among them,
// and small still violates prop.
func checkShrunkHistory(t *testing.T, tr, small *Trace, wrong int, prop properties.Property) {
	t.Helper()
	k := 0
	for _, r := range small.History.Records {
		for k < len(tr.History.Records) && !sameRecord(tr.History.Records[k], r) {
			k++
		}
		if k == len(tr.History.Records) {
			t.Fatalf("the shrunk record %v is not one of the original's, in order", r)
		}
	}
	if w := tr.History.Records[wrong]; !slices.ContainsFunc(small.History.Records, func(r history.Record) bool { return sameRecord(w, r) }) {
		t.Errorf("the wrong result %v is not among the records kept: %v", w, small.History.Records)
	}
	if vs, err := properties.CheckProperty(small.History, prop, properties.Options{}); err != nil || len(vs) == 0 {
		t.Errorf("the shrunk history does not violate %s: %v", prop, err)
	}
}

// sameRecord reports whether a and b are one record, the thread aside
// (the shrunk trace renumbers threads).
func sameRecord(a, b history.Record) bool {
	return a.Op == b.Op && a.Call == b.Call && a.Return == b.Return && a.Pending == b.Pending && model.SameResult(a.Result, b.Result)
}

// BenchmarkShrinkRecorded shrinks the long kernel recordings with one
// wrong result each, as `sysfsim shrink` does: kernel-30k with the
// README's lookup made to miss its device (the property found first),
// and the 60 s recording in the recorded form with one lookup's tag
// changed (linearizability kept).
func BenchmarkShrinkRecorded(b *testing.B) {
	for _, c := range recordedCases {
		b.Run(c.name, func(b *testing.B) {
			tr, _ := c.trace(b)
			var st ShrinkStats
			for b.Loop() {
				var err error
				if _, st, err = Shrink(tr, ShrinkOptions{Property: c.prop}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(st.OpsBefore), "ops-before")
			b.ReportMetric(float64(st.OpsAfter), "ops-after")
			b.ReportMetric(float64(st.Checks), "checks")
		})
	}
}
