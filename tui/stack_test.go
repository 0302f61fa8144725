package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

// Every screen type of the console, reached by keys as a person reaches it: each is the
// top of the stack when shown, and the root draws exactly that screen's View between
// the title line and a footer generated from its bindings. No screen has a path of its
// own in the root (the PIN screen and the idle lock included).
func TestEveryScreenIsTheTopOfTheStack(t *testing.T) {
	const w, h = 120, 40
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	admin := workflow.Staff{Name: "boss", Display: "刘主任", Role: workflow.RoleAdmin, Active: true}
	if err := st.PutStaff(workflow.Staff{}, admin); err != nil {
		t.Fatal(err)
	}
	cs := toReview(t, st, "河南信修信用管理有限公司")
	if err := st.SetPIN(testSupervisor.Name, "2468"); err != nil {
		t.Fatal(err)
	}

	type want struct {
		name string
		m    *Model
		is   func(Screen) bool
	}
	is := func(f func(Screen) bool) func(Screen) bool { return f }
	form := func(kind string) func(Screen) bool {
		return func(s Screen) bool { f, ok := s.(*formScreen); return ok && f.kind == kind }
	}
	pinIn := func(mode pinMode) func(Screen) bool {
		return func(s Screen) bool { p, ok := s.(*pinScreen); return ok && p.mode == mode }
	}
	model := func(me workflow.Staff, keys ...string) *Model {
		m := newTestModel(t, st, me, "zh", clk, w, h)
		for _, k := range keys {
			if strings.HasPrefix(k, ":") && len(k) > 1 {
				press(m, ":")
				typeText(m, k[1:])
				press(m, "enter")
				continue
			}
			press(m, k)
		}
		return m
	}
	onCase := func(me workflow.Staff, keys ...string) *Model {
		m := model(me)
		openCase(m, cs.No)
		press(m, keys...)
		return m
	}
	lockModel := func(me workflow.Staff) *Model { return newLockModel(t, st, me, "zh", clk) }

	var all []want
	add := func(name string, m *Model, f func(Screen) bool) { all = append(all, want{name, m, f}) }
	add("queues", model(testSpecialist), is(func(s Screen) bool { _, ok := s.(*queue); return ok }))
	add("queues, searching", model(testSpecialist, "/"), is(func(s Screen) bool { q, ok := s.(*queue); return ok && q.Typing() }))
	add("case", onCase(testSpecialist), is(func(s Screen) bool { _, ok := s.(*caseView); return ok }))
	add("client filing", onCase(testSpecialist, "f"), is(func(s Screen) bool { _, ok := s.(*enterpriseView); return ok }))
	add("action menu", onCase(testSupervisor, "a"), is(func(s Screen) bool { _, ok := s.(*actionMenu); return ok }))
	add("action form", onCase(testSupervisor, "a", "enter"), form("action"))
	add("reason prompt", onCase(testSupervisor, "v"), is(func(s Screen) bool { _, ok := s.(*promptScreen); return ok }))
	add("intake form", model(testSpecialist, "n"), form("intake"))
	add("help", model(testSpecialist, "?"), is(func(s Screen) bool { _, ok := s.(*helpScreen); return ok }))
	add("dashboard", model(testSupervisor, "d"), is(func(s Screen) bool { _, ok := s.(*dashboard); return ok }))
	add("staff", model(admin, ":staff"), is(func(s Screen) bool { _, ok := s.(*staffView); return ok }))
	add("staff form", model(admin, ":staff", "n"), form("staff"))
	add("key form", model(admin, ":staff", "a"), form("staff"))
	add("audit log", model(admin, ":audit"), is(func(s Screen) bool { _, ok := s.(*auditScreen); return ok }))
	add("confirmation", model(testSupervisor, "space", ":reassign lijun"), is(func(s Screen) bool { _, ok := s.(*confirmScreen); return ok }))
	if err := st.SaveDraft(store.Draft{Staff: testSpecialist2.Name, Form: "intake", Token: "t1", Fields: map[string]string{"name": "豫兴商贸有限公司"}, Focus: "name"}); err != nil {
		t.Fatal(err)
	}
	add("draft offer", model(testSpecialist2), is(func(s Screen) bool { _, ok := s.(*draftOffer); return ok }))
	add("PIN setup", lockModel(testSpecialist), pinIn(pinSetup))
	add("PIN at login", lockModel(testSupervisor), pinIn(pinLogin))
	lock := lockModel(testSupervisor)
	enterPIN(lock, "2468")
	press(lock, "n") // a supervisor may take in cases: the intake under the lock
	clk.t = clk.t.Add(20 * time.Minute)
	lock.Update(tickMsg(clk.t))
	add("idle lock", lock, pinIn(pinLock))
	add("PIN help", lockModel(testSupervisor), pinIn(pinLogin))
	press(all[len(all)-1].m, "?")
	all[len(all)-1].is = func(s Screen) bool { hs, ok := s.(*helpScreen); _, onPIN := hs.of.(*pinScreen); return ok && onPIN }

	for _, c := range all {
		top := c.m.top()
		if !c.is(top) {
			t.Errorf("%s: the top of the stack is %T", c.name, top)
			continue
		}
		var _ Screen = top // the one contract
		c.m.setStatus("", false)
		frame := c.m.view()
		lines := strings.Split(frame, "\n")
		body := strings.Join(lines[1:len(lines)-1], "\n")
		if want := top.View(c.m.c.Width, c.m.c.Height-2); body != want {
			t.Errorf("%s: the root does not draw the top screen's View:\n%s", c.name, body)
		}
		if c.m.cmd == nil {
			if foot, want := lines[len(lines)-1], fitStyled(c.m.c.Styles.Faint.Render(cut(footer(c.m.bindings(), c.m.c.Width), c.m.c.Width)), c.m.c.Width); foot != want {
				t.Errorf("%s: the footer is not generated from the bindings:\n%q\n%q", c.name, foot, want)
			}
		}
	}
	// The kinds covered: every type of screen the console has.
	kinds := map[string]bool{}
	for _, c := range all {
		kinds[fmt.Sprintf("%T", c.m.top())] = true
	}
	for _, k := range []string{"*tui.queue", "*tui.caseView", "*tui.enterpriseView", "*tui.actionMenu", "*tui.formScreen",
		"*tui.promptScreen", "*tui.helpScreen", "*tui.dashboard", "*tui.staffView", "*tui.auditScreen",
		"*tui.confirmScreen", "*tui.draftOffer", "*tui.pinScreen"} {
		if !kinds[k] {
			t.Errorf("no screen of type %s reached", k)
		}
	}
}

