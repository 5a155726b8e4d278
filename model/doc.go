// Package model is the sequential specification of Linux's
// namespace-tagged sysfs: what every operation returns, and the state after
// it, when operations happen one at a time. The simulator and the real
// kernel are both judged against it.
//
// # What it covers
//
// Three tagged directories. /sys/class/net holds a symlink per network
// device, and /sys/devices/virtual/net the device's directory with its
// ifindex attribute; both are tagged by the network namespace the device
// is in. /sys/kernel/uids, the seed design's second example, is tagged by
// the user namespace. Namespaces are small integers, 1..[Config.Namespaces]
// and 1..[Config.Users]; tag 0 means "no tag".
//
// Processes, with a current namespace that [Setns] changes, and mounts.
// An observer sees the directories through a mount, which captured the
// tags of the process that made it and keeps them for its whole life,
// whether it was made before the start ([Config.Mounts]) or by a [Mount]
// at run time. A file opened on a device's attribute follows its device,
// not the namespace, and keeps its mount busy.
//
// Devices as the net core makes them: [Create], [Remove], [Rename] and
// [Move] are flows of several atomic kernfs steps ([Steps]), so an observer
// can see the states in between. A removed entry is invisible at once but
// still collides until it is unlinked: while it is dying, an add onto its
// name may still fail, and [Step] allows both outcomes.
//
// Both ways a network namespace exits ([Config.Exit]): the seed design's
// sysfs_exit_tag ([ExitTag]) makes every entry of the tag invisible at
// once; today's cleanup_net ([ExitKernel]) cuts the namespace off, then
// removes its devices flow by flow until [Gone] marks the end.
//
// docs/SEMANTICS.md in this repository states every rule the model
// follows, with the kernel function it comes from.
//
// # Operations
//
// Every kind of operation is one row of a table ([Kind.Spec], in
// kinds.go): its name in traces, its [Class], the fields it takes and
// needs, the result fields it returns, and its printed form, which
// [ParseOp] reads back, so `create(ns1, "eth0")` is both what a timeline
// shows and what a scenario can say. [Op.Check] and [Kind.CheckResult]
// judge an operation and its result by the row; the specification has one
// function per kind (spec.go's transition), and [FlowOf] cuts a flow into
// its steps.
//
// # Using it
//
// [Step] gives every outcome an operation may have; [Apply] gives the one
// when nothing else runs, and applies a device flow step by step.
// [Explains] checks that one order of a history fits the specification
// ([Replay] does it event by event, history after history, in memory it
// keeps); [Porcupine] hands it to porcupine's linearizability checker.
// [View] shows a [State] through a mount as an [io/fs.FS].
//
// The model is pure: no function changes a State it is given. Only a
// Replay changes a State in place, its own, which nothing else shares.
package model
