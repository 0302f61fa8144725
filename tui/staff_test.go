package tui

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"repairdesk/store"
	"repairdesk/workflow"
)

func TestAdminManagesStaffInConsole(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	admin := workflow.Staff{Name: "boss", Display: "刘主任", Role: workflow.RoleAdmin, Active: true}
	if err := st.PutStaff(workflow.Staff{}, admin); err != nil {
		t.Fatal(err)
	}
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	sshPub, _ := ssh.NewPublicKey(pub)
	keyLine := store.NormalKey(sshPub) + " zhou@desk"

	// A specialist is told they cannot.
	spec := newTestModel(t, st, testSpecialist, "zh", clk, 100, 30)
	press(spec, ":")
	typeText(spec, "staff")
	press(spec, "enter")
	mustShow(t, spec, "只有管理员可以管理人员")

	m := newTestModel(t, st, admin, "zh", clk, 100, 30)
	press(m, ":")
	typeText(m, "staff")
	press(m, "enter")
	mustShow(t, m, "人员与公钥", "wangfang")
	press(m, "n")
	typeText(m, "Zhou Min") // invalid login name: refused with a message, nothing saved
	press(m, "tab")
	mustShow(t, m, "登录名须为小写字母")
	press(m, "shift+tab")
	for range "Zhou Min" {
		press(m, "backspace")
	}
	typeText(m, "zhoumin")
	press(m, "tab")
	typeText(m, "周敏")
	press(m, "tab", "right", "tab") // role → supervisor
	typeText(m, keyLine)
	press(m, "ctrl+s")
	got, ok := st.Staff("zhoumin")
	if !ok || got.Role != workflow.RoleSupervisor || got.Display != "周敏" || len(got.Keys) != 1 {
		t.Fatalf("staff not added as typed: %+v\n%s", got, screen(m))
	}
	if who, ok := st.StaffByKey(sshPub); !ok || who.Name != "zhoumin" {
		t.Fatalf("key not registered: %+v %v", who, ok)
	}
	// Disable them: select the row and press d.
	for i := 0; i < 10 && staffOf(m).list[staffOf(m).sel].Name != "zhoumin"; i++ {
		press(m, "down")
	}
	press(m, "d", "y")
	if got, _ := st.Staff("zhoumin"); got.Active {
		t.Fatal("not disabled")
	}
	if _, ok := st.StaffByKey(sshPub); ok {
		t.Fatal("a disabled member's key still logs in")
	}
}

