package history

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every fault kind parses back to itself and keeps its JSON form; an
// unknown kind is rejected with the known ones.
func TestParseFaultKind(t *testing.T) {
	for _, k := range FaultKinds {
		if got, err := ParseFaultKind(string(k)); err != nil || got != k {
			t.Errorf("ParseFaultKind(%q) = %q, %v", k, got, err)
		}
		f := Fault{Kind: k, Thread: 1, Time: 2, Detail: "d"}
		b, err := json.Marshal(f)
		if want := `{"fault":"` + string(k) + `","thread":1,"time":2,"detail":"d"}`; err != nil || string(b) != want {
			t.Errorf("%v marshals as %s, %v; want %s", f, b, err, want)
		}
		var back Fault
		if err := json.Unmarshal(b, &back); err != nil || back != f {
			t.Errorf("%s unmarshals as %v, %v", b, back, err)
		}
	}
	const known = "(known: use-after-free, leak, deadlock, step-bound, crash)"
	for _, bad := range []string{"", "oops", "Leak", "use_after_free"} {
		if k, err := ParseFaultKind(bad); err == nil || !strings.Contains(err.Error(), known) {
			t.Errorf("ParseFaultKind(%q) = %q, %v; want an error listing %s", bad, k, err, known)
		}
		var f Fault
		if err := json.Unmarshal([]byte(`{"fault":"`+bad+`"}`), &f); err == nil || !strings.Contains(err.Error(), known) {
			t.Errorf("fault %q decodes: %v", bad, err)
		}
	}
}
