package properties

// subjectIDs numbers subjects. It stands in for a map[subject]int32:
// Check interns every entry of every record, and on the short histories
// of a campaign the runtime's hashing of two strings per subject was a
// fifth of its time. It is an open-addressing table, at most half full,
// hashed with FNV-1a over every byte of the name, so names alike but for
// a few characters (ifb10, ifb11, ...) still spread.
//
// A table of at most fewSubjects subjects, as most histories of a
// campaign have, is not hashed: a scan of so few, most told apart by
// their tag, scope or name's length, costs less than hashing the name.
type subjectIDs struct {
	subjects []subject // by id
	slots    []int32   // id+1 of the subject hashed there; 0 for none
	hashed   bool      // the subjects are in slots
}

// fewSubjects is the most subjects a table scans rather than hashes.
const fewSubjects = 8

// scan returns s's id among the few subjects, or -1.
func (t *subjectIDs) scan(s *subject) int32 {
	for i := range t.subjects {
		if sameSubject(&t.subjects[i], s) {
			return int32(i)
		}
	}
	return -1
}

// id returns s's id, numbering s if new.
func (t *subjectIDs) id(s *subject) int32 {
	if !t.hashed {
		if id := t.scan(s); id >= 0 {
			return id
		}
		t.subjects = append(t.subjects, *s)
		if len(t.subjects) > fewSubjects {
			t.rehash(64)
			t.hashed = true
		}
		return int32(len(t.subjects) - 1)
	}
	i, found := t.find(s)
	if found {
		return t.slots[i] - 1
	}
	id := int32(len(t.subjects))
	t.subjects = append(t.subjects, *s)
	t.slots[i] = id + 1
	if 2*len(t.subjects) > len(t.slots) {
		t.rehash(2 * len(t.slots))
	}
	return id
}

// lookup returns s's id; -1 if s has none.
func (t *subjectIDs) lookup(s *subject) int32 {
	if !t.hashed {
		return t.scan(s)
	}
	if i, found := t.find(s); found {
		return t.slots[i] - 1
	}
	return -1
}

// find returns s's slot, or the empty slot where it would go.
func (t *subjectIDs) find(s *subject) (int, bool) {
	if len(t.slots) == 0 {
		t.rehash(64)
	}
	mask := len(t.slots) - 1
	for i := int(hashSubject(s)) & mask; ; i = (i + 1) & mask {
		id := t.slots[i]
		if id == 0 {
			return i, false
		}
		if sameSubject(&t.subjects[id-1], s) {
			return i, true
		}
	}
}

// rehash spreads the subjects over n slots, a power of two.
func (t *subjectIDs) rehash(n int) {
	t.slots = grow(t.slots[:0], n)
	clear(t.slots)
	mask := n - 1
	for id := range t.subjects {
		i := int(hashSubject(&t.subjects[id])) & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = int32(id) + 1
	}
}

// reset forgets every subject, keeping the memory.
func (t *subjectIDs) reset() {
	clear(t.subjects) // let go of the history's names
	t.subjects = t.subjects[:0]
	if t.hashed {
		clear(t.slots)
		t.hashed = false
	}
}

// hashSubject hashes s's name byte by byte, and its directory by its
// length alone: there are three directories, of lengths 0, 7 and 4, and
// a hand-written history's other ones only collide.
func hashSubject(s *subject) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for i := range len(s.name) {
		h = (h ^ uint64(s.name[i])) * prime
	}
	h = (h ^ 0xff ^ uint64(len(s.dir))<<8) * prime // between the name and the directory
	h = (h ^ uint64(s.tag)) * prime
	h = (h ^ uint64(s.scope)) * prime
	return h ^ h>>32
}

// sameSubject is a == *b, the integers first: most subjects a probe
// meets differ in their tag or scope, and comparing those costs no call.
func sameSubject(a, b *subject) bool {
	return a.tag == b.tag && a.scope == b.scope && len(a.name) == len(b.name) && a.dir == b.dir && a.name == b.name
}
