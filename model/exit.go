package model

import (
	"fmt"
	"strings"
)

// ExitScheme says how a namespace goes away. Traces and the command line
// name it ("tag", "kernel"); ParseExitScheme reads a name. The zero value
// is ExitTag, so a program that names no scheme has the seed's.
type ExitScheme uint8

// The two ways a namespace exits.
const (
	// ExitTag is the seed design's sysfs_exit_tag (2.6.35-2.6.39): every
	// entry of the tag becomes invisible at once, in one step.
	ExitTag ExitScheme = iota
	// ExitKernel is today's cleanup_net: under rtnl, virtual devices are
	// unregistered and physical ones moved back to the initial namespace
	// (namespace 1, which never exits), renamed dev<ifindex> when their
	// name is taken there, each flow step by step; Gone marks the end.
	ExitKernel
)

// exitNames are the schemes' names, indexed by scheme.
var exitNames = [...]string{ExitTag: "tag", ExitKernel: "kernel"}

// ExitSchemes lists every exit scheme.
var ExitSchemes = []ExitScheme{ExitTag, ExitKernel}

// ParseExitScheme reads an exit scheme's name. An unknown name is an error
// that lists the known ones: a misspelled scheme must never mean the seed's.
func ParseExitScheme(name string) (ExitScheme, error) {
	for e, n := range exitNames {
		if n == name {
			return ExitScheme(e), nil
		}
	}
	return 0, fmt.Errorf("unknown exit scheme %q (known: %s)", name, strings.Join(exitNames[:], ", "))
}

func (e ExitScheme) String() string {
	if int(e) < len(exitNames) {
		return exitNames[e]
	}
	return fmt.Sprintf("exit(%d)", uint8(e))
}

// MarshalText writes the scheme's name. A program's ExitTag is left out of
// its JSON (omitempty), as it was before schemes had names.
func (e ExitScheme) MarshalText() ([]byte, error) {
	if int(e) >= len(exitNames) {
		return nil, fmt.Errorf("unknown exit scheme %d", uint8(e))
	}
	return []byte(exitNames[e]), nil
}

// UnmarshalText reads a scheme's name (ParseExitScheme). The empty string
// is ExitTag: it is what a program without a scheme meant, written out.
func (e *ExitScheme) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*e = ExitTag
		return nil
	}
	x, err := ParseExitScheme(string(b))
	if err != nil {
		return err
	}
	*e = x
	return nil
}
