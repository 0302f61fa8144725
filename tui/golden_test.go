package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"repairdesk/store"
	"repairdesk/workflow"
)

// goldenStore holds cases whose names mix Chinese, Latin, digits, full-width punctuation
// and emoji, at several stages.
func goldenFill(t *testing.T, st *store.Store, clk *clock) {
	t.Helper()
	names := []struct{ name, code string }{
		{"河南信修信用管理有限公司", "91110000600037341L"},
		{"ABC科技（深圳）有限公司😀", "91512081MA62K0260E"},
		{"上海Ｆｕｌｌ宽度贸易有限公司：第2分公司", "9131000063159284XQ"},
		{"郑州\x1b[31m红字\x1b[0m商贸有限公司", "91110000600037341L"},
	}
	for i, n := range names {
		clk.t = clk.t.Add(time.Hour)
		cs, err := st.Create(testSpecialist, testIntake(n.name, n.code), "")
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 { // one at review
			for _, m := range cs.Materials {
				cs, err = st.Apply(cs.ID, cs.Version, testSpecialist, workflow.Action{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: m.Key, Received: true, Valid: true}})
				if err != nil {
					t.Fatal(err)
				}
			}
			for _, a := range []workflow.Action{
				{Kind: workflow.ActAccept},
				{Kind: workflow.ActAddFinding, Finding: &workflow.Finding{Checked: "核对还款流水", Contact: "bank", Method: "letter", Result: "confirmed_wrong"}},
				{Kind: workflow.ActProposeRepair, Proposal: &workflow.Proposal{Conclusion: "确属错误"}},
			} {
				if cs, err = st.Apply(cs.ID, cs.Version, testSpecialist, a); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

func TestGoldenScreens(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		for _, size := range [][2]int{{80, 24}, {120, 40}} {
			t.Run(fmt.Sprintf("%s-%dx%d", lang, size[0], size[1]), func(t *testing.T) {
				clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)}
				st := newTestStore(t, clk)
				goldenFill(t, st, clk)
				clk.t = time.Date(2026, 3, 6, 16, 0, 0, 0, workflow.ChinaTZ)
				m := newTestModel(t, st, testSpecialist, lang, clk, size[0], size[1])
				check := func(screenName string) {
					s := screen(m)
					checkAligned(t, s, size[0], size[1])
					if strings.Contains(s, "[") && strings.Contains(s, ".") && strings.Contains(s, "]") {
						for _, line := range strings.Split(s, "\n") {
							if i := strings.Index(line, "["); i >= 0 {
								if j := strings.Index(line[i:], "]"); j > 0 && strings.Count(line[i:i+j], ".") > 0 && !strings.ContainsAny(line[i:i+j], " ：") {
									t.Errorf("%s shows a raw catalogue key: %s", screenName, line)
								}
							}
						}
					}
					// testdata/TestGoldenScreens/<lang>-<size>/<screen>.golden; -update rewrites it.
					t.Run(screenName, func(t *testing.T) { golden.RequireEqual(t, []byte(s)) })
				}
				check("queue")
				press(m, "2")
				check("open")
				press(m, "enter")
				check("case")
				press(m, "2")
				check("materials")
				press(m, "a")
				check("actions")
				press(m, "esc", "esc", "n")
				check("intake")
				press(m, "esc", "?")
				check("help")
				// The preview of a one-time notice on the case at formal review (issue 16).
				press(m, "esc", ":")
				typeText(m, "open 1")
				press(m, "enter", "a", "down", "down", "enter", "ctrl+s")
				check("preview")
			})
		}
	}
}

// checkAligned: every line is exactly the terminal's width and there are exactly h lines,
// so wide characters never push a column out of line.
func checkAligned(t *testing.T, s string, w, h int) {
	t.Helper()
	lines := strings.Split(s, "\n")
	if len(lines) != h {
		t.Errorf("%d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if width(l) > w {
			t.Errorf("line %d is %d cells wide (> %d): %q", i, width(l), w, l)
		}
	}
}
