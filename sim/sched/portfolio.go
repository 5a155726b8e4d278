package sched

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultPCTDepth is the bug depth "pct" targets when no depth is given:
// most bugs found in practice have depth 1 to 3, and PCT with depth d still
// finds shallower bugs.
const DefaultPCTDepth = 3

// portfolio is the cycle NewPortfolio walks through: random walks are the
// best bet on short programs, PCT on long ones where a bug needs a thread
// preempted at one particular step.
var portfolio = [...]int{0, 2, 0, 3} // 0: random, d: PCT with depth d

// NewPortfolio returns the strategy for execution number seed of a campaign
// that mixes random walks and PCT of depths 2 and 3, so that a campaign does
// well whether its bugs need many small perturbations or a few precise ones,
// without the user having to know which. n and k estimate the threads and
// steps of one execution, as for NewPCT. Successive seeds cycle through the
// members, so any four consecutive executions use each of them.
func NewPortfolio(seed uint64, n, k int) Strategy {
	if d := portfolio[seed%uint64(len(portfolio))]; d > 0 {
		return NewPCT(seed, d, n, k)
	}
	return NewRandom(seed)
}

// ByName returns the strategy a campaign names: "random", "pct" (depth
// DefaultPCTDepth), "pct:D" for depth D, or "portfolio". seed selects the
// execution; n and k estimate threads and steps per execution and matter
// only to PCT (see NewPCT; a first random execution gives a fair k).
func ByName(name string, seed uint64, n, k int) (Strategy, error) {
	switch {
	case name == "random":
		return NewRandom(seed), nil
	case name == "portfolio":
		return NewPortfolio(seed, n, k), nil
	case name == "pct":
		return NewPCT(seed, DefaultPCTDepth, n, k), nil
	case name == "pos":
		return NewPOS(seed), nil
	case name == "surw":
		return NewSURW(seed, nil), nil
	case strings.HasPrefix(name, "pct:"):
		d, err := strconv.Atoi(name[len("pct:"):])
		if err != nil || d < 1 {
			return nil, fmt.Errorf("sched: strategy %q: depth must be a positive integer", name)
		}
		return NewPCT(seed, d, n, k), nil
	}
	return nil, fmt.Errorf("sched: unknown strategy %q (known: random, pct, pct:D, portfolio)", name)
}
