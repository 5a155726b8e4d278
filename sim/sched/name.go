package sched

import (
	"fmt"
	"strconv"
	"strings"
)

// StrategyName is a strategy as the command line and campaigns name it:
// "random", "pct" (depth DefaultPCTDepth), "pct:D" for depth D, "pos"
// (NewPOS), "surw" (NewSURW, without counts), "portfolio" (NewPortfolio),
// or "exhaustive", the search of Explore, which is
// no Strategy of one execution. ParseStrategy reads a name.
type StrategyName string

// The strategies by name; PCTOfDepth names PCT of a given depth.
const (
	StrategyRandom     StrategyName = "random"
	StrategyPCT        StrategyName = "pct"
	StrategyPOS        StrategyName = "pos"
	StrategySURW       StrategyName = "surw"
	StrategyPortfolio  StrategyName = "portfolio"
	StrategyExhaustive StrategyName = "exhaustive"
)

// knownStrategies is what an unknown name is told it could have been.
const knownStrategies = "random, pct, pct:D, pos, surw, portfolio, exhaustive"

// ParseStrategy reads a strategy's name; an unknown one is an error listing
// the known ones. "pct:D" must have a positive integer D, written back
// without sign or leading zeros ("pct:03" is "pct:3").
func ParseStrategy(name string) (StrategyName, error) {
	switch n := StrategyName(name); n {
	case StrategyRandom, StrategyPCT, StrategyPOS, StrategySURW, StrategyPortfolio, StrategyExhaustive:
		return n, nil
	}
	switch d := depthOf(name); {
	case d == 0:
		return "", fmt.Errorf("sched: unknown strategy %q (known: %s)", name, knownStrategies)
	case d < 0:
		return "", fmt.Errorf("sched: strategy %q: depth must be a positive integer", name)
	default:
		return PCTOfDepth(d), nil
	}
}

// depthOf reads the D of "pct:D": 0 when name is not of that form, -1
// when D is not a positive integer.
func depthOf(name string) int {
	ds, ok := strings.CutPrefix(name, "pct:")
	if !ok {
		return 0
	}
	d, err := strconv.Atoi(ds)
	if err != nil || d < 1 {
		return -1
	}
	return d
}

// pctNames are the names of the usual depths, made once: a campaign names
// the member of every execution.
var pctNames = [...]StrategyName{"pct:1", "pct:2", "pct:3", "pct:4", "pct:5"}

// PCTOfDepth names PCT of depth d, at least 1: "pct:D".
func PCTOfDepth(d int) StrategyName {
	if d >= 1 && d <= len(pctNames) {
		return pctNames[d-1]
	}
	return StrategyName("pct:" + strconv.Itoa(d))
}

// Depth returns the bug depth of a PCT name ("pct" has DefaultPCTDepth),
// or 0 for any other name.
func (n StrategyName) Depth() int {
	if n == StrategyPCT {
		return DefaultPCTDepth
	}
	return max(depthOf(string(n)), 0)
}

// New returns the strategy n names, for execution seed; threads and steps
// estimate the threads and steps of the execution and matter only to PCT
// (see NewPCT; a first random execution gives a fair steps). It panics on
// StrategyExhaustive, a search rather than a strategy, and on a name
// ParseStrategy rejects.
func (n StrategyName) New(seed uint64, threads, steps int) Strategy {
	switch n {
	case StrategyRandom:
		return NewRandom(seed)
	case StrategyPOS:
		return NewPOS(seed)
	case StrategySURW:
		// Without counts SURW weighs threads equally; a campaign,
		// which knows the program, replaces it with one that has
		// counts made from the program (campaign's surwCounts).
		return NewSURW(seed, nil)
	case StrategyPortfolio:
		return NewPortfolio(seed, threads, steps)
	}
	if d := n.Depth(); d > 0 {
		return NewPCT(seed, d, threads, steps)
	}
	panic(fmt.Sprintf("sched: strategy %q names no strategy of one execution", n))
}

// MarshalText writes the name.
func (n StrategyName) MarshalText() ([]byte, error) { return []byte(n), nil }

// UnmarshalText reads a name (ParseStrategy).
func (n *StrategyName) UnmarshalText(b []byte) error {
	x, err := ParseStrategy(string(b))
	if err != nil {
		return err
	}
	*n = x
	return nil
}
