package properties

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// refill is table.fill the simple way: each group's rows picked from
// the staged ones, sorted stably, a record's later rows dropped when
// once is set.
func refill(rows []staged, n int, once bool) [][]row {
	groups := make([][]row, n)
	for _, r := range rows {
		groups[r.sid] = append(groups[r.sid], r.row)
	}
	for s, g := range groups {
		slices.SortStableFunc(g, func(a, b row) int { return cmp.Or(cmp.Compare(a.x, b.x), cmp.Compare(a.rec, b.rec)) })
		if once {
			groups[s] = slices.CompactFunc(g, func(a, b row) bool { return a.rec == b.rec })
		}
	}
	return groups
}

// TestFillGroupsAsSorting fills tables, one after the other in the same
// memory, from rows staged in order (as fill's shortcut takes them) and
// out of it, with rows equal but for their y and entry (which the sort
// keeps in staged order), and compares every group with refill's.
func TestFillGroupsAsSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var tab table
	var inOrder, outOfOrder int
	for i := range 2000 {
		n := 1 + rng.IntN(8)
		rows := make([]staged, rng.IntN(30))
		for j := range rows {
			rows[j] = staged{int32(rng.IntN(n)), row{x: int64(rng.IntN(10)), y: int64(j), rec: int32(rng.IntN(6)), entry: int32(j)}}
		}
		if i%2 == 0 { // staged by x, then by record, as a made table's rows of a simulator history
			slices.SortStableFunc(rows, func(a, b staged) int { return cmp.Or(cmp.Compare(a.x, b.x), cmp.Compare(a.rec, b.rec)) })
		}
		if stagedInOrder(rows) {
			inOrder++
		} else {
			outOfOrder++
		}
		once := i%3 == 0
		tab.fill(rows, n, once)
		want := refill(rows, n, once)
		for s := range int32(n) {
			lo, hi := tab.group(s)
			if got := tab.rows[lo:hi]; !slices.Equal(got, want[s]) && len(got)+len(want[s]) > 0 {
				t.Fatalf("fill %d (once %v), group %d: %v, want %v (staged %v)", i, once, s, got, want[s], rows)
			}
		}
	}
	if inOrder < 500 || outOfOrder < 500 {
		t.Fatalf("%d fills staged in order, %d out of it: both must be many", inOrder, outOfOrder)
	}
}
