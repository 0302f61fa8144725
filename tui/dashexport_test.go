package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"repairdesk/workflow"
)

// e on the dashboard writes the results table of the period shown, as CSV and Markdown,
// into the person's exports folder; on the server the status line gives the exact scp
// command that fetches it, as e on a letter does.
func TestDashboardExportsResultsTable(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 20, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	if _, err := st.Create(testSpecialist, testIntake("河南信修信用管理有限公司", "91110000600037341L"), ""); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "exports", testSupervisor.Name)
	fetch := func(f string) string { return "scp -P 24014 desk.example:exports/" + f + " ." }
	m := newTestModelWith(t, Options{Store: st, Me: testSupervisor, Lang: "zh", Renderer: asciiRenderer(), Now: clk.now,
		ExportDir: dir, ExportFetch: fetch}, 120, 40)
	press(m, ":")
	typeText(m, "dash")
	press(m, "enter")
	mustShow(t, m, "受理申请", "e 导出结果表")
	press(m, "e")
	want := "scp -P 24014 desk.example:exports/results-2026-01-01--2026-03-31-20260320-100000.csv ."
	if m.statusErr || !strings.Contains(m.status, want) || !strings.Contains(m.status, "results-2026-01-01--2026-03-31-20260320-100000.md") {
		t.Fatalf("status after e: %q", m.status)
	}
	mustShow(t, m, "已导出结果表；在自己电脑上取回：scp -P 24014")
	csv, err := os.ReadFile(filepath.Join(dir, "results-2026-01-01--2026-03-31-20260320-100000.csv"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(csv)
	if !strings.HasPrefix(s, "\ufeff") || !strings.Contains(s, "2026年第1季度") || !strings.Contains(s, "受理申请,1,") ||
		!strings.Contains(s, "王芳") {
		t.Fatalf("the CSV:\n%s", s)
	}
	md, err := os.ReadFile(filepath.Join(dir, "results-2026-01-01--2026-03-31-20260320-100000.md"))
	if err != nil || !strings.Contains(string(md), "| 受理申请 | 1 笔 |") {
		t.Fatalf("the Markdown (%v):\n%s", err, md)
	}
	// A second e in the same second never overwrites: it says why.
	press(m, "e")
	if !m.statusErr {
		t.Fatalf("a second export over the first: %q", m.status)
	}
	// Another period: another file.
	clk.t = clk.t.Add(time.Second)
	press(m, "right", "e")
	if m.statusErr || !strings.Contains(m.status, "results-2026-01-01--2026-12-31-20260320-100001.csv") {
		t.Fatalf("the year: %q", m.status)
	}

	// A console with no export directory says so.
	m2 := newTestModel(t, st, testSupervisor, "en", clk, 120, 40)
	press(m2, ":")
	typeText(m2, "dash")
	press(m2, "enter", "e")
	if !m2.statusErr || m2.status != "No export directory is set" {
		t.Fatalf("no export dir: %q", m2.status)
	}
}
