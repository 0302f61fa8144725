package tui

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
)

// A paste longer than a field takes is cut at the field's limit, and the form says so,
// naming the field, in the session's language.
func TestFormPasteIsCutAtTheFieldLimit(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.Local)}
	st := newTestStore(t, clk)
	for lang, want := range map[string]string{"zh": "企业名称：最多 100 字，多出的 4900 字未录入", "en": "Enterprise name: at most 100 characters; the rest (4900) was not entered"} {
		m := newTestModel(t, st, testSpecialist, lang, clk, 120, 40)
		press(m, "n")
		if intakeOf(m) == nil {
			t.Fatal("n did not open the intake form")
		}
		_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(strings.Repeat("甲", 5000)), Paste: true})
		run(m, cmd)
		if got := intakeOf(m).get("name").value(); utf8.RuneCountInString(got) != 100 {
			t.Fatalf("%s: the name holds %d characters, want 100", lang, utf8.RuneCountInString(got))
		}
		mustShow(t, m, want)

		// A paste that fits says nothing of the kind.
		m = newTestModel(t, st, testSpecialist, lang, clk, 120, 40)
		press(m, "n")
		_, cmd = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(strings.Repeat("乙", 100)), Paste: true})
		run(m, cmd)
		if strings.Contains(screen(m), want) {
			t.Fatalf("%s: a paste that fits was reported cut", lang)
		}
	}
}