// The PIN screen's footer and help are generated from its bindings; digits are typed
// (Typing), and ? and q still work while they are; a PIN that cannot be checked leaves
// only q (and the help), the others greyed with the reason.
func TestPINScreenFooterAndHelp(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	if err := st.SetPIN(testSpecialist.Name, "2468"); err != nil {
		t.Fatal(err)
	}
	m := newLockModel(t, st, testSpecialist, "zh", clk)
	foot := footLine(m)
	for _, k := range []string{"enter 确认", "backspace 删除", "esc 清空", "q 结束会话", "? 帮助"} {
		if !strings.Contains(foot, k) {
			t.Errorf("the PIN's footer lacks %q: %q", k, foot)
		}
	}
	if strings.Contains(foot, ": 命令") {
		t.Errorf("the ':' line is offered behind the PIN: %q", foot)
	}
	if !pinOf(m).Typing() || !m.typing() {
		t.Fatal("entering digits is not typing")
	}
	typeText(m, "24")
	press(m, "?")
	if _, ok := m.top().(*helpScreen); !ok {
		t.Fatalf("? on the PIN screen: top is %T\n%s", m.top(), screen(m))
	}
	mustShow(t, m, "帮助", "结束会话", "清空")
	if s := screen(m); strings.Contains(s, "reassign") || strings.Contains(s, "我的案件") {
		t.Fatalf("the PIN's help shows what lies behind it:\n%s", s)
	}
	press(m, "1") // a digit in the help goes nowhere
	press(m, "esc")
	if p, ok := m.top().(*pinScreen); !ok || string(p.digits) != "24" {
		t.Fatalf("esc from the help: top %T, digits %q", m.top(), pinOf(m).digits)
	}
	press(m, "backspace")
	if string(pinOf(m).digits) != "2" {
		t.Fatalf("backspace: %q", pinOf(m).digits)
	}
	press(m, "esc")
	if len(pinOf(m).digits) != 0 {
		t.Fatalf("esc: %q", pinOf(m).digits)
	}
	// The real cursor stands in the PIN's field, after the digits typed.
	typeText(m, "246")
	screen(m)
	row, col, ok := m.Cursor()
	lines := strings.Split(screen(m), "\n")
	if !ok || row >= len(lines) || !strings.HasSuffix(strings.TrimRight(ansiCut(lines[row], col), " "), "***") {
		t.Fatalf("cursor at %d,%d (%v), not after the stars:\n%s", row, col, ok, screen(m))
	}

	// A stopped PIN: only q and the help are offered; enter is greyed with the reason.
	for range store.MaxPINFails {
		if _, err := st.CheckPIN(testSpecialist.Name, "0000"); err != nil {
			t.Fatal(err)
		}
	}
	m2 := newLockModel(t, st, testSpecialist, "zh", clk)
	if pinOf(m2).Typing() {
		t.Fatal("a stopped PIN takes digits")
	}
	foot = footLine(m2)
	if strings.Contains(foot, "enter") || !strings.Contains(foot, "q 结束会话") {
		t.Fatalf("a stopped PIN's footer: %q", foot)
	}
	press(m2, "?")
	mustShow(t, m2, "确认 — "+T("zh", "pin.stopped")[:30])
	press(m2, "esc", "q")
	if m2.unsub != nil {
		t.Fatal("q did not end the session at a stopped PIN")
	}
}

