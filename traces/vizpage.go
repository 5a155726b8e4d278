package traces

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/properties"
)

// vizScript is what sysfsim adds to porcupine's page. Porcupine draws the
// page in the browser from its data and offers no hook to name rows or
// style operations, so the script runs after it, on what it drew.
//
//go:embed viz.js
var vizScript string

// vizPage is what the script reads: the page's title, the name of each
// client row (porcupine numbers them), the operations to outline, as
// "client:call" keys (porcupine keeps each operation's call time), the
// culprit's key (properties.Culprit, "" without one), and, by their
// index, the annotations to outline and those that mark errors.
type vizPage struct {
	Title    string   `json:"title"`
	Names    []string `json:"names"`
	Marks    []string `json:"marks"`
	Culprit  string   `json:"culprit"`
	Outlined []int    `json:"outlined"`
	Errors   []int    `json:"errors"`
}

// newVizPage describes the page of t, whose violations' records and
// culprit (nil: none) are outlined, with the annotations notes in the
// order the page is given them.
func newVizPage(t *Trace, culprit *properties.Culprit, notes []vizNote) vizPage {
	p := vizPage{Title: vizTitle(t), Names: clientNames(t.History), Marks: []string{}, Outlined: []int{}, Errors: []int{}}
	want := map[int]bool{}
	for _, r := range violationRecords(t) {
		want[r] = true
	}
	if culprit != nil {
		want[culprit.Record] = true
	}
	seen := map[string]bool{}
	for i, st := range t.History.Steps(nil) {
		key := fmt.Sprintf("%d:%d", st.Client, st.Call)
		if culprit != nil && i == culprit.Step {
			p.Culprit = key
		}
		if want[st.Record] && !seen[key] {
			seen[key] = true
			p.Marks = append(p.Marks, key)
		}
	}
	for i, n := range notes {
		if n.err {
			p.Errors = append(p.Errors, i)
		}
		if n.named {
			p.Outlined = append(p.Outlined, i)
		}
	}
	return p
}

// clientNames names porcupine's clients as Show names threads: a thread
// is its client, setup the client after the threads (History.Steps).
func clientNames(h history.History) []string {
	var names []string
	for _, st := range h.Steps(nil) {
		for len(names) <= st.Client {
			names = append(names, fmt.Sprintf("T%d", len(names)))
		}
		if h.Records[st.Record].Thread == history.SetupThread {
			names[st.Client] = "setup"
		}
	}
	return names
}

// vizTitle names the page after what it shows.
func vizTitle(t *Trace) string {
	var props []string
	for _, v := range t.Violations {
		props = append(props, v.Property)
	}
	if len(props) == 0 {
		return "sysfsim: a history without violations"
	}
	return "sysfsim: " + strings.Join(props, ", ")
}

// inject adds the script and its data at the end of porcupine's page, so
// that it runs after porcupine drew it. The page stays self-contained.
// JSON escapes <, > and &, so no string can close the script.
func (p vizPage) inject(page []byte) []byte {
	data, _ := json.Marshal(p) // strings and ints only: it cannot fail
	var add bytes.Buffer
	fmt.Fprintf(&add, "<script>\nconst sysfsim = %s\n%s</script>\n", data, vizScript)
	at := bytes.LastIndex(page, []byte("</body>"))
	if at < 0 {
		at = len(page)
	}
	return append(page[:at:at], append(add.Bytes(), page[at:]...)...)
}
