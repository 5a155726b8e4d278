package sim

import "github.com/sysfsim/sysfsim/model"

// RegisterTagTypeTwice boots a kernel and registers the network tag type a
// second time.
func RegisterTagTypeTwice() model.Errno {
	k := newKernel(&model.Config{Namespaces: 1}, nil, nil)
	return k.types.register(model.NetTag)
}
