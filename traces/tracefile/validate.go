package tracefile

import (
	"fmt"

	"github.com/sysfsim/sysfsim/history"
)

// validOptions rejects options no simulator can honour. Which bugs exist
// is the reading tool's to judge (Reader.CheckOptions).
func validOptions(o Options) error {
	if o.MaxSteps < 0 {
		return fmt.Errorf("max_steps %d is negative", o.MaxSteps)
	}
	return nil
}

func validProgram(p history.Program) error {
	for _, op := range p.Setup {
		if err := op.Check(); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
	}
	for i, th := range p.Threads {
		for _, op := range th {
			if err := op.Check(); err != nil {
				return fmt.Errorf("thread %d: %w", i, err)
			}
		}
	}
	c := p.Config
	if c.Namespaces < 1 || c.Namespaces > 63 {
		return fmt.Errorf("%d namespaces; a program has 1 to 63", c.Namespaces)
	}
	for i, ns := range c.Mounts {
		if ns < 1 || ns > c.Namespaces {
			return fmt.Errorf("mount %d captures namespace %d, which the program does not have", i+1, ns)
		}
	}
	for _, ns := range c.Later {
		if ns < 1 || ns > c.Namespaces {
			return fmt.Errorf("namespace %d comes to life later, but the program does not have it", ns)
		}
	}
	for i, ns := range c.Procs {
		if ns < 1 || ns > c.Namespaces {
			return fmt.Errorf("process %d starts in namespace %d, which the program does not have", i+1, ns)
		}
	}
	return nil
}