// ansiCut is the first n cells of a plain line.
func ansiCut(line string, n int) string {
	out, w := "", 0
	for _, r := range line {
		if w+width(string(r)) > n {
			break
		}
		out += string(r)
		w += width(string(r))
	}
	return out
}

// The idle lock goes over whatever is open, on the stack: a half-typed application and
// a half-typed ':' command stay, untouched by the keys typed at the lock, and are back
// as they were once the PIN is given. Nothing of them shows at the lock.
func TestLockKeepsWhatIsBehind(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	if err := st.SetPIN(testSpecialist.Name, "2468"); err != nil {
		t.Fatal(err)
	}
	m := newLockModel(t, st, testSpecialist, "zh", clk)
	enterPIN(m, "2468")
	press(m, ":")
	typeText(m, "tab du")
	clk.t = clk.t.Add(20 * time.Minute)
	m.Update(tickMsg(clk.t))
	if _, ok := m.top().(*pinScreen); !ok {
		t.Fatalf("locked: top is %T", m.top())
	}
	if strings.Contains(screen(m), "tab du") {
		t.Fatalf("the lock shows the ':' line:\n%s", screen(m))
	}
	enterPIN(m, "2468")
	if m.cmd == nil || m.cmd.Value() != "tab du" {
		t.Fatalf("the ':' line after the lock: %v", m.cmd)
	}
	press(m, "esc")
	press(m, "n")
	typeText(m, "河南新乡")
	press(m, ":") // in the form, text
	typeText(m, "tab du")
	press(m, "tab", "tab")
	clk.t = clk.t.Add(20 * time.Minute)
	m.Update(tickMsg(clk.t))
	if _, ok := m.top().(*pinScreen); !ok {
		t.Fatalf("locked: top is %T", m.top())
	}
	s := screen(m)
	if strings.Contains(s, "河南新乡") || strings.Contains(s, "tab du") || strings.Contains(s, "ctrl+s") {
		t.Fatalf("the lock shows what lies behind it:\n%s", s)
	}
	typeText(m, "abc")
	press(m, "tab", "space", "enter", "ctrl+s")
	f := intakeOf(m)
	focus := f.focus
	if got := f.val("name"); got != "河南新乡:tab du" {
		t.Fatalf("keys at the lock reached the form: %q", got)
	}
	enterPIN(m, "2468")
	if pinOf(m) != nil {
		t.Fatalf("the right PIN did not unlock:\n%s", screen(m))
	}
	if _, ok := m.top().(*formScreen); !ok || f.val("name") != "河南新乡:tab du" || f.focus != focus {
		t.Fatalf("after the lock: top %T, name %q, focus %d (was %d)", m.top(), f.val("name"), f.focus, focus)
	}
	mustShow(t, m, "河南新乡:tab du")
}