// An admin changes a deadline rule in the console (the server holds the database, so the
// command line cannot); the audit log shows it and the reveal of an ID number, with the
// reason; a specialist can do neither.
func TestAdminSLAAndAuditInConsole(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	admin := workflow.Staff{Name: "boss", Display: "刘主任", Role: workflow.RoleAdmin, Active: true}
	st.PutStaff(workflow.Staff{}, admin)
	cs, err := st.Create(testSpecialist, testIntake("河南信修信用管理有限公司", "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	spec := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	openCase(spec, cs.No)
	press(spec, "v")
	typeText(spec, "核对授权委托书")
	press(spec, "enter")
	mustShow(t, spec, "11010519491231002X")
	press(spec, "esc", ":")
	typeText(spec, "sla investigating 15")
	press(spec, "enter")
	mustShow(t, spec, "只有管理员可以修改期限规则")

	m := newTestModel(t, st, admin, "zh", clk, 120, 40)
	press(m, ":")
	typeText(m, "sla investigating 15 court_dishonest")
	press(m, "enter")
	mustShow(t, m, "已将调查核实时限改为 15 天")
	if l, _ := st.Settings().SLA.StageLimit(workflow.StageInvestigating, "court_dishonest"); l.Days != 15 {
		t.Fatalf("limit not saved: %+v", l)
	}
	if l, _ := st.Settings().SLA.StageLimit(workflow.StageInvestigating, "overdue_loan"); l.Days != 10 {
		t.Fatalf("other record types changed: %+v", l)
	}
	press(m, ":")
	typeText(m, "sla closed 3")
	press(m, "enter")
	mustShow(t, m, "不是有机构时限的阶段")
	press(m, ":")
	typeText(m, "audit")
	press(m, "enter")
	mustShow(t, m, "操作日志", "查看证件号", "核对授权委托书", "设置变更")
}

// A pasted key is validated and its fingerprint shown; x removes the chosen key; disabling
// someone and removing their last key ask first, naming them and saying their sessions
// end; n keeps everything; enabling does not ask.
func TestStaffKeysAndDisableAskFirst(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	admin := workflow.Staff{Name: "boss", Display: "刘主任", Role: workflow.RoleAdmin, Active: true}
	if err := st.PutStaff(workflow.Staff{}, admin); err != nil {
		t.Fatal(err)
	}
	newKey := func() (ssh.PublicKey, string) {
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		k, _ := ssh.NewPublicKey(pub)
		return k, store.NormalKey(k)
	}
	k1, line1 := newKey()
	k2, line2 := newKey()
	zhou := workflow.Staff{Name: "zhoumin", Display: "周敏", Role: workflow.RoleSpecialist, Active: true, Keys: []string{line1}}
	if err := st.PutStaff(admin, zhou); err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, admin, "en", clk, 120, 30)
	press(m, ":")
	typeText(m, "staff")
	press(m, "enter")
	for i := 0; i < 10 && staffOf(m).list[staffOf(m).sel].Name != "zhoumin"; i++ {
		press(m, "down")
	}

	// Add a key by pasting its line: a broken one is refused, a good one shows its fingerprint.
	press(m, "a")
	typeText(m, "ssh-ed25519 AAAAnotakey")
	press(m, "ctrl+s")
	mustShow(t, m, "Not an OpenSSH public key")
	if got, _ := st.Staff("zhoumin"); len(got.Keys) != 1 {
		t.Fatalf("a broken key was saved: %+v", got.Keys)
	}
	for range "ssh-ed25519 AAAAnotakey" {
		press(m, "backspace")
	}
	typeText(m, line2+" zhou@laptop")
	press(m, "tab")
	mustShow(t, m, "key fingerprint "+ssh.FingerprintSHA256(k2))
	press(m, "ctrl+s")
	if got, _ := st.Staff("zhoumin"); len(got.Keys) != 2 {
		t.Fatalf("key not added: %+v\n%s", got.Keys, screen(m))
	}

	// Remove the chosen key (the second): no question, the other key stays.
	press(m, "right", "x")
	mustShow(t, m, "Removed zhoumin's key "+ssh.FingerprintSHA256(k2))
	if got, _ := st.Staff("zhoumin"); len(got.Keys) != 1 || got.Keys[0] != line1 {
		t.Fatalf("wrong key removed: %+v", got.Keys)
	}

	// The last key: asked first, naming them; n keeps it, y removes it.
	press(m, "x")
	mustShow(t, m, "Remove the last key of zhoumin (周敏)", "sessions end now")
	press(m, "n")
	if got, _ := st.Staff("zhoumin"); len(got.Keys) != 1 {
		t.Fatal("n removed the key")
	}
	press(m, "x", "y")
	if got, _ := st.Staff("zhoumin"); len(got.Keys) != 0 {
		t.Fatal("y did not remove the last key")
	}
	if _, ok := st.StaffByKey(k1); ok {
		t.Fatal("a removed key still logs in")
	}

	// Disable: asked first, naming them; n keeps them active, y disables; enable asks nothing.
	press(m, "d")
	mustShow(t, m, "Disable zhoumin (周敏)?", "sessions end now")
	press(m, "n")
	if got, _ := st.Staff("zhoumin"); !got.Active {
		t.Fatal("n disabled them")
	}
	press(m, "d", "y")
	if got, _ := st.Staff("zhoumin"); got.Active {
		t.Fatal("y did not disable them")
	}
	mustShow(t, m, "Disabled zhoumin")
	press(m, "d")
	if got, _ := st.Staff("zhoumin"); !got.Active {
		t.Fatal("enable asked or failed")
	}
	mustShow(t, m, "Enabled zhoumin")
}
