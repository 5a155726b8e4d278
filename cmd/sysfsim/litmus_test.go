package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// litmus exits 0 when observations are as expected, 1 when one is not or
// the correct simulator violates a property, 2 on bad input; with a
// seeded bug it saves the violation's trace, which replays.
func TestLitmusExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.litmus")
	os.WriteFile(bad, []byte("sysfs bad\n{ namespaces 1 }\nT0: creat(ns1, \"eth0\")\nexists r0 = ok\n"), 0o644)
	wrong := filepath.Join(dir, "wrong.litmus")
	os.WriteFile(wrong, []byte("sysfs wrong\n{ namespaces 1; mount m1 = ns1 }\nT0: r0 = lookup(m1, class/net/eth0)\nexists r0 = ENOENT\nexpect Never\n"), 0o644)
	lib := "../../litmus/testdata"
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"litmus", lib}, exitOK, "Observation two-eth0 Never 0 72"},
		{[]string{"litmus", "--bug", "unlocked-add", filepath.Join(lib, "bug-unlocked-add.litmus")}, exitOK, "Observation bug-unlocked-add Sometimes"},
		{[]string{"litmus", "--bug", "tag-blind-lookup", filepath.Join(lib, "two-eth0.litmus")}, exitViolation, "Expected Never, observed Sometimes"},
		{[]string{"litmus", wrong}, exitViolation, "Expected Never, observed Always"},
		{[]string{"litmus", bad}, exitUsage, bad + `:3:5: unknown operation "creat"`},
		{[]string{"litmus", "--bug", "nope", lib}, exitUsage, `unknown bug "nope"`},
		{[]string{"litmus", filepath.Join(dir, "missing")}, exitUsage, "no such file"},
		{[]string{"litmus", "--delay", "1ms", lib}, exitUsage, "--delay and --seed go with --kernel N"},
		{[]string{"litmus", "--kernel", "3", "--bug", "unlocked-add", lib}, exitUsage, "--bug and --out are the simulator's"},
		{[]string{"litmus", "--kernel", "-1", lib}, exitUsage, "must not be negative"},
	}
	for _, c := range cases {
		code, out, errs := run(t, c.args...)
		if code != c.code || !strings.Contains(out+errs, c.want) {
			t.Errorf("%v: exit %d, want %d and %q; stdout:\n%s\nstderr:\n%s", c.args, code, c.code, c.want, out, errs)
		}
	}
}

func TestLitmusSavesReplayableTrace(t *testing.T) {
	out := t.TempDir()
	code, stdout, errs := run(t, "litmus", "--json", "--out", out, "--bug", "unlocked-add", "../../litmus/testdata/bug-unlocked-add.litmus")
	if code != exitOK {
		t.Fatalf("exit %d: %s %s", code, stdout, errs)
	}
	var r struct {
		Observation string   `json:"observation"`
		Traces      []string `json:"traces"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if r.Observation != "Sometimes" || len(r.Traces) == 0 {
		t.Fatalf("observation %q, traces %q", r.Observation, r.Traces)
	}
	if code, out, errs := run(t, "replay", r.Traces[0]); code != exitOK {
		t.Errorf("replay %s: exit %d: %s %s", r.Traces[0], code, out, errs)
	}
}