// A result that opens a screen while the console is locked (the case an application
// made, saved just before the lock) opens it under the lock, not in front of it.
func TestResultsOpenUnderTheLock(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	if err := st.SetPIN(testSpecialist.Name, "2468"); err != nil {
		t.Fatal(err)
	}
	m := newLockModel(t, st, testSpecialist, "zh", clk)
	enterPIN(m, "2468")
	press(m, "n")
	fillIntake(t, m)
	_, save := m.Update(kmsg("ctrl+s")) // the save is under way …
	clk.t = clk.t.Add(20 * time.Minute)
	m.Update(tickMsg(clk.t)) // … when the console locks
	run(m, save)
	if _, ok := m.top().(*pinScreen); !ok {
		t.Fatalf("a result opened %T in front of the lock:\n%s", m.top(), screen(m))
	}
	if caseOf(m) == nil || intakeOf(m) != nil {
		t.Fatalf("under the lock: case %v, form %v", caseOf(m) != nil, intakeOf(m) != nil)
	}
	if strings.Contains(screen(m), "郑州华信") {
		t.Fatalf("the new case shows at the lock:\n%s", screen(m))
	}
	enterPIN(m, "2468")
	if _, ok := m.top().(*caseView); !ok {
		t.Fatalf("after the PIN: top is %T", m.top())
	}
	mustShow(t, m, "郑州华信商贸有限公司")
}

// Someone else's action on my case while I am locked is not told at the lock (the
// status line would show who did what to which case); it is there once I unlock.
func TestLockTellsNothingOfOthers(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	cs := toReview(t, st, "河南信修信用管理有限公司")
	if err := st.SetPIN(testSpecialist.Name, "2468"); err != nil {
		t.Fatal(err)
	}
	m := newLockModel(t, st, testSpecialist, "zh", clk)
	enterPIN(m, "2468")
	clk.t = clk.t.Add(20 * time.Minute)
	m.Update(tickMsg(clk.t))
	if _, err := st.Apply(cs.ID, cs.Version, testSupervisor, workflow.Action{Kind: workflow.ActReturn, Comment: "缺少银行出具的情况说明"}); err != nil {
		t.Fatal(err)
	}
	deliver(m)
	if s := screen(m); strings.Contains(s, cs.No) || strings.Contains(s, "陈静") {
		t.Fatalf("the lock tells what happened behind it:\n%s", s)
	}
	enterPIN(m, "2468")
	mustShow(t, m, "陈静 退回", cs.No)
}

