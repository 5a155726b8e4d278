package tracefile

import (
	"bytes"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// longTrace is a version 1 trace of 4 threads of n lookups each, with a
// create in setup: the shape of a long recorded history, to measure what
// reading costs per line.
func longTrace(n int) []byte {
	p := history.Program{Config: model.Config{Namespaces: 1, Mounts: []int{1}}, Setup: []model.Op{{Kind: model.Create, NS: 1, Name: "eth0"}}}
	h := history.History{Config: p.Config, Records: []history.Record{{Thread: -1, Op: p.Setup[0], Call: 1, Return: 2}}}
	look := model.Op{Kind: model.Lookup, Mount: 1, Name: "eth0"}
	for th := range 4 {
		p.Threads = append(p.Threads, nil)
		for i := range n {
			p.Threads[th] = append(p.Threads[th], look)
			at := int64(10 + 10*i + th)
			h.Records = append(h.Records, history.Record{Thread: th, Op: look, Result: model.Result{Tag: 1}, Call: at, Return: at + 5})
		}
	}
	var b bytes.Buffer
	if err := Write(&b, &Trace{Header: Header{Format: FormatVersion, Source: "kernel"}, Program: p, History: h}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// BenchmarkRead reads a version 1 trace of 20,000 operations.
func BenchmarkRead(b *testing.B) {
	text := longTrace(5000)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := Read(bytes.NewReader(text), "long.jsonl"); err != nil {
			b.Fatal(err)
		}
	}
}
