package tui

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"repairdesk/internal/office"
	"repairdesk/store"
	"repairdesk/workflow"
)

var (
	dashSpecialist = workflow.Staff{Name: "wangfang", Display: "王芳", Role: workflow.RoleSpecialist, Active: true}
	dashSupervisor = workflow.Staff{Name: "chenjing", Display: "陈静", Role: workflow.RoleSupervisor, Active: true}
)

// dashFill opens a store on a fixed clock and takes in n cases in March 2026, one a day
// from 2 March; the first gets a materials notice.
func dashFill(t *testing.T, n int) (*store.Store, *time.Time) {
	t.Helper()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)
	st, err := store.Open(filepath.Join(t.TempDir(), "d.db"), store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, s := range []workflow.Staff{dashSpecialist, dashSupervisor} {
		if err := st.PutStaff(workflow.Staff{}, s); err != nil {
			t.Fatal(err)
		}
	}
	codes := []string{"91110000600037341L", "91512081MA62K0260E", "9131000063159284XQ"}
	for i := 0; i < n; i++ {
		in := workflow.Intake{
			Enterprise: workflow.Enterprise{Name: "河南信修信用管理有限公司", CreditCode: codes[i%len(codes)], LegalRep: "张建国"},
			Agent:      workflow.Agent{Name: "王桂英", Phone: "13812345678", IDNumber: "11010519491231002X"},
			Records: []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行郑州分行", Date: "2025-03-01",
				Problem: "non_malicious_overdue"}},
			Owner:      dashSpecialist.Name,
			ReceivedAt: now.AddDate(0, 0, i),
		}
		c, err := st.Create(dashSpecialist, in, "")
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, err := st.Apply(c.ID, c.Version, dashSpecialist, workflow.Action{Kind: workflow.ActRequestMaterials}); err != nil {
				t.Fatal(err)
			}
		}
	}
	now = time.Date(2026, 3, 20, 16, 0, 0, 0, workflow.ChinaTZ)
	return st, &now
}

// dashCommon is a session without a Model, as the brief for tests describes.
func dashCommon(st *store.Store, me workflow.Staff, lang string, now *time.Time) *Common {
	c := &Common{Store: st, Me: me, Lang: lang, R: lipgloss.NewRenderer(io.Discard),
		Styles: NewStyles(lipgloss.NewRenderer(io.Discard)), Keys: NewKeyMap(lang),
		Now: func() time.Time { return *now }, Width: 80, Height: 24}
	c.loadStaff()
	return c
}

// dashRun runs a command as the runtime would and feeds its message back.
func dashRun(t *testing.T, d *dashboard, cmd tea.Cmd) {
	t.Helper()
	for cmd != nil {
		msg := cmd()
		if msg == nil {
			return
		}
		cmd = d.Update(msg)
	}
}

