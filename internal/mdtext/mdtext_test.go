package mdtext

import (
	"strings"
	"testing"
)

func TestEscapeAttacks(t *testing.T) {
	for in, want := range map[string]string{
		`<img src=x onerror=alert(1)>`:    `&lt;img src=x onerror=alert\(1\)&gt;`,
		`[l](javascript:alert(1))`:        `\[l\]\(javascript:alert\(1\)\)`,
		`![i](http://x/p.png)`:            `!\[i\]\(http://x/p.png\)`,
		`a | b`:                           `a \| b`,
		`*bold* _it_ ` + "`code`" + ` \x`: `\*bold\* \_it\_ \` + "`code\\`" + ` \\x`,
		`# heading`:                       `\# heading`,
		`> quote`:                         `&gt; quote`,
		`a # b > c`:                       `a # b &gt; c`,
		`"x" & y`:                         `&quot;x&quot; &amp; y`,
		"two\nlines\x1b[31m":              "two lines",
		"郑州华信商贸有限公司":                      "郑州华信商贸有限公司",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
	// Nothing escaped can open a tag or a link.
	for _, in := range []string{"<script>", "[a](b)", "<a href='javascript:x'>"} {
		got := Escape(in)
		if strings.ContainsAny(got, "<") || strings.Contains(got, "](") {
			t.Errorf("Escape(%q) = %q", in, got)
		}
	}
}
