package sched

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every known name parses to itself, but "pct:D" written otherwise, which
// parses to its plain spelling; anything else is rejected with the known
// names, or with what is wrong with the depth.
func TestParseStrategy(t *testing.T) {
	for _, c := range []struct {
		in   string
		want StrategyName
		err  string // a fragment of the error, "" for none
	}{
		{"random", StrategyRandom, ""},
		{"pct", StrategyPCT, ""},
		{"pct:1", "pct:1", ""},
		{"pct:5", "pct:5", ""},
		{"pct:12", "pct:12", ""},
		{"pct:03", "pct:3", ""},
		{"portfolio", StrategyPortfolio, ""},
		{"exhaustive", StrategyExhaustive, ""},
		{"", "", "known: random, pct, pct:D, pos, surw, portfolio, exhaustive"},
		{"dfs", "", "known: random, pct, pct:D, pos, surw, portfolio, exhaustive"},
		{"Random", "", "known: random, pct, pct:D, pos, surw, portfolio, exhaustive"},
		{"pct:", "", "depth must be a positive integer"},
		{"pct:0", "", "depth must be a positive integer"},
		{"pct:x", "", "depth must be a positive integer"},
	} {
		got, err := ParseStrategy(c.in)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("ParseStrategy(%q) = %q, %v; want %q", c.in, got, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("ParseStrategy(%q) = %q, %v; want an error saying %q", c.in, got, err, c.err)
		}
	}
}

// A name round-trips through JSON; an unknown one does not decode.
func TestStrategyNameJSON(t *testing.T) {
	for _, n := range []StrategyName{StrategyRandom, StrategyPCT, PCTOfDepth(2), PCTOfDepth(9), StrategyPOS, StrategySURW, StrategyPortfolio, StrategyExhaustive} {
		b, err := json.Marshal(n)
		if err != nil || string(b) != `"`+string(n)+`"` {
			t.Errorf("%q marshals as %s, %v", n, b, err)
		}
		var back StrategyName
		if err := json.Unmarshal(b, &back); err != nil || back != n {
			t.Errorf("%s unmarshals as %q, %v", b, back, err)
		}
	}
	var n StrategyName
	if err := json.Unmarshal([]byte(`"nope"`), &n); err == nil || !strings.Contains(err.Error(), "known: random") {
		t.Errorf(`"nope" unmarshals as %q, %v`, n, err)
	}
}

func TestStrategyNameNew(t *testing.T) {
	for name, want := range map[StrategyName]string{
		StrategyRandom: "*sched.Random", StrategyPCT: "*sched.PCT", "pct:1": "*sched.PCT", "pct:5": "*sched.PCT",
	} {
		if s := name.New(1, 2, 10); typeName(s) != want {
			t.Errorf("%q.New = %s, want %s", name, typeName(s), want)
		}
	}
	if d := StrategyPCT.New(1, 2, 10).(*PCT).Depth(); d != DefaultPCTDepth {
		t.Errorf("pct has depth %d, want %d", d, DefaultPCTDepth)
	}
	if d := PCTOfDepth(7).New(1, 2, 10).(*PCT).Depth(); d != 7 {
		t.Errorf("pct:7 has depth %d", d)
	}
	if StrategyPortfolio.New(1, 2, 10) == nil {
		t.Error("portfolio: no strategy")
	}
	for _, bad := range []StrategyName{StrategyExhaustive, "dfs"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%q.New did not panic", bad)
				}
			}()
			bad.New(1, 2, 10)
		}()
	}
}

func TestStrategyNameDepth(t *testing.T) {
	for n, want := range map[StrategyName]int{
		StrategyRandom: 0, StrategyPortfolio: 0, StrategyExhaustive: 0, StrategyPCT: DefaultPCTDepth,
		"pct:1": 1, "pct:4": 4, PCTOfDepth(40): 40, "pct:x": 0,
	} {
		if got := n.Depth(); got != want {
			t.Errorf("%q.Depth() = %d, want %d", n, got, want)
		}
	}
}

func typeName(s Strategy) string {
	switch s.(type) {
	case *Random:
		return "*sched.Random"
	case *PCT:
		return "*sched.PCT"
	case *POS:
		return "*sched.POS"
	case *SURW:
		return "*sched.SURW"
	}
	return "?"
}

func TestPortfolioCyclesMembers(t *testing.T) {
	var got []string
	for seed := range uint64(8) {
		got = append(got, typeName(NewPortfolio(seed, 2, 10)))
	}
	want := "*sched.Random *sched.POS *sched.SURW *sched.Random *sched.POS *sched.SURW *sched.Random *sched.POS"
	if strings.Join(got, " ") != want {
		t.Fatalf("members %v", got)
	}
}
