package sched

// The strategies that read what each step touched (stepReader): both
// searches of Explore.

func (*dpor) readsSteps()     {}
func (*explorer) readsSteps() {}
