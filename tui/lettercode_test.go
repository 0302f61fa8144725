package tui

import (
	"strings"
	"testing"
	"time"

	"repairdesk/workflow"
)

// The letters tab shows each letter's verification code (核验码) under it, in the
// console's language, as the printed letter carries it: a specialist reads it out to an
// enterprise that calls to check a letter.
func TestLettersTabShowsTheCode(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
		st := newTestStore(t, clk)
		in := testIntake("河南信修信用管理有限公司", "91110000600037341L")
		in.Owner = testSpecialist.Name
		c, err := st.Create(testSpecialist, in, "")
		if err != nil {
			t.Fatal(err)
		}
		if c, err = st.Apply(c.ID, c.Version, testSpecialist, workflow.Action{Kind: workflow.ActRequestMaterials}); err != nil {
			t.Fatal(err)
		}
		evs, err := st.Events(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		code := ""
		for _, ev := range evs {
			for _, l := range ev.Letters() {
				code = l.Code
			}
		}
		if code == "" {
			t.Fatal("the notice carries no code")
		}
		m := newTestModel(t, st, testSpecialist, lang, clk, 120, 40)
		openCase(m, c.No)
		press(m, "5")
		want := map[string]string{"zh": "核验码：" + code, "en": "Verification code: " + code}[lang]
		if s := screen(m); !strings.Contains(s, want) {
			t.Errorf("%s: the letters tab does not show %q:\n%s", lang, want, s)
		}
	}
}
