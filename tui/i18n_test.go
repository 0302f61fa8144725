package tui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"repairdesk/internal/msg"
)

var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[vTtbcdoOqxXUeEfFgGsp]`)

// Every key the console shows exists in both languages with the same format verbs —
// those of the one catalogue (internal/msg) and any added to tui's own table since, which
// must also not shadow a key msg already has.
func TestCatalogueComplete(t *testing.T) {
	for _, k := range CatalogueKeys() {
		zh, en := T("zh", k), T("en", k)
		if m, ok := catalogue[k]; ok {
			zh, en = m[0], m[1]
			if msg.Has(k) {
				t.Errorf("%s: defined in tui/i18n.go and in internal/msg; keep one", k)
			}
		} else if mm, ok := msg.Lookup(k); ok {
			zh, en = mm.ZH, mm.EN
		}
		if strings.TrimSpace(zh) == "" || strings.TrimSpace(en) == "" {
			t.Errorf("%s: missing a language (zh %q, en %q)", k, zh, en)
		}
		if zv, ev := verb.FindAllString(zh, -1), verb.FindAllString(en, -1); len(zv) != len(ev) {
			t.Errorf("%s: zh has verbs %v, en has %v", k, zv, ev)
		}
	}
	if got := T("zh", "no.such.key"); got != "[no.such.key]" {
		t.Errorf("a missing key should show itself in brackets, got %q", got)
	}
}

var rawKey = regexp.MustCompile(`\[[a-z_]+\.[a-z_.]+\]`)

// No screen in the golden files shows a raw catalogue key.
func TestNoRawKeysOnScreen(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "TestGoldenScreens", "*", "*.golden"))
	if len(files) == 0 {
		t.Fatal("no golden screens")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if k := rawKey.Find(b); k != nil {
			t.Errorf("%s shows raw key %s", f, k)
		}
	}
}

func TestLangFromEnv(t *testing.T) {
	for _, tc := range []struct{ flag, lcall, lang, want string }{
		{"en", "", "zh_CN.UTF-8", "en"},
		{"", "", "en_US.UTF-8", "en"},
		{"", "zh_CN.UTF-8", "en_US.UTF-8", "zh"},
		{"", "", "C", "zh"},
		{"", "", "", "zh"},
	} {
		t.Setenv("LC_ALL", tc.lcall)
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", tc.lang)
		if got := LangFromEnv(tc.flag); got != tc.want {
			t.Errorf("LangFromEnv(%q) with LC_ALL=%q LANG=%q = %q, want %q", tc.flag, tc.lcall, tc.lang, got, tc.want)
		}
	}
}
