package tui

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"repairdesk/internal/msg/msgtest"
	"repairdesk/store"
	"repairdesk/workflow"
)

// langSweep drives consoles in one language and collects what msgtest finds on every
// screen it passes.
type langSweep struct {
	t     *testing.T
	lang  string
	data  []string
	found map[string]bool
}

func (s *langSweep) look(m *Model, where string) {
	s.t.Helper()
	for _, p := range msgtest.Problems(s.lang, screen(m), s.data...) {
		if k := where + ": " + p; !s.found[k] {
			s.found[k] = true
			s.t.Errorf("%s (%s) %s", where, s.lang, p)
		}
	}
}

// keys presses each key and looks at the screen after it.
func (s *langSweep) keys(m *Model, where string, keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		press(m, k)
		s.look(m, where+" "+k)
	}
}

// command runs a ':' command and looks at the result.
func (s *langSweep) command(m *Model, line string) {
	s.t.Helper()
	press(m, ":")
	typeText(m, line)
	s.look(m, ":"+line+" (typing)")
	press(m, "enter")
	s.look(m, ":"+line)
}

// storeData is everything the test put into the store, as it may show in either language.
func storeData(t *testing.T, st *store.Store) []string {
	t.Helper()
	cs, err := st.AllCases()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		evs, _ := st.Events(c.ID)
		j, _ := json.Marshal([]any{c, evs})
		out = append(out, string(j))
	}
	j, _ := json.Marshal(st.ListStaff())
	return append(append(out, string(j)), commandNames...)
}

// TestEveryScreenSpeaksOneLanguage drives the console in Chinese and in English through
// the queues and their tabs, search, a case and its tabs, the action menu with its refusals,
// forms with bad input, the intake form, the command palette with bad commands and a bad
// period, the dashboard, staff, audit and help screens, and the PIN screens; on every screen
// it fails on an English sentence in Chinese, Chinese in English (other than the data), or
// a raw catalogue key.
func TestEveryScreenSpeaksOneLanguage(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
			st := newTestStore(t, clk)
			admin := workflow.Staff{Name: "boss", Display: "刘主任", Role: workflow.RoleAdmin, Active: true}
			if err := st.PutStaff(workflow.Staff{}, admin); err != nil {
				t.Fatal(err)
			}
			in := testIntake("河南信修信用管理有限公司", "91110000600037341L")
			in.Owner = testSpecialist.Name
			c1, err := st.Create(testSpecialist, in, "")
			if err != nil {
				t.Fatal(err)
			}
			// A notice naming one item: "1 item in one notice".
			for _, mt := range c1.Materials[1:] {
				if c1, err = st.Apply(c1.ID, c1.Version, testSpecialist, workflow.Action{Kind: workflow.ActUpdateMaterial,
					Material: &workflow.MaterialUpdate{Key: mt.Key, Received: true, Valid: true}}); err != nil {
					t.Fatal(err)
				}
			}
			if c1, err = st.Apply(c1.ID, c1.Version, testSpecialist, workflow.Action{Kind: workflow.ActRequestMaterials}); err != nil {
				t.Fatal(err)
			}
			in2 := testIntake("洛阳宏达物流有限公司", "91512081MA62K0260E")
			in2.Owner = testSpecialist.Name
			c2, err := st.Create(testSpecialist, in2, "")
			if err != nil {
				t.Fatal(err)
			}
			s := &langSweep{t: t, lang: lang, data: append(storeData(t, st), "XYZ不存在", "某"), found: map[string]bool{}}

			spec := newTestModel(t, st, testSpecialist, lang, clk, 120, 40)
			s.look(spec, "queue")
			s.keys(spec, "queue tabs", "tab", "tab", "tab", "tab", "tab")
			s.keys(spec, "help", "?")
			s.keys(spec, "help closed", "esc")
			s.keys(spec, "search", "/")
			typeText(spec, "XYZ不存在")
			s.look(spec, "search with no match")
			s.keys(spec, "search closed", "esc")

			openCase(spec, c1.No)
			s.look(spec, "case "+c1.No)
			var seen strings.Builder
			for i := 0; i < 5; i++ {
				s.keys(spec, "case tab", "tab")
				seen.WriteString(screen(spec))
			}
			// Plurals and measure words: one missing item in the notice.
			if want := map[string]string{"zh": "一次性告知 1 项", "en": "1 item in one notice"}[lang]; !strings.Contains(seen.String(), want) {
				t.Errorf("the history does not say %q", want)
			}
			s.keys(spec, "action menu", "a")
			for i := 0; i < 20; i++ {
				s.keys(spec, "action menu", "down")
			}
			s.keys(spec, "action menu closed", "esc")

			openCase(spec, c2.No)
			s.look(spec, "case "+c2.No)
			chooseAction(t, spec, workflow.ActComment)
			s.look(spec, "comment form")
			s.keys(spec, "comment form empty", "ctrl+s")
			s.keys(spec, "comment form leave", "esc")
			s.keys(spec, "comment form leave", "y")

			s.keys(spec, "back to queue", "esc")
			s.keys(spec, "intake", "n")
			typeText(spec, "某")
			press(spec, "tab")
			typeText(spec, "91110000600037341O")
			press(spec, "tab")
			s.look(spec, "intake bad credit code")
			s.keys(spec, "intake save", "ctrl+s")
			s.keys(spec, "intake leave", "esc", "y")

			for _, line := range []string{"bogus", "open XF-2099-999999", "dash", "staff", "sla", "audit", "tab nowhere", "help"} {
				s.command(spec, line)
				press(spec, "esc")
			}

			sup := newTestModel(t, st, testSupervisor, lang, clk, 120, 40)
			s.look(sup, "supervisor queue")
			s.command(sup, "dash")
			s.keys(sup, "dashboard", "q", "y", "m", "[", "]")
			press(sup, "esc")
			s.command(sup, "dash 2026-13")
			press(sup, "esc")
			s.command(sup, "dash 2026-Q5")
			press(sup, "esc")
			s.command(sup, "dash whenever")
			press(sup, "esc")
			s.command(sup, "reassign nobody")

			adm := newTestModel(t, st, admin, lang, clk, 120, 40)
			s.command(adm, "staff")
			if want := map[string]string{"zh": "0 个公钥", "en": "0 keys"}[lang]; !strings.Contains(screen(adm), want) {
				t.Errorf("the staff list does not say %q:\n%s", want, screen(adm))
			}
			s.keys(adm, "staff", "down", "n")
			press(adm, "enter")
			s.look(adm, "new staff member, empty")
			s.keys(adm, "staff", "esc", "esc")
			s.command(adm, "sla")
			s.command(adm, "sla closed 0")
			s.command(adm, "sla investigating many")
			s.command(adm, "audit")
			press(adm, "esc")

			aud := newTestModel(t, st, testAuditor, lang, clk, 120, 40)
			s.look(aud, "auditor queue")
			openCase(aud, c1.No)
			s.keys(aud, "auditor case", "a")

			// PIN: the first login chooses one; then a wrong one.
			pin := newLockModel(t, st, testSpecialist2, lang, clk)
			s.look(pin, "PIN setup")
			typeText(pin, "12")
			s.keys(pin, "PIN too short", "enter")
			typeText(pin, "x")
			s.look(pin, "PIN letter")
			if err := st.SetPIN(testSpecialist.Name, "97531"); err != nil {
				t.Fatal(err)
			}
			lock := newLockModel(t, st, testSpecialist, lang, clk)
			s.look(lock, "PIN login")
			typeText(lock, "1111")
			s.keys(lock, "PIN wrong", "enter")
		})
	}
}
