package kernel

import (
	"compress/gzip"
	"context"
	"flag"
	"os"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/traces/tracefile"
)

// recordLong is where TestRecordLongHistory writes its recording; the
// test skips without it. The recording in properties/testdata, read by
// BenchmarkCheckLong, was made with
//
//	go test ./kernel -run TestRecordLongHistory -record-long=$PWD/properties/testdata/kernel-30k.jsonl.gz
//
// (as root, or where user namespaces are allowed: the test runs in an
// isolated copy of itself, see TestMain).
var recordLong = flag.String("record-long", "", "record a long 4-thread kernel history into this gzip-compressed trace file")

// longShape draws programs as gen.Rand does, but every thread gets
// perThread operations, every kind is in use (no swarm), and namespaces
// exit as the kernel's do (cleanup_net, never init_net), as the
// simulator's long histories of BenchmarkCheckLong do.
type longShape struct {
	gen.Rand
	perThread int
}

func (c longShape) IntN(n int, label string) int {
	switch label {
	case "ops":
		return c.perThread - 1
	case "swarm":
		return 0
	case "exit scheme":
		return 0 // model.ExitKernel
	case "focus":
		return n - 1 // every argument from its pool, as properties' longShape
	}
	return c.Rand.IntN(n, label)
}

// TestRecordLongHistory records a long history of the real kernel: a
// generated program of 4 threads of 7,500 operations each, run at once,
// and writes it as a gzip-compressed trace (with the violations the
// checkers find, as a recorder's trace has them).
func TestRecordLongHistory(t *testing.T) {
	if *recordLong == "" {
		t.Skip("no -record-long file")
	}
	need(t)
	const seed, threads, perThread = 1, 4, 7500
	c := longShape{gen.NewRand(seed), perThread}
	p := gen.Program(c, gen.Options{MinThreads: threads, MaxThreads: threads, MaxOps: perThread, NoUsers: true})
	p.Config.Exit = model.ExitKernel
	if kind, ok := Unsupported(p); ok {
		t.Fatalf("the backend does not drive %s", kind)
	}
	h, err := Run(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := properties.Check(h, properties.Options{})
	t.Logf("%d records, %d faults; %v", len(h.Records), len(h.Faults), r)
	tr := &tracefile.Trace{Header: tracefile.Header{Source: "kernel", Seed: seed}, Program: p, History: h}
	for _, v := range r.Violations {
		tr.Violations = append(tr.Violations, tracefile.Violation{Property: string(v.Property), Detail: v.Detail, Records: v.Records})
	}
	writeGzip(t, *recordLong, tr)
}

// writeGzip writes tr to path, gzip-compressed.
func writeGzip(t *testing.T, path string, tr *tracefile.Trace) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	z, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err := tracefile.Write(z, tr); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
