package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sysfsim/sysfsim/campaign"
)

func init() {
	register("merge", "fold the campaign directories of shards into one summary (-o DIR to write it)", cmdMerge)
}

// cmdMerge exits 0 when the merged campaign holds no violation, 1 when it
// does, 3 when it holds none but undecided executions, 2 on bad input (a
// directory without summary, shards of different campaigns, a shard
// twice).
func cmdMerge(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("merge")
	out := fs.String("o", "", "write the merged campaign directory here: summary.json and a copy of every violation's files")
	asJSON := fs.Bool("json", false, "print the merged summary as one JSON object on stdout")
	dirs, code := parse(fs, args, stdout, stderr)
	if code < 0 {
		code = argCount(fs, dirs, 1, -1, "DIR", stderr)
	}
	if code >= 0 {
		return code
	}
	var sums []campaign.Summary
	for _, d := range dirs {
		s, err := campaign.LoadSummary(d)
		if err != nil {
			return failUsage(stderr, "%v", err)
		}
		abs, err := filepath.Abs(d)
		if err != nil {
			abs = d
		}
		if len(s.MergedFrom) == 0 {
			s.MergedFrom = []string{abs}
		}
		sums = append(sums, s)
	}
	m, err := campaign.Merge(sums...)
	if err != nil {
		return failUsage(stderr, "%v", err)
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return failUsage(stderr, "%v", err)
		}
		dir, err := filepath.Abs(*out)
		if err != nil {
			return failUsage(stderr, "%v", err)
		}
		for i := range m.Violations {
			v := &m.Violations[i]
			for _, p := range []*string{&v.Trace, &v.Original, &v.HTML} {
				if *p == "" {
					continue
				}
				dst := filepath.Join(dir, filepath.Base(*p))
				if dst != *p {
					if err := copyFile(*p, dst); err != nil {
						return failUsage(stderr, "%v", err)
					}
				}
				*p = dst
			}
			v.Replay = self + " replay " + v.Trace
		}
		if err := campaign.SaveSummary(dir, m); err != nil {
			return failUsage(stderr, "%v", err)
		}
	}
	if *asJSON {
		printSummaryJSON(stdout, m)
	} else {
		printSummary(stdout, m)
		if *out != "" {
			fmt.Fprintf(stdout, "merged campaign written to %s\n", *out)
		}
	}
	return verdictExit(m.ViolationCount > 0, m.Unknown > 0)
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
