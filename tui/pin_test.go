package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

var testAdmin = workflow.Staff{Name: "root", Display: "管理员", Role: workflow.RoleAdmin, Active: true}

// newLockModel is a console that locks after 15 minutes, as the server runs it.
func newLockModel(t *testing.T, st *store.Store, me workflow.Staff, lang string, clk *clock) *Model {
	t.Helper()
	return newTestModelWith(t, Options{Store: st, Me: me, Lang: lang, Renderer: asciiRenderer(), Now: clk.now, IdleLock: 15 * time.Minute}, 100, 30)
}

func enterPIN(m *Model, pin string) {
	typeText(m, pin)
	press(m, "enter")
}

// isQuit runs cmd (and the commands of a batch) and reports whether it quits.
func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	switch msg := cmd().(type) {
	case tea.QuitMsg:
		return true
	case tea.BatchMsg:
		for _, c := range msg {
			if isQuit(c) {
				return true
			}
		}
	}
	return false
}

// The first login of a console that locks asks the person to choose and confirm a PIN
// before the queues; a short PIN, letters and a confirmation that differs are refused
// with a message, and the PIN is then stored (hashed) and checks.
func TestFirstLoginAsksForPIN(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	m := newLockModel(t, st, testSpecialist, "zh", clk)
	mustShow(t, m, "设置解锁 PIN", "王芳")
	if strings.Contains(screen(m), "我的案件") {
		t.Fatal("the queue shows before a PIN is chosen")
	}
	press(m, "n", "2") // a letter is refused, the queue's keys do nothing
	mustShow(t, m, "PIN 只能是数字")
	if intakeOf(m) != nil || m.q.tab != 0 {
		t.Fatal("a key reached the queue behind the PIN screen")
	}
	press(m, "esc")
	enterPIN(m, "123")
	mustShow(t, m, "PIN 须为 4–12 位数字")
	enterPIN(m, "2468")
	mustShow(t, m, "请再输入一次以确认")
	if n := strings.Count(screen(m), "请再输入一次以确认"); n != 1 {
		t.Fatalf("the request to confirm shows %d times, want once:\n%s", n, screen(m))
	}
	enterPIN(m, "2469")
	mustShow(t, m, "两次输入不一致")
	if set, _ := st.HasPIN(testSpecialist.Name); set {
		t.Fatal("a PIN was stored without a matching confirmation")
	}
	enterPIN(m, "2468")
	enterPIN(m, "2468")
	mustShow(t, m, "我的案件", "PIN 已设置")
	if r, err := st.CheckPIN(testSpecialist.Name, "2468"); err != nil || !r.OK {
		t.Fatalf("the chosen PIN does not check: %+v %v", r, err)
	}

	// English, the next login: the PIN, not the setup.
	m2 := newLockModel(t, st, testSpecialist, "en", clk)
	mustShow(t, m2, "Enter your PIN")
	enterPIN(m2, "2468")
	mustShow(t, m2, "Mine")
}

// The PIN is digits on screen only as stars.
func TestPINIsMasked(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	if err := st.SetPIN(testSpecialist.Name, "97531"); err != nil {
		t.Fatal(err)
	}
	m := newLockModel(t, st, testSpecialist, "zh", clk)
	typeText(m, "97531")
	s := screen(m)
	if strings.Contains(s, "97531") || strings.Contains(s, "9") || !strings.Contains(s, "*****") {
		t.Fatalf("the PIN is not masked:\n%s", s)
	}
}

// Hashing runs in a command: the key that submits the PIN returns at once with the
// screen still locked, and only the command's result unlocks it.
func TestPINHashRunsInCommand(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	if err := st.SetPIN(testSpecialist.Name, "2468"); err != nil {
		t.Fatal(err)
	}
	m := newLockModel(t, st, testSpecialist, "zh", clk)
	typeText(m, "2468")
	_, cmd := m.Update(kmsg("enter"))
	if cmd == nil || pinOf(m) == nil || !pinOf(m).busy {
		t.Fatalf("enter: cmd=%v locked=%v — the check should run in a command", cmd != nil, pinOf(m) != nil)
	}
	mustShow(t, m, "正在核验")
	press(m, "1") // keys while it runs are ignored
	msg := cmd()
	if _, ok := msg.(pinCheckedMsg); !ok {
		t.Fatalf("the command returned %T", msg)
	}
	m.Update(msg)
	if pinOf(m) != nil {
		t.Fatal("the right PIN did not unlock")
	}
}

