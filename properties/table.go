package properties

import (
	"cmp"
	"math"
	"slices"
	"sort"
)

// A table holds rows grouped by subject (see subject), each group sorted
// by x, then by record. What x and y are depends on the table: for the
// spans of operations sorted by their return, x is the return and y the
// call; for operations sorted by their call, x is the call and y the
// return. Each group is a range of one array, so a table is a few slices
// whatever the number of subjects, and its memory is reused from one
// history to the next.
type table struct {
	start []int32 // rows of subject s: rows[start[s]:start[s+1]]
	rows  []row
	// low and high hold, for the spans tables, the least y of each group's
	// suffix and the greatest y of its prefix (see fillSpans).
	low, high []int64
	// tree is the least y of each node of a segment tree over rows, for
	// the tables searched for rows of small y (see fillTree).
	tree []int64
	leaf int // tree[leaf+i] is row i's y
}

// row is one record's part in what a table says about a subject.
type row struct {
	x, y int64
	rec  int32 // the record, an index in History.Records
	// entry is the entry's subject id: the group's own for the tables of
	// one entry, the entry the record produced or observed for those of
	// many (a listing's or a namespace's).
	entry int32
}

// staged is a row before its table is filled.
type staged struct {
	sid int32
	row
}

// fill groups rows by subject, for subjects 0 to n-1, each group sorted
// by x, then by record, keeping the order rows were staged in otherwise.
// When once is set, a record's rows after its first in a group are
// dropped: a listing may show an entry twice.
func (t *table) fill(rows []staged, n int, once bool) {
	t.start = slices.Grow(t.start[:0], n+1)[:n+1]
	clear(t.start)
	for _, r := range rows {
		t.start[r.sid+1]++
	}
	for s := range n {
		t.start[s+1] += t.start[s]
	}
	// start[s+1] is where group s ends: placing the rows from the last
	// moves it down to where the group starts, and keeps their order.
	t.rows = slices.Grow(t.rows[:0], len(rows))[:len(rows)]
	for i := len(rows) - 1; i >= 0; i-- {
		r := &rows[i]
		t.start[r.sid+1]--
		t.rows[t.start[r.sid+1]] = r.row
	}
	copy(t.start, t.start[1:])
	t.start[n] = int32(len(rows))
	if once || !stagedInOrder(rows) {
		t.sortGroups(n, once)
	}
}

// stagedInOrder reports whether rows come sorted by x, then by record:
// then so does every group, which keeps their order, and fill has
// nothing to sort. Rows staged record by record, sorted by their call,
// are, in a history whose records come in the order of their calls, as
// a simulator's do.
func stagedInOrder(rows []staged) bool {
	for i := 1; i < len(rows); i++ {
		if a, b := &rows[i-1], &rows[i]; b.x < a.x || b.x == a.x && b.rec < a.rec {
			return false
		}
	}
	return true
}

// sortGroups sorts each of the n groups by x, then by record, stably,
// and, when once is set, drops a record's rows after its first in each.
func (t *table) sortGroups(n int, once bool) {
	byXThenRecord := func(a, b row) int { return cmp.Or(cmp.Compare(a.x, b.x), cmp.Compare(a.rec, b.rec)) }
	kept := int32(0)
	for s := range n {
		g := t.rows[t.start[s]:t.start[s+1]]
		if len(g) > 1 {
			slices.SortStableFunc(g, byXThenRecord)
		}
		t.start[s] = kept
		for i, r := range g {
			if once && i > 0 && r.rec == g[i-1].rec {
				continue
			}
			t.rows[kept] = r
			kept++
		}
	}
	t.start[n], t.rows = kept, t.rows[:kept]
}

// group returns the bounds of subject s's rows; none for a subject the
// table was filled without.
func (t *table) group(s int32) (lo, hi int) {
	if s < 0 || int(s)+1 >= len(t.start) {
		return 0, 0
	}
	return int(t.start[s]), int(t.start[s+1])
}

// search returns the first row of [lo, hi) whose x is at least x (after
// is false) or above x (after is true); hi if none.
func (t *table) search(lo, hi int, x int64, after bool) int {
	return lo + sort.Search(hi-lo, func(i int) bool {
		if after {
			return t.rows[lo+i].x > x
		}
		return t.rows[lo+i].x >= x
	})
}

// fillSpans works out low and high: the least y of the rows from each to
// its group's end, and the greatest y of the rows from its group's start
// to each.
func (t *table) fillSpans() {
	n := len(t.rows)
	t.low, t.high = slices.Grow(t.low[:0], n)[:n], slices.Grow(t.high[:0], n)[:n]
	for s := 0; s+1 < len(t.start); s++ {
		lo, hi := int(t.start[s]), int(t.start[s+1])
		for i, y := lo, int64(math.MinInt64); i < hi; i++ {
			y = max(y, t.rows[i].y)
			t.high[i] = y
		}
		for i, y := hi-1, int64(math.MaxInt64); i >= lo; i-- {
			y = min(y, t.rows[i].y)
			t.low[i] = y
		}
	}
}

// leastYAbove returns the least y of subject s's rows whose x is above x
// (or at least x, unless strict); math.MaxInt64 if there is none.
func (t *table) leastYAbove(s int32, x int64, strict bool) int64 {
	lo, hi := t.group(s)
	if i := t.search(lo, hi, x, strict); i < hi {
		return t.low[i]
	}
	return math.MaxInt64
}

// greatestYBelow returns the greatest y of subject s's rows whose x is
// below x; math.MinInt64 if there is none.
func (t *table) greatestYBelow(s int32, x int64) int64 {
	lo, hi := t.group(s)
	if i := t.search(lo, hi, x, false); i > lo {
		return t.high[i-1]
	}
	return math.MinInt64
}

// fillTree builds the segment tree of least y over every row.
func (t *table) fillTree() {
	t.leaf = 1
	for t.leaf < len(t.rows) {
		t.leaf *= 2
	}
	t.tree = slices.Grow(t.tree[:0], 2*t.leaf)[:2*t.leaf]
	for i := range t.leaf {
		y := int64(math.MaxInt64)
		if i < len(t.rows) {
			y = t.rows[i].y
		}
		t.tree[t.leaf+i] = y
	}
	for v := t.leaf - 1; v > 0; v-- {
		t.tree[v] = min(t.tree[2*v], t.tree[2*v+1])
	}
}

// each calls fn with every row of [lo, hi) whose y is at most y, in
// order, in time proportional to their number times the tree's depth.
func (t *table) each(lo, hi int, y int64, fn func(row)) {
	t.visit(1, 0, t.leaf, lo, hi, y, fn)
}

func (t *table) visit(v, vlo, vhi, lo, hi int, y int64, fn func(row)) {
	if vhi <= lo || vlo >= hi || t.tree[v] > y {
		return
	}
	if v >= t.leaf {
		fn(t.rows[vlo])
		return
	}
	mid := (vlo + vhi) / 2
	t.visit(2*v, vlo, mid, lo, hi, y, fn)
	t.visit(2*v+1, mid, vhi, lo, hi, y, fn)
}
