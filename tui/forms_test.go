package tui

import (
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/workflow"
)

var formClock = time.Date(2026, 3, 10, 10, 0, 0, 0, workflow.ChinaTZ)

// focusField tabs to the field with this key.
func focusField(t *testing.T, m *Model, f *form, key string) {
	t.Helper()
	for range len(f.fields) + 1 {
		if f.fields[f.focus].key == key {
			return
		}
		press(m, "tab")
	}
	t.Fatalf("no field %q in the form", key)
}

// fillIntake types a complete, valid application into the open intake form.
func fillIntake(t *testing.T, m *Model) {
	t.Helper()
	for _, kv := range [][2]string{{"name", "郑州华信商贸有限公司"}, {"credit_code", "91110000600037341L"}, {"legal_rep", "张建国"},
		{"agent", "王桂英"}, {"phone", "13812345678"}, {"id_number", "11010519491231002X"},
		{"institution", "中国工商银行郑州分行"}, {"date", "2025-03-01"}} {
		focusField(t, m, intakeOf(m), kv[0])
		typeText(m, kv[1])
	}
}

// Three ctrl+s in one burst (a held key, a laggy link) make one case.
func TestBurstOfSubmitsMakesOneCase(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m, "n")
	fillIntake(t, m)
	tok := intakeOf(m).token
	var cmds []tea.Cmd
	for range 3 { // all three arrive before the first is answered
		_, cmd := m.Update(kmsg("ctrl+s"))
		cmds = append(cmds, cmd)
	}
	for _, c := range cmds {
		run(m, c)
	}
	if n := st.Snapshot().Len(); n != 1 {
		t.Fatalf("three submits of one form made %d cases", n)
	}
	mustShow(t, m, "已受理")
	// A submit that got past the form (the same form instance, retried) returns the first case.
	if _, again, err := st.CreateOnce(testSpecialist, testIntake("郑州华信商贸有限公司", "91110000600037341L"), "", tok); err != nil || !again {
		t.Fatalf("retried token: again=%v err=%v", again, err)
	}
	if n := st.Snapshot().Len(); n != 1 {
		t.Fatalf("a retried submit made case %d", n)
	}
}

// ctrl+c in a form with input asks first; "n" keeps the input, "y" ends the session and
// discards the draft. In an empty form ctrl+c quits at once.
func TestCtrlCInFormAsksFirst(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m, "n")
	typeText(m, "郑州华信")
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
	if isQuit(cmd) {
		t.Fatal("ctrl+c ended the session with input in the form")
	}
	mustShow(t, m, "放弃未保存的内容并退出？(y/n)")
	press(m, "n")
	if intakeOf(m) == nil || intakeOf(m).val("name") != "郑州华信" {
		t.Fatal("the input was lost after answering n")
	}
	m.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
	_, cmd = m.Update(kmsg("y"))
	if !isQuit(cmd) {
		t.Fatal("y after ctrl+c did not end the session")
	}
	if d := st.Drafts(testSpecialist.Name); len(d) != 0 {
		t.Fatalf("a discarded form left a draft: %+v", d)
	}

	m2 := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m2, "n")
	if _, cmd := m2.Update(tea.KeyMsg{Type: tea.KeyCtrlC}); !isQuit(cmd) {
		t.Fatal("ctrl+c in an empty form did not quit")
	}
}

// The discard question does not swallow the key typed after it.
func TestDiscardQuestionKeepsNextKey(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m, "n")
	typeText(m, "郑")
	press(m, "esc")
	mustShow(t, m, "放弃未保存的内容？(y/n)")
	typeText(m, "州")
	if got := intakeOf(m).val("name"); got != "郑州" {
		t.Fatalf("name = %q after esc and a key, want 郑州", got)
	}
}

// A draft is saved after the last key, kept when the session ends without a submit (a
// dropped connection, a killed client: the timer already saved it), offered at the next
// start, resumed with its token, and deleted on submit.
func TestDraftResumedAfterDroppedSession(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	m.c.draftDelay = time.Millisecond
	press(m, "n")
	fillIntake(t, m)
	tok := intakeOf(m).token
	// killed: no Close, no goodbye; only the timer's save.
	ds := st.Drafts(testSpecialist.Name)
	if len(ds) != 1 || ds[0].Fields["name"] != "郑州华信商贸有限公司" || ds[0].Token != tok {
		t.Fatalf("no draft after typing: %+v", ds)
	}
	if other := st.Drafts(testSpecialist2.Name); len(other) != 0 {
		t.Fatalf("another staff member sees the draft: %+v", other)
	}

	m2 := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	mustShow(t, m2, "有未提交的草稿："+m2.c.T("intake.title")+"「郑州华信商贸有限公司」")
	press(m2, "y")
	if f := intakeOf(m2); f == nil || f.val("id_number") != "11010519491231002X" || f.token != tok {
		t.Fatalf("draft not resumed:\n%s", screen(m2))
	}
	press(m2, "ctrl+s")
	if n := st.Snapshot().Len(); n != 1 {
		t.Fatalf("%d cases after submitting the resumed draft", n)
	}
	if ds := st.Drafts(testSpecialist.Name); len(ds) != 0 {
		t.Fatalf("a submitted form left its draft: %+v", ds)
	}
}

