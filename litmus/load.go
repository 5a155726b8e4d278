package litmus

import (
	"os"
	"path/filepath"
	"sort"
)

// Load reads the tests named: files, and directories, whose *.litmus
// files it reads in name order.
func Load(paths ...string) ([]*Test, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		m, _ := filepath.Glob(filepath.Join(p, "*.litmus"))
		sort.Strings(m)
		files = append(files, m...)
	}
	var tests []*Test
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		t, err := Parse(f, string(src))
		if err != nil {
			return nil, err
		}
		tests = append(tests, t)
	}
	return tests, nil
}
