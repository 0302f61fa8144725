package msg

import (
	"regexp"
	"strings"
	"testing"
)

var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[vTtbcdoOqxXUeEfFgGsp]`)

// Every message exists in both languages with the same format verbs, and so does the
// English singular of a counted one.
func TestCatalogueComplete(t *testing.T) {
	for _, k := range Keys() {
		m, _ := Lookup(k)
		if strings.TrimSpace(m.ZH) == "" || strings.TrimSpace(m.EN) == "" {
			t.Errorf("%s: missing a language", k)
		}
		zh, en := verb.FindAllString(m.ZH, -1), verb.FindAllString(m.EN, -1)
		if len(zh) != len(en) {
			t.Errorf("%s: zh has verbs %v, en has %v", k, zh, en)
		}
		if m.EnOne != "" {
			if one := verb.FindAllString(m.EnOne, -1); len(one) != len(en) || m.Count >= len(en) || !strings.HasSuffix(en[m.Count], "d") {
				t.Errorf("%s: singular verbs %v, plural %v, count %d", k, one, en, m.Count)
			}
		}
	}
	if T(ZH, "no.such.key") != "[no.such.key]" {
		t.Error("a missing key should show itself")
	}
}

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{{EN, 1, "exported 1 case → f"}, {EN, 251, "exported 251 cases → f"}, {EN, 0, "exported 0 cases → f"}, {ZH, 251, "已导出 251 件案件 → f"}, {ZH, 1, "已导出 1 件案件 → f"}} {
		if got := T(tc.lang, "cli.exported", tc.n, "f"); got != tc.want {
			t.Errorf("%s %d: %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

func TestLangFromEnv(t *testing.T) {
	for _, tc := range []struct{ flag, lcall, lang, want string }{
		{"en", "", "zh_CN.UTF-8", "en"}, {"", "", "en_US.UTF-8", "en"}, {"", "zh_CN.UTF-8", "en_US.UTF-8", "zh"}, {"", "", "C", "zh"}, {"", "", "", "zh"},
	} {
		t.Setenv("LC_ALL", tc.lcall)
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", tc.lang)
		if got := LangFromEnv(tc.flag); got != tc.want {
			t.Errorf("LangFromEnv(%q) LC_ALL=%q LANG=%q = %q, want %q", tc.flag, tc.lcall, tc.lang, got, tc.want)
		}
	}
}
