package model

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every scheme's name parses back to it; an unknown name is rejected with
// the known ones, never read as the seed's scheme.
func TestParseExitScheme(t *testing.T) {
	for _, c := range []struct {
		in   string
		want ExitScheme
		ok   bool
	}{
		{"tag", ExitTag, true},
		{"kernel", ExitKernel, true},
		{"cleanup_net", 0, false},
		{"Kernel", 0, false},
		{"", 0, false},
	} {
		got, err := ParseExitScheme(c.in)
		if c.ok && (err != nil || got != c.want) {
			t.Errorf("ParseExitScheme(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "(known: tag, kernel)")) {
			t.Errorf("ParseExitScheme(%q) = %v, %v; want an error listing tag and kernel", c.in, got, err)
		}
	}
	for _, e := range ExitSchemes {
		if got, err := ParseExitScheme(e.String()); err != nil || got != e {
			t.Errorf("%v does not parse back: %v, %v", e, got, err)
		}
	}
}

// A program's scheme reads and writes as it did when it was a string:
// ExitTag left out, ExitKernel as "kernel". An explicit "" is ExitTag; an
// unknown name fails to decode.
func TestConfigExitJSON(t *testing.T) {
	for _, c := range []struct {
		text string
		exit ExitScheme
		back string // the text written back
	}{
		{`{"namespaces":1,"mounts":[1]}`, ExitTag, `{"namespaces":1,"mounts":[1]}`},
		{`{"namespaces":1,"mounts":[1],"exit":"kernel"}`, ExitKernel, `{"namespaces":1,"mounts":[1],"exit":"kernel"}`},
		{`{"namespaces":1,"mounts":[1],"exit":"tag"}`, ExitTag, `{"namespaces":1,"mounts":[1]}`},
		{`{"namespaces":1,"mounts":[1],"exit":""}`, ExitTag, `{"namespaces":1,"mounts":[1]}`},
	} {
		var cfg Config
		if err := json.Unmarshal([]byte(c.text), &cfg); err != nil || cfg.Exit != c.exit {
			t.Errorf("%s: exit %v, %v; want %v", c.text, cfg.Exit, err, c.exit)
			continue
		}
		if b, err := json.Marshal(cfg); err != nil || string(b) != c.back {
			t.Errorf("%s written back as %s, %v; want %s", c.text, b, err, c.back)
		}
	}
	var cfg Config
	err := json.Unmarshal([]byte(`{"namespaces":1,"exit":"cleanup_net"}`), &cfg)
	if err == nil || !strings.Contains(err.Error(), `unknown exit scheme "cleanup_net" (known: tag, kernel)`) {
		t.Errorf("cleanup_net: %v (exit %v)", err, cfg.Exit)
	}
	if _, err := ExitScheme(9).MarshalText(); err == nil {
		t.Error("scheme 9 marshals")
	}
}
