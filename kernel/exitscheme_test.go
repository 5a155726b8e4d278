package kernel

import (
	"context"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/properties"
)

// A kernel campaign's exit scheme is a model scheme by name or "drawn";
// anything else, the empty name included, is rejected with the known
// names, by the parser and by Campaign before it runs anything.
func TestParseExitScheme(t *testing.T) {
	for _, c := range []struct {
		in     string
		scheme model.ExitScheme
		drawn  bool
		ok     bool
	}{
		{"kernel", model.ExitKernel, false, true},
		{"tag", model.ExitTag, false, true},
		{"drawn", 0, true, true},
		{"", 0, false, false},
		{"cleanup_net", 0, false, false},
	} {
		scheme, drawn, err := ParseExitScheme(c.in)
		if c.ok && (err != nil || scheme != c.scheme || drawn != c.drawn) {
			t.Errorf("ParseExitScheme(%q) = %v, %v, %v", c.in, scheme, drawn, err)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "(known: kernel, tag, drawn)")) {
			t.Errorf("ParseExitScheme(%q): %v; want an error listing kernel, tag and drawn", c.in, err)
		}
	}
	save := func(uint64, history.Program, history.History, []properties.Violation) (string, error) { return "", nil }
	seed := func(s uint64, i int64) uint64 { return s + uint64(i) }
	_, err := Campaign(context.Background(), CampaignConfig{ExecSeed: seed, Save: save, ExitScheme: "cleanup_net"})
	if err == nil || !strings.Contains(err.Error(), `unknown exit scheme "cleanup_net" (known: kernel, tag, drawn)`) {
		t.Errorf("Campaign with exit scheme cleanup_net: %v", err)
	}
}