// The results of commands reach their screens while the ':' line is open: a dashboard
// still loading when ':' is pressed shows its figures once they come (the line used to
// take every message for itself, and the dashboard stayed "loading").
func TestCommandLineLeavesResultsToScreens(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	toReview(t, st, "河南信修信用管理有限公司")
	m := newTestModel(t, st, testSupervisor, "zh", clk, 120, 40)
	_, load := m.Update(kmsg("d"))
	if d := dashOf(m); d == nil || !d.loading {
		t.Fatal("the dashboard is not loading")
	}
	press(m, ":")
	run(m, load)
	if d := dashOf(m); d.loading {
		t.Fatalf("the dashboard's figures were taken by the ':' line:\n%s", screen(m))
	}
}

// A space typed into the search line is one space (a terminal's space key carries its
// rune; it was added twice: "a  b").
func TestSearchSpaceIsOneSpace(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m, "/")
	typeText(m, "a")
	press(m, "space")
	typeText(m, "b")
	if m.q.query != "a b" {
		t.Fatalf("query %q", m.q.query)
	}
	mustShow(t, m, "搜索：a b ")
}

// While a field has the keyboard, ':' and '?' are text: the footer does not offer them
// (the help is on f1, which works), and the help greys ':' with that reason.
func TestTypingFooterOffersWhatWorks(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	toReview(t, st, "河南信修信用管理有限公司")
	for _, lang := range []string{"zh", "en"} {
		m := newTestModel(t, st, testSpecialist, lang, clk, 120, 40)
		for _, open := range [][]string{{"n"}, {"/"}} {
			press(m, open...)
			foot := footLine(m)
			if strings.Contains(foot, ": "+T(lang, "key.command")) || strings.Contains(foot, "? "+T(lang, "key.help")) || !strings.Contains(foot, "f1 "+T(lang, "key.help")) {
				t.Errorf("%s %v: the footer offers keys that are text here: %q", lang, open, foot)
			}
			typeText(m, "?:")
			if _, ok := m.top().(*helpScreen); ok || m.cmd != nil {
				t.Fatalf("%s %v: ? or : left the field", lang, open)
			}
			_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyF1})
			run(m, cmd)
			if _, ok := m.top().(*helpScreen); !ok {
				t.Fatalf("%s %v: f1 does not open the help: %T", lang, open, m.top())
			}
			mustShow(t, m, T(lang, "key.command")+" — "+T(lang, "key.typing_text"))
			press(m, "esc", "esc")
			if _, ok := m.top().(*formScreen); ok {
				press(m, "y") // discard the form's input
			}
		}
	}
}

// An error on the status line is about the key that caused it: the next key that does
// something clears it (esc with nothing to clear, then opening a case, showed "nothing
// to clear" on the case).
func TestErrorStatusEndsAtNextKey(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	toReview(t, st, "河南信修信用管理有限公司")
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m, "esc")
	mustShow(t, m, T("zh", "queue.nothing_to_clear"))
	press(m, "enter")
	if _, ok := m.top().(*caseView); !ok {
		t.Fatalf("enter: %T", m.top())
	}
	if strings.Contains(screen(m), T("zh", "queue.nothing_to_clear")) {
		t.Fatalf("the queue's error stands on the case:\n%s", screen(m))
	}
}

// The action menu's names are not cut at 120 columns, in English either: the column is
// as wide as the longest name (it was 16 cells: "Request materia…").
func TestActionNamesWholeAt120(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		m := everyScreen(t, lang, 120, 40)["actions"]
		s := screen(m)
		for _, o := range menuOf(m).opts {
			if name := o.Kind.Label(lang); !strings.Contains(s, name) {
				t.Errorf("%s: %q cut:\n%s", lang, name, s)
			}
		}
	}
}

// The staff screen's n is a key of the key map, described as keys are ("n Add staff
// member" was the form's title, capitalised among lower-case keys).
func TestStaffAddKeyDescribedAsAKey(t *testing.T) {
	m := everyScreen(t, "en", 120, 40)["staff"]
	if foot := footLine(m); !strings.Contains(foot, "n add a staff member") {
		t.Fatalf("footer: %q", foot)
	}
}
