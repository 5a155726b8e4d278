package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// durationValue is a time.Duration flag that says, when given a bare
// number, that a unit is needed (time.ParseDuration says "missing unit").
type durationValue time.Duration

func (d *durationValue) String() string { return time.Duration(*d).String() }

func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err == nil {
		*d = durationValue(v)
		return nil
	}
	if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
		return fmt.Errorf("a duration needs a unit: %ss, %sm or %sh", s, s, s)
	}
	return errors.New("not a duration: want a number and a unit, as 30s, 10m or 1h30m")
}

// durationVar defines a duration flag of fs, as fs.DurationVar does.
// Its usage should name a `duration`, so that the help shows the type.
func durationVar(fs *flag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var((*durationValue)(p), name, usage)
}

// checkOutput checks that the file path can be created where it is
// named: its directory exists, so that the error is not the name of a
// temporary file, and comes before any work.
func checkOutput(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s: the directory %s does not exist", path, dir)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s: %s is not a directory", path, dir)
	}
	return nil
}
