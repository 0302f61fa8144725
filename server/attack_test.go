package server

import (
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"repairdesk/workflow"
)

// Terminal attacks entered as stored text (an enterprise name, a comment) and as the SSH
// user name never reach another person's terminal or the server log: no window title,
// no clipboard write, no hyperlink, no bidi override.
func TestServeAttackCorpusNeverReachesTheTerminal(t *testing.T) {
	o := newSrvOffice(t, nil)
	spec, key := o.hire("li", "李工", workflow.RoleSpecialist)
	attacks := []string{
		"\x1b]0;pwned-title\x07",
		"\x1b]52;c;cm0gLXJmIH4=\x07",
		"\x1b]8;;http://evil.example/\x1b\\点我\x1b]8;;\x1b\\",
		"\u202eevil\u202c",
		"\x9b31mC1red",
		"\x1bP+q544e\x1b\\",
		"\r覆盖",
	}
	in := workflow.Intake{
		Enterprise: workflow.Enterprise{Name: "北京" + strings.Join(attacks[:4], "") + "科技有限公司", CreditCode: "91110000600037341L", LegalRep: "张三"},
		Agent:      workflow.Agent{Name: "王五" + attacks[4], Phone: "13812345678", IDNumber: "11010519491231002X"},
		Records:    []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "某银行" + attacks[5], Date: "2025-03-01", Problem: "wrong_data"}},
	}
	cs, err := o.st.Create(spec, in, attacks[6])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.st.Apply(cs.ID, cs.Version, spec, workflow.Action{Kind: workflow.ActComment, Comment: strings.Join(attacks, " ")}); err != nil {
		t.Fatal(err)
	}
	cfg := o.config(gossh.PublicKeys(key))
	cfg.User = strings.Join(attacks, "")
	c, err := o.dial(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sc := o.console(c)
	sc.waitFor(0, "科技有限公司")
	sc.key("\r") // open the case
	sc.waitFor(0, "XF-")
	sc.key("4") // history, where the comment is
	sc.waitFor(0, "备注")
	sc.mu.Lock()
	raw := string(sc.raw)
	sc.mu.Unlock()
	for _, bad := range []string{"]0;pwned", "]52;", "]8;;", "\u202e", "\u202c", "\u009b", "\x9b31m", "\x1bP", "\r覆盖"} {
		if strings.Contains(raw, bad) {
			t.Errorf("the terminal received %q", bad)
		}
	}
	if strings.Contains(o.logs.String(), "\x1b") || strings.Contains(o.logs.String(), "\u202e") {
		t.Errorf("an escape sequence reached the server log:\n%q", o.logs.String())
	}
}
