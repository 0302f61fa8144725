package tui

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"repairdesk/workflow"
)

// colourRenderer draws in 256 colours on a dark or a light background.
func colourRenderer(dark bool) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	r.SetHasDarkBackground(dark)
	return r
}

// TestGoldenProfiles: the queue and a case on a dark background, a light one, and a
// terminal without colour (vt100, screen, dumb), escapes and all.
func TestGoldenProfiles(t *testing.T) {
	profiles := []struct {
		name string
		r    func() *lipgloss.Renderer
	}{
		{"dark", func() *lipgloss.Renderer { return colourRenderer(true) }},
		{"light", func() *lipgloss.Renderer { return colourRenderer(false) }},
		{"nocolour", asciiRenderer},
	}
	for _, p := range profiles {
		t.Run("zh-120x40-"+p.name, func(t *testing.T) {
			clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)}
			st := newTestStore(t, clk)
			goldenFill(t, st, clk)
			clk.t = time.Date(2026, 3, 6, 16, 0, 0, 0, workflow.ChinaTZ)
			m := newTestModelWith(t, Options{Store: st, Me: testSpecialist, Lang: "zh", Renderer: p.r(), Now: clk.now}, 120, 40)
			check := func(name string) {
				checkAligned(t, screen(m), 120, 40)
				t.Run(name, func(t *testing.T) { golden.RequireEqual(t, []byte(m.View())) })
			}
			check("queue")
			press(m, "enter")
			check("case")
		})
	}
}

// lookStore holds cases whose labels are the longest of their kind.
func lookModel(t *testing.T, lang string, w, h int, r *lipgloss.Renderer) *Model {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	for i, rt := range []string{"court_dishonest", "admin_penalty", "identity_error", "overdue_loan"} {
		clk.t = clk.t.Add(time.Hour)
		in := testIntake(fmt.Sprintf("河南省郑州市金水区某某信用管理咨询服务有限责任公司第%d分公司", i+1), "91110000600037341L")
		in.Records[0].Type = rt
		if rt == "admin_penalty" {
			in.Records[0].Tier = "general"
		}
		if _, err := st.Create(testSpecialist, in, ""); err != nil {
			t.Fatal(err)
		}
	}
	if r == nil {
		r = asciiRenderer()
	}
	return newTestModelWith(t, Options{Store: st, Me: testSpecialist, Lang: lang, Renderer: r, Now: clk.now}, w, h)
}

// rowsOf is the queue's rows on screen (the lines holding a case number).
func rowsOf(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "XF-") {
			out = append(out, l)
		}
	}
	return out
}

func TestQueueColumnsFollowContent(t *testing.T) {
	for _, c := range []struct {
		lang       string
		w          int
		labels     []string
		enterprise bool // the long enterprise names fit whole
	}{
		// 200 columns: every label whole, and the enterprise name too (it has the rest).
		{"en", 200, []string{"Court dishonest listing", "Administrative penalty", "Wrong identity data", "Formal review", "Case no.", "Last change"}, true},
		{"zh", 200, []string{"失信被执行", "行政处罚", "身份信息错误", "形式审核", "最近变更"}, true},
		// 120 columns in English: the labels whole, the enterprise name cut.
		{"en", 120, []string{"Court dishonest listing", "Administrative penalty", "Wrong identity data", "Formal review", "Last change"}, false},
	} {
		t.Run(fmt.Sprintf("%s-%d", c.lang, c.w), func(t *testing.T) {
			m := lookModel(t, c.lang, c.w, 30, nil)
			press(m, "2") // all open
			s := screen(m)
			checkAligned(t, s, c.w, 30)
			for _, l := range c.labels {
				if !strings.Contains(s, l) {
					t.Errorf("%q is cut or missing:\n%s", l, s)
				}
			}
			rows := rowsOf(s)
			if len(rows) != 4 {
				t.Fatalf("%d rows, want 4:\n%s", len(rows), s)
			}
			for _, r := range rows {
				whole := strings.Contains(r, "有限责任公司第")
				if whole != c.enterprise {
					t.Errorf("enterprise name whole=%v, want %v: %q", whole, c.enterprise, r)
				}
				if strings.Count(r, "…") > 1 {
					t.Errorf("more than the enterprise name is cut: %q", r)
				}
			}
		})
	}
	// 80 columns: the enterprise name keeps its 20 cells; columns give way instead.
	m := lookModel(t, "en", 80, 24, nil)
	press(m, "2")
	s := screen(m)
	checkAligned(t, s, 80, 24)
	for _, r := range rowsOf(s) {
		if !strings.Contains(r, "河南省郑州市金水") {
			t.Errorf("enterprise name squeezed out at 80 columns: %q", r)
		}
	}
}

// TestSelectionWithoutColour: on a terminal without colour the selected row is marked
// by ▸, and the mark follows the cursor.
func TestSelectionWithoutColour(t *testing.T) {
	m := lookModel(t, "zh", 120, 30, nil)
	press(m, "2")
	marked := func() []int {
		var at []int
		for i, r := range rowsOf(screen(m)) {
			if strings.HasPrefix(r, "▸") {
				at = append(at, i)
			}
		}
		return at
	}
	if got := marked(); len(got) != 1 || got[0] != 0 {
		t.Fatalf("selected rows %v, want [0]:\n%s", got, screen(m))
	}
	press(m, "j", "j")
	if got := marked(); len(got) != 1 || got[0] != 2 {
		t.Fatalf("after j j: selected rows %v, want [2]:\n%s", got, screen(m))
	}
	// Marked with space: ● beside the cursor's ▸, and alone on the rows left behind.
	press(m, "k", "space")
	rows := rowsOf(screen(m))
	if !strings.HasPrefix(rows[1], " ●") || !strings.HasPrefix(rows[2], "▸ ") {
		t.Fatalf("marking: %q", rows)
	}
	press(m, "k")
	if rows := rowsOf(screen(m)); !strings.HasPrefix(rows[1], "▸●") {
		t.Fatalf("selected and marked: %q", rows)
	}
}

// TestStylesFollowBackground: the same screen draws in other colours on a light
// background than on a dark one, the text being the same.
func TestStylesFollowBackground(t *testing.T) {
	dark := lookModel(t, "zh", 120, 30, colourRenderer(true))
	light := lookModel(t, "zh", 120, 30, colourRenderer(false))
	if screen(dark) != screen(light) {
		t.Fatal("light and dark show different text")
	}
	if dark.View() == light.View() {
		t.Fatal("light and dark draw the same colours")
	}
	// The accent is the dark-background one only on the dark background.
	d := NewStyles(colourRenderer(true)).Title.Render("x")
	l := NewStyles(colourRenderer(false)).Title.Render("x")
	if d == l || !strings.Contains(d, "38;5;75") || !strings.Contains(l, "38;5;24") {
		t.Fatalf("title: dark %q light %q", d, l)
	}
}
