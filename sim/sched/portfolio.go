package sched

// DefaultPCTDepth is the bug depth "pct" targets when no depth is given:
// most bugs found in practice have depth 1 to 3, and PCT with depth d still
// finds shallower bugs.
const DefaultPCTDepth = 3

// portfolio is the cycle NewPortfolio walks through. Until issue 16 it was
// random walks and PCT of depths 2 and 3; on the seeded bugs (BENCHMARKS.md,
// "Seeded bugs", 10 seeds each) a random walk, POS and SURW in turn need
// fewer executions for 10 of the 13 bugs and find 12 of them in every seed,
// where the old cycle found 10: PCT's few change points miss the short
// windows that four of the bugs need, while POS redraws priorities at
// every race and SURW spreads the interesting steps evenly.
var portfolio = [...]StrategyName{StrategyRandom, StrategyPOS, StrategySURW}

// NewPortfolio returns the strategy for execution number seed of a campaign
// that mixes random walks, POS and SURW, so that a campaign does well
// whether its bugs need many small perturbations, a race reversed behind
// many independent steps, or an even spread of the steps that write,
// without the user having to know which. Successive seeds cycle through the
// members, so any three consecutive executions use each of them. SURW gets
// no counts here (a campaign, which knows the program, gives them; see
// StrategyName.New). n and k, the estimated threads and steps of one
// execution, are not used since PCT left the cycle; they are kept so that
// callers need not change.
func NewPortfolio(seed uint64, n, k int) Strategy {
	switch portfolio[seed%uint64(len(portfolio))] {
	case StrategyPOS:
		return NewPOS(seed)
	case StrategySURW:
		return NewSURW(seed, nil)
	}
	return NewRandom(seed)
}
