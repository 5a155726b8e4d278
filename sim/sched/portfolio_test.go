package sched

import (
	"strings"
	"testing"
)

func TestByName(t *testing.T) {
	for name, want := range map[string]string{
		"random": "*sched.Random", "pct": "*sched.PCT", "pct:1": "*sched.PCT", "pct:5": "*sched.PCT",
	} {
		s, err := ByName(name, 1, 2, 10)
		if err != nil || typeName(s) != want {
			t.Errorf("ByName(%q) = %s, %v", name, typeName(s), err)
		}
	}
	if _, err := ByName("portfolio", 1, 2, 10); err != nil {
		t.Errorf("portfolio: %v", err)
	}
	for _, bad := range []string{"", "pct:", "pct:0", "pct:x", "dfs", "Random"} {
		if _, err := ByName(bad, 1, 2, 10); err == nil || !strings.Contains(err.Error(), "strategy") {
			t.Errorf("ByName(%q): error %v", bad, err)
		}
	}
}

func typeName(s Strategy) string {
	switch s.(type) {
	case *Random:
		return "*sched.Random"
	case *PCT:
		return "*sched.PCT"
	}
	return "?"
}

func TestPortfolioCyclesMembers(t *testing.T) {
	var got []string
	for seed := range uint64(8) {
		got = append(got, typeName(NewPortfolio(seed, 2, 10)))
	}
	want := "*sched.Random *sched.PCT *sched.Random *sched.PCT *sched.Random *sched.PCT *sched.Random *sched.PCT"
	if strings.Join(got, " ") != want {
		t.Fatalf("members %v", got)
	}
}
