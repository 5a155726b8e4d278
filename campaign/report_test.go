package campaign

import "testing"

func TestPageLink(t *testing.T) {
	for _, c := range []struct{ dir, p, want string }{
		{"/c", "/c/x.html", "x.html"},
		{"/elsewhere/pages", "/c/x.html", "../../c/x.html"},
		{"/e", "/d/a b#c?.jsonl", "../d/a%20b%23c%3F.jsonl"},
		{"/e", "/d/a:b.jsonl", "../d/a:b.jsonl"},
		{"/d", "/d/a:b.jsonl", "./a:b.jsonl"}, // not a URL scheme
		{"", "/d/x.html", "/d/x.html"},
		{"/e", "", ""},
	} {
		if got := pageLink(c.dir, c.p); got != c.want {
			t.Errorf("pageLink(%q, %q) = %q, want %q", c.dir, c.p, got, c.want)
		}
	}
}
