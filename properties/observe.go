package properties

import (
	"fmt"

	"github.com/sysfsim/sysfsim/history"
	"github.com/sysfsim/sysfsim/model"
)

// CheckTagIsolation: nothing observed through a mount has a tag other than
// the one the mount captured.
func CheckTagIsolation(h history.History) []Violation {
	var vs []Violation
	for i, r := range h.Records {
		if r.Pending || r.Result.Err != model.OK {
			continue
		}
		want := h.Config.MountTag(r.Op.Mount)
		switch r.Op.Kind {
		case model.Lookup:
			if r.Result.Tag != want {
				vs = append(vs, Violation{TagIsolation, fmt.Sprintf("%v through a mount of ns%d found an entry of ns%d", r.Op, want, r.Result.Tag), []int{i}})
			}
		case model.Readdir:
			for _, e := range r.Result.Entries {
				if e.Tag != want {
					vs = append(vs, Violation{TagIsolation, fmt.Sprintf("%v through a mount of ns%d listed %v", r.Op, want, e), []int{i}})
				}
			}
		}
	}
	return vs
}

// CheckUniqueness: a directory never holds one (name, tag) twice, so no
// listing shows it twice.
func CheckUniqueness(h history.History) []Violation {
	var vs []Violation
	for i, r := range h.Records {
		if r.Pending || r.Op.Kind != model.Readdir {
			continue
		}
		seen := map[model.Entry]bool{}
		for _, e := range r.Result.Entries {
			if seen[e] {
				vs = append(vs, Violation{Uniqueness, fmt.Sprintf("%v listed %v twice", r.Op, e), []int{i}})
			}
			seen[e] = true
		}
	}
	return vs
}

// observed returns the entries a successful operation shows to exist at
// some point during it: what a lookup or readdir saw, and the entry a
// remove, rename or move acted on.
func observed(c model.Config, r history.Record) []model.Entry {
	if r.Pending || r.Result.Err != model.OK {
		return nil
	}
	switch r.Op.Kind {
	case model.Lookup:
		return []model.Entry{{Name: r.Op.Name, Tag: r.Result.Tag}}
	case model.Readdir:
		return r.Result.Entries
	case model.Remove, model.Rename, model.Move:
		return []model.Entry{{Name: r.Op.Name, Tag: r.Op.NS}}
	}
	return nil
}

// produced returns the entry an operation may have brought into existence.
// A pending operation may have taken effect, so it counts.
func produced(r history.Record) (model.Entry, bool) {
	if !r.Pending && r.Result.Err != model.OK {
		return model.Entry{}, false
	}
	switch r.Op.Kind {
	case model.Create:
		return model.Entry{Name: r.Op.Name, Tag: r.Op.NS}, true
	case model.Rename:
		return model.Entry{Name: r.Op.NewName, Tag: r.Op.NS}, true
	case model.Move:
		return model.Entry{Name: r.Op.Name, Tag: r.Op.To}, true
	}
	return model.Entry{}, false
}

func ret(r history.Record) int64 {
	if r.Pending {
		return 1<<63 - 1
	}
	return r.Return
}

// CheckNoResurrection: once an exit of namespace T has returned, no later
// operation observes an entry of T and none creates one; once the removal
// of (name, T) has returned, no later operation observes it unless some
// operation that could have re-created it overlaps the gap.
func CheckNoResurrection(h history.History) []Violation {
	var vs []Violation
	for i, x := range h.Records {
		if x.Pending || x.Result.Err != model.OK {
			continue
		}
		switch x.Op.Kind {
		case model.Exit:
			ns := x.Op.NS
			for j, o := range h.Records {
				if o.Call < x.Return {
					continue
				}
				for _, e := range observed(h.Config, o) {
					if e.Tag == ns {
						vs = append(vs, Violation{NoResurrection, fmt.Sprintf("%v observed %v after %v returned", o.Op, e, x.Op), []int{i, j}})
						break
					}
				}
				if e, ok := produced(o); ok && !o.Pending && e.Tag == ns {
					vs = append(vs, Violation{NoResurrection, fmt.Sprintf("%v succeeded after %v returned", o.Op, x.Op), []int{i, j}})
				}
			}
		case model.Remove:
			gone := model.Entry{Name: x.Op.Name, Tag: x.Op.NS}
			for j, o := range h.Records {
				if o.Call < x.Return || !contains(observed(h.Config, o), gone) {
					continue
				}
				if !recreated(h, gone, x, o) {
					vs = append(vs, Violation{NoResurrection, fmt.Sprintf("%v observed %v after %v returned, and nothing re-created it", o.Op, gone, x.Op), []int{i, j}})
				}
			}
		}
	}
	return vs
}

// recreated reports whether some operation may have produced e after the
// removal x began and before the observation o ended.
func recreated(h history.History, e model.Entry, x, o history.Record) bool {
	for _, p := range h.Records {
		if pe, ok := produced(p); ok && pe == e && ret(p) > x.Call && p.Call < ret(o) {
			return true
		}
	}
	return false
}

func contains(es []model.Entry, e model.Entry) bool {
	for _, f := range es {
		if f == e {
			return true
		}
	}
	return false
}