// A session closed (dropped connection) or told the server is stopping keeps what is in
// the form though the timer had not fired.
func TestDraftKeptOnCloseAndServerStop(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m, "n")
	typeText(m, "洛阳宏达")
	m.Close()
	if ds := st.Drafts(testSpecialist.Name); len(ds) != 1 || ds[0].Fields["name"] != "洛阳宏达" {
		t.Fatalf("dropped session: %+v", ds)
	}
	m2 := newTestModel(t, st, testSpecialist2, "zh", clk, 120, 40)
	press(m2, "n")
	typeText(m2, "北京中原")
	m2.Update(ServerStoppingMsg{})
	if ds := st.Drafts(testSpecialist2.Name); len(ds) != 1 || ds[0].Fields["name"] != "北京中原" {
		t.Fatalf("server stop: %+v", ds)
	}
	// x discards it from the offer.
	m3 := newTestModel(t, st, testSpecialist2, "zh", clk, 120, 40)
	mustShow(t, m3, "有未提交的草稿")
	press(m3, "x")
	if ds := st.Drafts(testSpecialist2.Name); len(ds) != 0 {
		t.Fatalf("x left the draft: %+v", ds)
	}
}

// The grace period: a countdown in the session, and the draft kept.
func TestGraceCountdownKeepsDraft(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m, "n")
	typeText(m, "开封嘉禾")
	m.Update(GraceMsg{Deadline: clk.t.Add(30 * time.Second)})
	mustShow(t, m, "服务器将在 30 秒后停止")
	clk.t = clk.t.Add(12 * time.Second)
	m.Update(graceTickMsg{})
	mustShow(t, m, "服务器将在 18 秒后停止")
	if ds := st.Drafts(testSpecialist.Name); len(ds) != 1 || ds[0].Fields["name"] != "开封嘉禾" {
		t.Fatalf("grace: %+v", ds)
	}
	if intakeOf(m) == nil || intakeOf(m).val("name") != "开封嘉禾" {
		t.Fatal("the grace period closed the form")
	}
}

// A paste longer than the field stops at its limit, and the field says so by name.
func TestOverlongPasteStopsAtLimit(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m, "n")
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(strings.Repeat("郑", 2000)), Paste: true})
	if n := utf8.RuneCountInString(intakeOf(m).val("name")); n != 100 {
		t.Fatalf("name holds %d characters, want 100", n)
	}
	if f := intakeOf(m); f.fields[f.focus].key != "name" {
		t.Fatal("focus left the field")
	}
	mustShow(t, m, "企业名称：最多 100 字，多出的 1900 字未录入")
}

// 2026-13-45 has the format of a date but is no date.
func TestImpossibleDateSaysNoSuchDate(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m, "n")
	focusField(t, m, intakeOf(m), "date")
	typeText(m, "2026-13-45")
	press(m, "tab")
	mustShow(t, m, "没有 2026-13-45 这一天")
	focusField(t, m, intakeOf(m), "date")
	for range 10 {
		press(m, "backspace")
	}
	typeText(m, "2026/3/1")
	press(m, "tab")
	mustShow(t, m, "格式 YYYY-MM-DD")
}

// Every avenue of the decline checklist is on screen at 120 columns, the last one too,
// when the keyboard reaches it. A record from an unlisted source (other) opens every
// avenue, the longest checklist the form can show.
func TestDeclineChecklistWraps(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	in := testIntake("郑州华信商贸有限公司", "91110000600037341L")
	in.Records[0].Source = "other"
	cs, err := st.Create(testSpecialist, in, "")
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	m.push(newActionScreen(m.c, cs, workflow.ActDecline))
	focusField(t, m, actionFormOf(m), "avenues")
	opts := actionFormOf(m).get("avenues").options
	if len(opts) != len(workflow.Keys("avenue")) {
		t.Fatalf("a record from another source offers %d avenues, want all %d", len(opts), len(workflow.Keys("avenue")))
	}
	for range len(opts) - 1 {
		press(m, "right")
	}
	press(m, "space")
	for _, o := range opts {
		mustShow(t, m, o.label)
	}
	if !strings.Contains(actionFormOf(m).val("avenues"), opts[len(opts)-1].key) {
		t.Fatalf("the last avenue was not checked: %q", actionFormOf(m).val("avenues"))
	}
}

