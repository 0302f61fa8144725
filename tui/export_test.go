package tui

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/workflow"
)

// The console's export of marked cases neutralises cells a spreadsheet would run as
// formulas: enterprise names and owners' names, plain, full-width or behind a zero-width
// character.
func TestExportMarkedNeutralisesFormulas(t *testing.T) {
	attacks := []string{"=1+1", "+cmd|' /C calc'!A0", "@SUM(1,1)", "-1+1", "＝1+1", "＋1", "－1", "＠SUM(1,1)",
		"\u200b=1+1", "\ufeff@SUM(1,1)", "\u2060+1"}
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	for i, a := range attacks {
		who := workflow.Staff{Name: fmt.Sprintf("s%d", i), Display: a, Role: workflow.RoleSpecialist, Active: true}
		if err := st.PutStaff(workflow.Staff{}, who); err != nil {
			t.Fatal(err)
		}
		in := testIntake(a, "91110000600037341L")
		in.Owner = who.Name
		if _, err := st.Create(who, in, ""); err != nil {
			t.Fatalf("%q: %v", a, err)
		}
	}
	dir := t.TempDir()
	m := New(Options{Store: st, Me: testSupervisor, Lang: "zh", Renderer: asciiRenderer(), Now: clk.now, ExportDir: dir})
	m.manualFeed = true
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	press(m, "2")
	for range attacks {
		press(m, "space")
	}
	mustShow(t, m, fmt.Sprintf("已选 %d 件", len(attacks)))
	press(m, "e")
	mustShow(t, m, "已导出")
	files, _ := filepath.Glob(filepath.Join(dir, "cases-*.csv"))
	if len(files) != 1 {
		t.Fatalf("export files: %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if !strings.HasPrefix(string(b), "\ufeff") {
		t.Error("no BOM")
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(attacks)+1 {
		t.Fatalf("%d rows, want %d:\n%s", len(recs), len(attacks)+1, b)
	}
	quoted := 0
	for _, rec := range recs {
		for _, c := range rec {
			if formulaCell(c) {
				t.Errorf("formula cell %q", c)
			}
			if strings.HasPrefix(c, "'") {
				quoted++
			}
		}
	}
	if quoted != 2*len(attacks) { // the enterprise and the owner of each row
		t.Errorf("%d cells neutralised, want %d:\n%s", quoted, 2*len(attacks), b)
	}
}

// formulaCell: after zero-width characters and spaces, = + - @ (ASCII or full-width), tab or CR.
func formulaCell(c string) bool {
	for c != "" {
		r, n := utf8.DecodeRuneInString(c)
		switch r {
		case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', ' ', '\u3000', '\u00a0':
			c = c[n:]
			continue
		}
		return strings.ContainsRune("=+-@\t\r＝＋－＠", r)
	}
	return false
}
