package campaign

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sysfsim/sysfsim/traces"
)

// VizTimeout bounds the linearizability search of a violation's
// visualization.
const VizTimeout = 10 * time.Second

// outDir returns the campaign directory, creating it (or, without
// OutDir, a new temporary one) if needed.
func (r *runner) outDir() (string, error) {
	if r.dir == "" {
		d, err := os.MkdirTemp("", "sysfsim-")
		if err != nil {
			return "", err
		}
		r.dir, r.persist = d, true
	}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return "", err
	}
	if abs, err := filepath.Abs(r.dir); err == nil {
		r.dir = abs
	}
	return r.dir, nil
}

// save writes a violation's traces: PROPERTY-SEED.jsonl is the trace
// reported (shrunk, unless NoShrink or shrinking failed), with
// PROPERTY-SEED.found.jsonl the trace as found when they differ, and
// PROPERTY-SEED.html the visualization of the reported trace.
func (r *runner) save(u unit) (Found, error) {
	f := u.found
	dir, err := r.outDir()
	if err != nil {
		return Found{}, err
	}
	base := filepath.Join(dir, fmt.Sprintf("%s-%016x", f.v.Property, f.seed))
	out := Found{
		Property: f.v.Property, Detail: f.v.Detail, Seed: f.seed, Index: r.sum.Shard.Global(u.j),
		Strategy: f.strategy, Schedule: f.schedule,
	}
	t := f.trace
	if !r.c.NoShrink {
		small, st, err := traces.Shrink(t, traces.ShrinkOptions{Property: f.v.Property, Check: r.c.Check})
		if err == nil {
			out.Original = base + ".found.jsonl"
			if err := writeTrace(out.Original, t); err != nil {
				return Found{}, err
			}
			out.Shrink = st.String()
			for _, v := range small.Violations {
				if v.Property == string(f.v.Property) {
					out.Detail = v.Detail
					break
				}
			}
			t = small
		} else {
			out.Shrink = "not shrunk: " + err.Error()
		}
	}
	out.Trace = base + ".jsonl"
	if err := writeTrace(out.Trace, t); err != nil {
		return Found{}, err
	}
	out.Replay = cmp.Or(r.c.Command, "sysfsim") + " replay " + out.Trace
	if !r.c.NoViz {
		var b bytes.Buffer
		if err := traces.Visualize(&b, t, VizTimeout); err == nil {
			out.HTML = base + ".html"
			if err := writeAtomic(out.HTML, b.Bytes()); err != nil {
				return Found{}, err
			}
		}
	}
	return out, nil
}

func writeTrace(path string, t *traces.Trace) error { return traces.WriteFile(path, t) }

// writeAtomic writes data to path through a temporary file and a rename,
// so that a reader, or a killed run, never leaves half a file.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
