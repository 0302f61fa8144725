package tui

import (
	"slices"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

// TestKeysInOneRead: keys typed quickly over SSH arrive in one read, and Bubble Tea
// delivers them as one message. Outside a text input each is a key; once a text input has
// the keyboard (the search, a form's text field, the command line), the rest is its text;
// a paste is never taken for keys.
func TestKeysInOneRead(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)}
	st := newTestStore(t, clk)
	for _, name := range []string{"河南信修商贸有限公司", "郑州华信商贸有限公司", "洛阳宏达科技有限公司", "开封鑫源物流有限公司"} {
		if _, err := st.Create(testSpecialist, testIntake(name, "91410105MA44N6YJ0W"), ""); err != nil {
			t.Fatal(err)
		}
	}
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 30)
	chunk := func(s string) {
		_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)})
		run(m, cmd)
	}
	chunk("jj")
	if got := m.q.cursor[m.q.tab]; got != 2 {
		t.Fatalf(`"jj" in one read moved the cursor to row %d, want 2`, got)
	}
	chunk("jk")
	if got := m.q.cursor[m.q.tab]; got != 2 {
		t.Fatalf(`"jk" moved the cursor to row %d, want 2`, got)
	}

	chunk("/hnxx")
	if !m.q.searching || m.q.query != "hnxx" {
		t.Fatalf(`"/hnxx" in one read: searching %v, query %q`, m.q.searching, m.q.query)
	}
	mustShow(t, m, "河南信修商贸有限公司")
	press(m, "esc")

	// A paste in the queue is not a row of commands ("q" would quit).
	before := m.q.cursor[m.q.tab]
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjq"), Paste: true})
	if cmd != nil {
		if _, quit := cmd().(tea.QuitMsg); quit {
			t.Fatal("a paste quit the console")
		}
	}
	if got := m.q.cursor[m.q.tab]; got != before {
		t.Fatalf("a paste moved the cursor from row %d to %d", before, got)
	}

	// A new case: "n" opens the intake form, whose first field takes the rest as text.
	chunk("n河南")
	if intakeOf(m) == nil {
		t.Fatal(`"n…" did not open the intake form`)
	}
	if fd := intakeOf(m).fields[intakeOf(m).focus]; fd.input.Value() != "河南" {
		t.Fatalf("the form's first field holds %q, want 河南", fd.input.Value())
	}
}

// TestSearchWithinTab: a search runs within the current tab, so its count and its best
// matches are the tab's (the best 2,000 of every case could hold few of one person's);
// changing tab searches again.
func TestSearchWithinTab(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)}
	st := newTestStore(t, clk)
	for i := range 5 {
		who := testSpecialist
		if i >= 2 {
			who = testSpecialist2 // three of the five 河南 cases are 李军's
		}
		if _, err := st.Create(who, testIntake("河南信修商贸有限公司", "91410105MA44N6YJ0W"), ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Create(testSpecialist, testIntake("郑州华信商贸有限公司", "91110000600037341L"), ""); err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 30)
	if m.q.tab != tabMine {
		t.Fatalf("the console opens on tab %d", m.q.tab)
	}
	press(m, "/")
	typeText(m, "河南信修")
	press(m, "enter")
	if m.q.hitTotal != 2 || m.q.hitsTab != tabMine || len(m.q.visible(tabMine)) != 2 {
		t.Fatalf("in 我的案件: %d matches counted for tab %d, %d shown; want 2", m.q.hitTotal, m.q.hitsTab, len(m.q.visible(tabMine)))
	}
	mustShow(t, m, "2 条结果")
	press(m, "tab") // 全部在办
	if m.q.hitTotal != 5 || m.q.hitsTab != tabOpen || len(m.q.visible(tabOpen)) != 5 {
		t.Fatalf("in 全部在办: %d matches counted for tab %d, %d shown; want 5", m.q.hitTotal, m.q.hitsTab, len(m.q.visible(tabOpen)))
	}
	mustShow(t, m, "5 条结果")
	press(m, "shift+tab")
	if m.q.hitTotal != 2 || m.q.hitsTab != tabMine {
		t.Fatalf("back in 我的案件: %d matches for tab %d", m.q.hitTotal, m.q.hitsTab)
	}
}

// TestSearchWithinTabAfterChange: the tab's rows change under an open search (a case
// leaves "mine", another joins it): the next keystroke searches the new rows.
func TestSearchWithinTabAfterChange(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)}
	st := newTestStore(t, clk)
	var cs []uint32
	for range 3 {
		c, err := st.Create(testSpecialist, testIntake("河南信修商贸有限公司", "91410105MA44N6YJ0W"), "")
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c.ID)
	}
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 30)
	press(m, "/")
	typeText(m, "河南信修")
	if n := len(m.q.visible(tabMine)); n != 3 {
		t.Fatalf("%d rows before the change, want 3", n)
	}
	a, _ := st.Case(cs[0])
	if _, err := st.Apply(a.ID, a.Version, testSpecialist, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回"}); err != nil {
		t.Fatal(err)
	}
	d, err := st.Create(testSpecialist, testIntake("河南信修物流有限公司", "91410105MA44N6YJ0W"), "")
	if err != nil {
		t.Fatal(err)
	}
	m.Update(changeMsg{ch: store.Change{CaseID: d.ID, Topic: "case"}, ok: true})
	press(m, "backspace")
	typeText(m, "修")
	var shown []uint32
	for _, sm := range m.q.visible(tabMine) {
		shown = append(shown, sm.ID)
	}
	if !slices.Contains(shown, d.ID) || slices.Contains(shown, a.ID) || len(shown) != 3 {
		t.Fatalf("after the change the search shows %v; want the new case %d and not the withdrawn %d", shown, d.ID, a.ID)
	}
}
