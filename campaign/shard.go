package campaign

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is part Index of Count of a campaign's execution-index space:
// shard i of N runs the indices i, i+N, i+2N, ..., so that N machines
// given the same seed and shards 0..N-1 run disjoint executions which
// together are those of one unsharded campaign. The zero value, like
// Count 1, is the whole space.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// ParseShard parses "i/N" with 0 <= i < N.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want i/N, e.g. 0/4", s)
	}
	sh := Shard{Index: i, Count: n}
	if n < 1 {
		return Shard{}, fmt.Errorf("shard %q: N must be at least 1", s)
	}
	return sh, sh.Valid()
}

// Valid reports a shard outside 0 <= Index < Count.
func (s Shard) Valid() error {
	if s.Count == 0 && s.Index == 0 {
		return nil
	}
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("shard %d/%d: want 0 <= i < N", s.Index, s.Count)
	}
	return nil
}

func (s Shard) norm() Shard {
	if s.Count == 0 {
		s.Count = 1
	}
	return s
}

// Global returns the campaign execution index of the shard's j-th
// execution (j from 0).
func (s Shard) Global(j int64) int64 {
	s = s.norm()
	return int64(s.Index) + j*int64(s.Count)
}

// Local returns j such that Global(j) = i, and whether i belongs to the
// shard at all.
func (s Shard) Local(i int64) (int64, bool) {
	s = s.norm()
	if i < int64(s.Index) || (i-int64(s.Index))%int64(s.Count) != 0 {
		return 0, false
	}
	return (i - int64(s.Index)) / int64(s.Count), true
}

func (s Shard) String() string {
	s = s.norm()
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}