// The explanation is a multi-line area: enter makes a new line, the text keeps it.
func TestExplanationIsMultiLine(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	cs, err := st.Create(testSpecialist, testIntake("郑州华信商贸有限公司", "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	m.push(newActionScreen(m.c, cs, workflow.ActDecline))
	focusField(t, m, actionFormOf(m), "explanation")
	typeText(m, "第一行说明")
	press(m, "enter")
	typeText(m, "第二行说明")
	if got := actionFormOf(m).val("explanation"); got != "第一行说明\n第二行说明" {
		t.Fatalf("explanation = %q", got)
	}
	mustShow(t, m, "第一行说明", "第二行说明")
}

// An empty required reason says so under the prompt, which stays open
// (TestEmptyReasonMessageUnderTheInput checks where, at several widths).
func TestEmptyReasonSaysSoInPlace(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	cs, err := st.Create(testSpecialist, testIntake("郑州华信商贸有限公司", "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, testSupervisor, "zh", clk, 120, 40)
	openCase(m, cs.No)
	press(m, "v", "enter") // the reveal asks for a reason

	s := screen(m)
	lines := strings.Split(s, "\n")
	var at string
	for i, l := range lines {
		if strings.Contains(l, "查看原因：") && i+1 < len(lines) {
			at = lines[i+1]
		}
	}
	if !strings.Contains(at, "必填") {
		t.Fatalf("the line under the prompt does not say the reason is required:\n%s", s)
	}
	if _, ok := m.top().(*promptScreen); !ok {
		t.Fatal("the prompt closed")
	}
}

// The terminal cursor stands at the insertion point of the field with the keyboard: at
// its start, in the middle and at the end of CJK text; and in the ':' line; and is
// hidden (no position) where nothing takes text.
func TestCursorAtInsertionPoint(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	m.View()
	if _, _, ok := m.Cursor(); ok {
		t.Fatal("the queue shows a cursor")
	}
	press(m, "n")
	s := screen(m)
	row := -1
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.Contains(l, "企业名称") {
			row = i
			break
		}
	}
	start := strings.Index(lines[row], "*") // the required mark stands before the input
	startCol := width(lines[row][:start]) + 1
	check := func(what string, col int) {
		t.Helper()
		m.View()
		r, c, ok := m.Cursor()
		if !ok || r != row || c != col {
			t.Fatalf("%s: cursor at (%d,%d,%v), want (%d,%d)", what, r, c, ok, row, col)
		}
		if strings.Contains(m.View(), cursorMark) {
			t.Fatal("the cursor mark reached the terminal")
		}
	}
	check("empty", startCol)
	typeText(m, "郑州华信")
	check("end", startCol+8)
	press(m, "left", "left")
	check("middle", startCol+4)
	press(m, "left", "left")
	check("start", startCol)

	press(m, "esc", "y", ":")
	typeText(m, "open 中文")
	m.View()
	r, c, ok := m.Cursor()
	if want := width(m.c.T("cmd.prompt") + "open 中文"); !ok || r != 39 || c != want {
		t.Fatalf("':' line: cursor at (%d,%d,%v), want (39,%d)", r, c, ok, want)
	}
	press(m, "esc", "/")
	typeText(m, "郑州")
	m.View()
	r, c, ok = m.Cursor()
	if want := width(m.c.T("search.prompt") + "郑州"); !ok || r != 2 || c != want {
		t.Fatalf("'/' line: cursor at (%d,%d,%v), want (2,%d)\n%s", r, c, ok, want, screen(m))
	}
}

// The output follows each frame with a move to the insertion point and shows the cursor,
// and hides it before the next frame.
func TestOutputPlacesTerminalCursor(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	var out strings.Builder
	w := m.Output(&out)
	press(m, "n")
	m.View()
	r, c, _ := m.Cursor()
	w.Write([]byte("frame"))
	want := "frame\x1b[" + strconv.Itoa(r+1) + ";" + strconv.Itoa(c+1) + "H\x1b[?25h"
	if out.String() != want {
		t.Fatalf("output %q, want %q", out.String(), want)
	}
	press(m, "esc")
	m.View()
	out.Reset()
	w.Write([]byte("frame"))
	if out.String() != "\x1b[?25lframe" {
		t.Fatalf("output %q after the form closed", out.String())
	}
}

// An action's draft is resumed over its case, the offer being a screen of its own on
// the stack; any other key puts the offer by and does what it does.
func TestActionDraftResumedOverItsCase(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	cs, err := st.Create(testSpecialist, testIntake("郑州华信商贸有限公司", "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	m.push(newActionScreen(m.c, cs, workflow.ActDecline))
	focusField(t, m, actionFormOf(m), "explanation")
	typeText(m, "不符合受理条件")
	m.Close()

	m2 := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	if _, ok := m2.top().(*draftOffer); !ok {
		t.Fatalf("no draft offer on top:\n%s", screen(m2))
	}
	mustShow(t, m2, "有未提交的草稿", cs.No)
	press(m2, "y")
	if f := actionFormOf(m2); f == nil || f.val("explanation") != "不符合受理条件" || caseOf(m2) == nil {
		t.Fatalf("the action's draft was not resumed over its case:\n%s", screen(m2))
	}

	m3 := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m3, "n") // later: the draft stays; n is not also "new application"
	if intakeOf(m3) != nil || len(st.Drafts(testSpecialist.Name)) != 1 {
		t.Fatal("n on the offer did more than put it off")
	}
	m4 := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m4, "/") // any other key: the offer is put by and the key does its work
	if _, ok := m4.top().(*draftOffer); ok || !m4.q.searching {
		t.Fatalf("/ on the offer did not put it by and search:\n%s", screen(m4))
	}
}