// Five wrong PINs end the session, say why, and are in the audit log; the PIN is then
// stopped, so a new session (ending and logging in again) gets no more guesses, and the
// right PIN does not open it either.
func TestFiveWrongPINsEndSession(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	if err := st.SetPIN(testSpecialist.Name, "2468"); err != nil {
		t.Fatal(err)
	}
	m := newLockModel(t, st, testSpecialist, "zh", clk)
	enterPIN(m, "2468")
	clk.t = clk.t.Add(20 * time.Minute)
	m.Update(tickMsg(clk.t))
	for i := 1; i < store.MaxPINFails; i++ {
		enterPIN(m, "0000")
		if m.ending != "" {
			t.Fatalf("the session ended after %d wrong PINs", i)
		}
	}
	typeText(m, "0000")
	_, cmd := m.Update(kmsg("enter"))
	_, cmd = m.Update(cmd()) // the check's result
	if !m.LockedOut() || !strings.Contains(m.EndReason(), "连续 5 次 PIN 错误") {
		t.Fatalf("after five wrong PINs: lockedOut=%v reason=%q", m.LockedOut(), m.EndReason())
	}
	mustShow(t, m, "会话已结束")
	if cmd == nil {
		t.Fatal("no command to end the session")
	}
	if _, ok := cmd().(quitMsg); !ok {
		t.Fatal("the session does not end")
	}
	found := false
	for _, e := range st.AuditLog(10) {
		if e.What == "pin_lockout" && e.Actor == testSpecialist.Name {
			found = true
		}
	}
	if !found {
		t.Fatal("the lockout is not in the audit log")
	}

	m2 := newLockModel(t, st, testSpecialist, "zh", clk)
	mustShow(t, m2, "PIN 因连续输错已停用")
	enterPIN(m2, "2468")
	if pinOf(m2) == nil || strings.Contains(screen(m2), "我的案件") {
		t.Fatal("a stopped PIN opened a new session")
	}
	_, cmd = m2.Update(kmsg("q"))
	if !isQuit(cmd) {
		t.Fatal("q does not end the session at a stopped lock")
	}
}

// An admin resets a PIN in :staff. A console of that person that is locked cannot be
// unlocked any more (nothing to check against): it says so and q ends it. The next
// login asks for a new PIN.
func TestStaffViewResetsPIN(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	if err := st.PutStaff(workflow.Staff{}, testAdmin); err != nil {
		t.Fatal(err)
	}
	if err := st.SetPIN(testSpecialist.Name, "2468"); err != nil {
		t.Fatal(err)
	}
	user := newLockModel(t, st, testSpecialist, "zh", clk)
	enterPIN(user, "2468")
	clk.t = clk.t.Add(20 * time.Minute)
	user.Update(tickMsg(clk.t))
	mustShow(t, user, "屏幕已锁定")

	admin := newTestModel(t, st, testAdmin, "zh", clk, 120, 40)
	press(admin, ":")
	typeText(admin, "staff")
	press(admin, "enter")
	mustShow(t, admin, "人员与公钥", "p 重置 PIN")
	for i := 0; i < len(staffOf(admin).list) && staffOf(admin).list[staffOf(admin).sel].Name != testSpecialist.Name; i++ {
		press(admin, "down")
	}
	if staffOf(admin).list[staffOf(admin).sel].Name != testSpecialist.Name {
		t.Fatal("could not select wangfang")
	}
	press(admin, "p")
	mustShow(t, admin, "已重置 wangfang 的 PIN")
	if set, _ := st.HasPIN(testSpecialist.Name); set {
		t.Fatal("the PIN is still set after the reset")
	}

	// The locked console learns of it through the change feed.
	for {
		select {
		case ch := <-user.sub:
			user.Update(changeMsg{ch: ch, ok: true})
			continue
		default:
		}
		break
	}
	mustShow(t, user, "未设置 PIN")
	enterPIN(user, "2468")
	if pinOf(user) == nil {
		t.Fatal("the lock opened without a PIN to check")
	}
	_, cmd := user.Update(kmsg("q"))
	if !isQuit(cmd) {
		t.Fatal("q does not end the session at a lock without a PIN")
	}

	next := newLockModel(t, st, testSpecialist, "zh", clk)
	mustShow(t, next, "设置解锁 PIN")

	// A non-admin cannot reset (the store refuses; :staff is closed to them anyway).
	if err := st.ResetPIN(testSupervisor, testSpecialist2.Name); err == nil {
		t.Fatal("a supervisor reset a PIN")
	}
}

// A console that never locks has nothing for a PIN to unlock and does not ask for one.
func TestNoIdleLockNoPIN(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 100, 30)
	mustShow(t, m, "我的案件")
}