func dashKey(d *dashboard, t *testing.T, keys ...string) {
	t.Helper()
	for _, k := range keys {
		var km tea.KeyMsg
		switch k {
		case "left":
			km = tea.KeyMsg{Type: tea.KeyLeft}
		case "right":
			km = tea.KeyMsg{Type: tea.KeyRight}
		default:
			km = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		dashRun(t, d, d.Update(km))
	}
}

// dashScreen draws and checks the frame: h lines, none wider than w.
func dashScreen(t *testing.T, d *dashboard, w, h int) string {
	t.Helper()
	s := ansi.Strip(d.View(w, h))
	lines := strings.Split(s, "\n")
	if len(lines) != h {
		t.Errorf("%dx%d: %d lines", w, h, len(lines))
	}
	for i, l := range lines {
		if width(l) > w {
			t.Errorf("%dx%d: line %d is %d cells wide: %q", w, h, i+1, width(l), l)
		}
	}
	if strings.Contains(s, "[dash.") || strings.Contains(s, "[res.") {
		t.Errorf("a raw catalogue key on screen:\n%s", s)
	}
	return s
}

// figure finds the line of a results label and returns what follows the label.
func figure(t *testing.T, screen, label string) string {
	t.Helper()
	for _, l := range strings.Split(screen, "\n") {
		if i := strings.Index(l, label); i >= 0 {
			rest := strings.Fields(l[i+len(label):])
			if len(rest) > 0 {
				return rest[0]
			}
		}
	}
	t.Fatalf("no %q on screen:\n%s", label, screen)
	return ""
}

func TestDashboardView80x24(t *testing.T) {
	st, now := dashFill(t, 3)
	d, cmd := newDashboard(dashCommon(st, dashSupervisor, "zh", now))
	if cmd == nil {
		t.Fatal("the dashboard should load its data in a command")
	}
	s := dashScreen(t, d, 80, 24)
	if !strings.Contains(s, "载入") {
		t.Errorf("while loading the screen should say so:\n%s", s)
	}
	dashRun(t, d, cmd)
	s = dashScreen(t, d, 80, 24)
	t.Logf("\n%s", s)
	for _, want := range []string{"统计看板", "2026年第1季度", "2026-01-01..2026-03-31", "成效指标", "各阶段平均用时", "每位专员工作量", "王芳", "每周受理与办结"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	if got := figure(t, s, "受理申请"); got != "3" {
		t.Errorf("received shows %q, want 3", got)
	}
	if got := figure(t, s, "在办件数"); got != "3" {
		t.Errorf("open shows %q, want 3", got)
	}
	if got := figure(t, s, "修复成功率"); got != "—" {
		t.Errorf("with nothing decided the success rate is —, got %q", got)
	}
	if !strings.ContainsAny(s, "▁▂▃▄▅▆▇█") {
		t.Errorf("no bars in the weekly chart:\n%s", s)
	}
}

func TestDashboardPeriods(t *testing.T) {
	st, now := dashFill(t, 3)
	d, cmd := newDashboard(dashCommon(st, dashSupervisor, "zh", now))
	dashRun(t, d, cmd)

	dashKey(d, t, "left") // quarter → month
	s := dashScreen(t, d, 80, 24)
	if !strings.Contains(s, "2026年3月") || figure(t, s, "受理申请") != "3" {
		t.Errorf("month view:\n%s", s)
	}
	dashKey(d, t, "left") // already the shortest: stays
	if d.kind != workflow.PeriodMonth {
		t.Errorf("left at month should stay at month")
	}
	dashKey(d, t, ",") // February
	s = dashScreen(t, d, 80, 24)
	if !strings.Contains(s, "2026年2月") || figure(t, s, "受理申请") != "0" {
		t.Errorf("previous month:\n%s", s)
	}
	dashKey(d, t, "]", "]") // year
	s = dashScreen(t, d, 120, 40)
	t.Logf("\n%s", s)
	if !strings.Contains(s, "2026年") || figure(t, s, "受理申请") != "3" || !strings.Contains(s, "2026-01-01..2026-12-31") {
		t.Errorf("year view:\n%s", s)
	}
	dashKey(d, t, ".")
	s = dashScreen(t, d, 120, 40)
	if !strings.Contains(s, "2027年") || figure(t, s, "受理申请") != "0" {
		t.Errorf("next year:\n%s", s)
	}
	dashKey(d, t, "t", "[")
	s = dashScreen(t, d, 80, 24)
	if !strings.Contains(s, "2026年第1季度") || figure(t, s, "受理申请") != "3" {
		t.Errorf("back to this quarter:\n%s", s)
	}

	// A change in the store marks the figures stale; r reloads them.
	if _, err := st.Create(dashSpecialist, workflow.Intake{
		Enterprise: workflow.Enterprise{Name: "新企业有限公司", CreditCode: "91110000600037341L", LegalRep: "李四"},
		Agent:      workflow.Agent{Name: "赵六", Phone: "13812345678", IDNumber: "11010519491231002X"},
		Records:    []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "某银行", Date: "2025-03-01", Problem: "wrong_data"}},
	}, ""); err != nil {
		t.Fatal(err)
	}
	d.Update(changeMsg{ch: store.Change{Topic: "case"}, ok: true})
	s = dashScreen(t, d, 80, 24)
	if !strings.Contains(s, "新变更") || figure(t, s, "受理申请") != "3" {
		t.Errorf("stale data should be flagged and kept until r:\n%s", s)
	}
	dashKey(d, t, "r")
	s = dashScreen(t, d, 80, 24)
	if strings.Contains(s, "新变更") || figure(t, s, "受理申请") != "4" {
		t.Errorf("after r:\n%s", s)
	}
}

func TestDashboardSizesAndLanguages(t *testing.T) {
	st, now := dashFill(t, 3)
	if err := office.GenerateDemo(st, 120, 7); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh", "en"} {
		d, cmd := newDashboard(dashCommon(st, dashSupervisor, lang, now))
		dashRun(t, d, cmd)
		for _, kind := range []string{"", "left", "]"} { // quarter, month, quarter… then year below
			if kind != "" {
				dashKey(d, t, kind)
			}
			for _, size := range [][2]int{{80, 24}, {80, 22}, {120, 40}, {120, 38}, {100, 30}, {60, 20}} {
				s := dashScreen(t, d, size[0], size[1])
				if size == [2]int{80, 24} && lang == "en" && kind == "" {
					t.Logf("\n%s", s)
				}
			}
		}
		dashKey(d, t, "]")
		s := dashScreen(t, d, 80, 24)
		t.Logf("\n%s", s)
		s = dashScreen(t, d, 120, 40)
		t.Logf("\n%s", s)
	}
}

