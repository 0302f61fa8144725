package msg

import (
	"os"
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

// pluralNoun is a count followed by an English plural noun: "%d cases", "%[2]d keys".
var pluralNoun = regexp.MustCompile(`%(\[\d+\])?d ([a-z-]+ )?[a-z]+s\b`)

// Every English message that counts something has its singular, with the count pointed
// at (Count) wherever it stands in the arguments; Chinese counts with a measure word, and
// a key is data (个), not a door key (把).
func TestCountsHaveSingulars(t *testing.T) {
	// Counts that are never 1, or whose noun is not the counted one.
	never1 := map[string]bool{
		"pin.lockout":            true,                                 // counted, but said for PINMaxFails (5)
		"cli.backup_unverified":  true,                                 // two counts; the cases are many
		"cli.cal_year":           true,                                 // a year's holidays are many
		"res.basis_success_rate": true, "res.basis_first_notice": true, // "%d decided, %d of them"
		"cli.import_summary": true,                          // has EnOne
		"field.id_length15":  true,                          // n is 15
		"cli.backup_written": true,                          // bytes of a database
		"field.too_long":     true, "import.too_long": true, // limits of 20 and more
		"letters.too_large": true, "letters.too_long": true, // limits in KiB
		"pin.format": true, "pin.setup_ask": true, "store.pin_format": true, // a range, 4–12
		"search.best_of": true, // said only when more matched than the list shows
	}
	for _, k := range Keys() {
		m, _ := Lookup(k)
		if pluralNoun.MatchString(m.EN) && m.EnOne == "" && !never1[k] {
			t.Errorf("%s: %q counts without a singular (EnOne)", k, m.EN)
		}
		if strings.Contains(m.ZH, "把公钥") || strings.Contains(m.ZH, "公钥 %d 把") {
			t.Errorf("%s: %q counts keys with 把; a key is data: 个", k, m.ZH)
		}
	}
	// The count anywhere in the arguments.
	if got := T(EN, "cli.staff_added", "lijun", "Specialist", 1); got != "added lijun (Specialist) with 1 key" {
		t.Errorf("count as the third argument: %q", got)
	}
	if got := T(EN, "hist.notice_items", 1); got != "1 item in one notice" {
		t.Errorf("%q", got)
	}
	if got := T(ZH, "staff.keys", 0); got != "0 个公钥" {
		t.Errorf("%q", got)
	}
}

// An argument that speaks a language is rendered in the message's.
func TestLocalizedArguments(t *testing.T) {
	if got := T(EN, "refuse.stage", Label("stage", "formal_review"), List(Label("stage", "investigating"), Label("stage", "approved"))); got != "The case is at Formal review; this is only possible at Investigating, Approved" {
		t.Errorf("en: %q", got)
	}
	if got := T(ZH, "refuse.stage", Label("stage", "formal_review"), List(Label("stage", "investigating"), Label("stage", "approved"))); got != "当前阶段为形式审核；此操作仅在调查核实、待报送阶段可用" {
		t.Errorf("zh: %q", got)
	}
	e := Errorf("letters.not_yet", "XF-1", "result", Key("letters.why_result"))
	if e.Message(ZH) != "案件 XF-1 没有 result：尚未报送或尚未登记修正结果" || !strings.HasPrefix(e.Error(), "case XF-1 has no result: no correction") {
		t.Errorf("%q / %q", e.Message(ZH), e.Error())
	}
	_, err := os.Open("/nonexistent/file")
	if got := T(ZH, "cli.verify_unreadable", err); got != "无法读取函件文件：/nonexistent/file：文件或目录不存在" {
		t.Errorf("an OS error in Chinese: %q", got)
	}
}

// Messages that take more arguments than one language uses number their verbs, so
// neither language prints fmt's %!(EXTRA …).
func TestNoExtraArguments(t *testing.T) {
	for _, tc := range []struct {
		key  string
		args []any
	}{
		{"period.name_month", []any{2026, 3, "Mar"}}, {"period.name_quarter", []any{2026, 1}}, {"period.name_year", []any{2026}},
		{"dash.month_label", []any{3, "Mar"}}, {"letters.exec", []any{"a.tmpl", Errorf("letters.printf_star"), os.ErrClosed}},
		{"cal.bad_json_at", []any{int64(3), os.ErrClosed}}, {"cal.bad_field", []any{"year", os.ErrClosed}},
	} {
		for _, lang := range []string{ZH, EN} {
			if got := T(lang, tc.key, tc.args...); strings.Contains(got, "%!") {
				t.Errorf("%s %s: %q", tc.key, lang, got)
			}
		}
	}
	if got := T(ZH, "period.name_month", 2026, 3, "Mar"); got != "2026年3月" {
		t.Errorf("%q", got)
	}
	if got := T(EN, "period.name_month", 2026, 3, "Mar"); got != "Mar 2026" {
		t.Errorf("%q", got)
	}
}
