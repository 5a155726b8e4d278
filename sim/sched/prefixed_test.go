package sched

import (
	"reflect"
	"testing"
)

// Prefixed replays its prefix while the threads it names are enabled,
// then hands over for good.
func TestPrefixedStrategy(t *testing.T) {
	p := NewPrefixed([]int{1, 0, 2, 1}, firstOf{})
	var got []int
	for step, enabled := range [][]int{{0, 1}, {0, 1}, {0, 1}, {0, 1}, {1, 2}} {
		got = append(got, p.Pick(step, enabled))
	}
	if want := []int{1, 0, 0, 0, 1}; !reflect.DeepEqual(got, want) {
		t.Fatalf("picked %v, want %v", got, want)
	}
}

// A prefix before POS or SURW hands them the scheduler they read the
// threads' next steps from: without it they pick from nothing (a guided
// campaign with the portfolio crashed so).
func TestPrefixedBindsItsStrategy(t *testing.T) {
	for name, then := range map[string]Strategy{"pos": NewPOS(1), "surw": NewSURW(1, []int{3, 3})} {
		s := New(NewPrefixed([]int{0}, then), 1000)
		var log []event
		eventProgram{"..X", "X."}.setup(s, &log)
		if r := s.Run(); r.Outcome != Finished {
			t.Errorf("%s after a prefix: %v", name, r.Outcome)
		}
	}
}

type firstOf struct{}

func (firstOf) Pick(_ int, enabled []int) int { return enabled[0] }
