package traces

import (
	"fmt"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
	"github.com/sysfsim/sysfsim/sim"
)

// validOptions rejects options this simulator cannot honour. A bug it
// lacks is rejected as the header is decoded (sim.BugName), so that a
// replay never silently runs without a bug the trace was recorded with.
func validOptions(o sim.Options) error {
	if o.MaxSteps < 0 {
		return fmt.Errorf("max_steps %d is negative", o.MaxSteps)
	}
	return nil
}

// validOp rejects an operation without a known kind (a missing "op"
// field), which the model and the simulator cannot run and Write cannot
// write back.
func validOp(op model.Op) error {
	if _, err := op.Kind.MarshalText(); err != nil {
		return fmt.Errorf("an operation without a known kind: %v", err)
	}
	return nil
}

func validProgram(p history.Program) error {
	for _, op := range p.Setup {
		if err := validOp(op); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
	}
	for i, th := range p.Threads {
		for _, op := range th {
			if err := validOp(op); err != nil {
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
