//go:build !linux

package kernel

import (
	"context"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// Backend is unavailable off Linux.
type Backend struct{}

// New returns ErrNotSupported.
func New(model.Config, Options) (*Backend, error) { return nil, ErrNotSupported }

// supported: off Linux, the backend drives nothing.
func supported(model.Kind) bool { return false }

// Do returns ErrNotSupported.
func (*Backend) Do(op model.Op) (model.Op, model.Result, error) {
	return op, model.Result{}, ErrNotSupported
}

// Close does nothing.
func (*Backend) Close() {}

// Faults returns nothing.
func (*Backend) Faults() []history.Fault { return nil }

// Run returns ErrNotSupported.
func (*Backend) Run(context.Context, history.Program) (history.History, error) {
	return history.History{}, ErrNotSupported
}

// Run returns ErrNotSupported.
func Run(context.Context, history.Program, Options) (history.History, error) {
	return history.History{}, ErrNotSupported
}

// Probe returns ErrNotSupported.
func Probe() error { return ErrNotSupported }

// Isolated reports false: there is no isolated copy off Linux.
func Isolated() bool { return false }

// Reexec returns ErrNotSupported.
func Reexec([]string) (int, error) { return 0, ErrNotSupported }

// FirstIndex means nothing off Linux.
const FirstIndex = 1

// Exists reports false.
func (*Backend) Exists(int, string) bool { return false }

// Record returns ErrNotSupported.
func Record(context.Context, RecordConfig, func(RecordSetup) (Sink, error)) (RecordStats, error) {
	return RecordStats{}, ErrNotSupported
}
