package properties_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/sysfsim/sysfsim/gen"
	"github.com/sysfsim/sysfsim/properties"
	"github.com/sysfsim/sysfsim/sim"
	"github.com/sysfsim/sysfsim/sim/sched"
)

const knownProperties = "(known: linearizability, tag-isolation, no-resurrection, uniqueness, readdir-regularity, safe-free, liveness, teardown)"

// Every property parses back to itself and keeps its JSON form in a
// violation; an unknown name is rejected with the known ones, by the
// parser, by JSON and by CheckProperty.
func TestParseProperty(t *testing.T) {
	for _, p := range properties.Names {
		if got, err := properties.ParseProperty(string(p)); err != nil || got != p {
			t.Errorf("ParseProperty(%q) = %q, %v", p, got, err)
		}
		v := properties.Violation{Property: p, Detail: "d"}
		b, err := json.Marshal(v)
		if want := `{"property":"` + string(p) + `","detail":"d"}`; err != nil || string(b) != want {
			t.Errorf("%v marshals as %s, %v; want %s", v, b, err, want)
		}
		var back properties.Violation
		if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, v) {
			t.Errorf("%s unmarshals as %v, %v", b, back, err)
		}
	}
	for _, bad := range []string{"", "speed", "Uniqueness", "regularity"} {
		if p, err := properties.ParseProperty(bad); err == nil || !strings.Contains(err.Error(), knownProperties) {
			t.Errorf("ParseProperty(%q) = %q, %v; want an error listing the properties", bad, p, err)
		}
		var v properties.Violation
		if err := json.Unmarshal([]byte(`{"property":"`+bad+`"}`), &v); err == nil || !strings.Contains(err.Error(), knownProperties) {
			t.Errorf("property %q decodes: %v", bad, err)
		}
		if _, err := properties.CheckProperty(sim.Run(gen.Program(gen.NewRand(1), gen.Options{}), sched.NewRandom(1), sim.Options{}).History, properties.Property(bad), properties.Options{}); err == nil || !strings.Contains(err.Error(), knownProperties) {
			t.Errorf("CheckProperty(%q): %v", bad, err)
		}
	}
}

// The catalogue names, for each bug, a property that exists.
func TestBugsNameProperties(t *testing.T) {
	for _, b := range sim.Bugs {
		if _, err := properties.ParseProperty(b.Property); err != nil {
			t.Errorf("bug %s: %v", b.Name, err)
		}
	}
}

// CheckProperty reports what Check reports of its property, on executions
// of every seeded bug.
func TestCheckPropertyAgreesWithCheck(t *testing.T) {
	seen := map[properties.Property]bool{}
	for _, b := range sim.Bugs {
		for seed := range uint64(300) {
			x := sim.Run(gen.Program(gen.NewRand(seed), gen.Options{}), sched.NewRandom(seed), sim.Options{Bugs: sim.BugSet{b.Name}})
			all := properties.Check(x.History, properties.Options{})
			for _, p := range properties.Names {
				var want []properties.Violation
				for _, v := range all.Violations {
					if v.Property == p {
						want = append(want, v)
					}
				}
				got, err := properties.CheckProperty(x.History, p, properties.Options{})
				if err != nil || !reflect.DeepEqual(got, want) && len(got)+len(want) > 0 {
					t.Fatalf("bug %s seed %d, %s: CheckProperty %v, %v; Check %v", b.Name, seed, p, got, err, want)
				}
				seen[p] = seen[p] || len(want) > 0
			}
			x.Release()
		}
	}
	for _, p := range properties.Names {
		if !seen[p] {
			t.Errorf("no execution violates %s: the comparison proves nothing for it", p)
		}
	}
}