func TestDashboardDeniedToSpecialists(t *testing.T) {
	st, now := dashFill(t, 1)
	d, cmd := newDashboard(dashCommon(st, dashSpecialist, "zh", now))
	if cmd != nil {
		t.Error("a specialist's dashboard should load nothing")
	}
	s := dashScreen(t, d, 80, 24)
	if !strings.Contains(s, "仅供") || strings.Contains(s, "受理申请") {
		t.Errorf("specialist sees:\n%s", s)
	}
}

func TestDrawBars(t *testing.T) {
	plain := lipgloss.NewStyle()
	// top 8 over 2 rows: 16 eighths; 1 → 2 eighths (▂), 8 → full, 4 → the bottom row full.
	rows := drawBars([]barCol{{v: 0, w: 1, s: plain}, {v: 1, w: 1, s: plain}, {v: 8, w: 2, s: plain}, {v: -1, w: 1}, {v: 4, w: 1, s: plain}}, 8, 2)
	if got := ansi.Strip(rows[0]); got != "  ██  " {
		t.Errorf("top row %q", got)
	}
	if got := ansi.Strip(rows[1]); got != " ▂██ █" {
		t.Errorf("bottom row %q", got)
	}
}

// ":dash FROM..TO" shows a custom period; a bad one says what is accepted and keeps the
// default period.
func TestDashboardCustomPeriod(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 20, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	if _, err := st.Create(testSpecialist, testIntake("河南信修信用管理有限公司", "91110000600037341L"), ""); err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, testSupervisor, "zh", clk, 120, 40)
	press(m, ":")
	typeText(m, "dash 2026-03-01..2026-03-31")
	press(m, "enter")
	mustShow(t, m, "2026-03-01..2026-03-31", "受理申请")
	if dashOf(m).period.From.Day() != 1 || dashOf(m).period.From.Month() != 3 {
		t.Fatalf("period %v", dashOf(m).period)
	}
	press(m, "esc", ":")
	typeText(m, "dash 2026-13")
	press(m, "enter")
	if dashOf(m) == nil || dashOf(m).custom != "" || !m.statusErr {
		t.Fatalf("a bad period was not refused clearly: status %q", m.status)
	}
}

// TestDashboardDefinitionsAndGoal: under the results table the dashboard prints each
// figure's definition — the report's own (workflow.ResultDefinitions) — and beside the
// average handling days the baseline and target in force, which follow the setting.
func TestDashboardDefinitionsAndGoal(t *testing.T) {
	st, now := dashFill(t, 3)
	for _, lang := range []string{"zh", "en"} {
		d, cmd := newDashboard(dashCommon(st, dashSupervisor, lang, now))
		dashRun(t, d, cmd)
		s := dashScreen(t, d, 120, 40)
		want := []string{"指标定义", "基线 35 天 → 目标 15 天以内"}
		if lang == "en" {
			want = []string{"Definitions", "baseline 35 days → target at most 15"}
		}
		// Every definition's opening words, as report prints them.
		for _, def := range workflow.ResultDefinitions(lang) {
			want = append(want, string([]rune(def)[:12]))
		}
		for _, w := range want {
			if !strings.Contains(s, w) {
				t.Errorf("%s: the dashboard lacks %q:\n%s", lang, w, s)
			}
		}
		// The goal sits right under the average's line.
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			if strings.Contains(l, map[string]string{"zh": "平均办理天数¹", "en": "Average days¹"}[lang]) {
				if i+1 >= len(lines) || !strings.Contains(lines[i+1], map[string]string{"zh": "基线 35 天", "en": "baseline 35 days"}[lang]) {
					t.Errorf("%s: the goal is not beside the average:\n%s", lang, s)
				}
			}
		}
	}
	admin := workflow.Staff{Name: "root", Role: workflow.RoleAdmin, Active: true}
	if err := st.UpdateSettings(admin, func(s *store.Settings) error {
		s.SLA.Goal = workflow.HandlingGoal{Baseline: 30, Target: 12}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	d, cmd := newDashboard(dashCommon(st, dashSupervisor, "zh", now))
	dashRun(t, d, cmd)
	if s := dashScreen(t, d, 120, 40); !strings.Contains(s, "基线 30 天 → 目标 12 天以内") {
		t.Errorf("the goal does not follow the setting:\n%s", s)
	}
	// Too short for them all: the last line says where the rest are.
	if s := dashScreen(t, d, 80, 28); strings.Contains(s, "指标定义") && !strings.Contains(s, "修复成功率 =") {
		t.Errorf("the definitions' heading without the first definition:\n%s", s)
	}
}
