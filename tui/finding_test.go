package tui

import (
	"strings"
	"testing"
	"time"

	"repairdesk/workflow"
)

// findingStore: two cases of 王芳's (河南信修, 豫兴), one of 李军's (新乡宏达), one of 张敏's.
func findingStore(t *testing.T, clk *clock) (*Model, []workflow.Case) {
	t.Helper()
	st := newTestStore(t, clk)
	zhang := workflow.Staff{Name: "zhangmin", Display: "张敏", Role: workflow.RoleSpecialist, Active: true}
	if err := st.PutStaff(workflow.Staff{}, zhang); err != nil {
		t.Fatal(err)
	}
	var cs []workflow.Case
	for _, c := range []struct {
		who  workflow.Staff
		name string
		code string
	}{
		{testSpecialist, "河南信修商贸有限公司", "91410105MA44N6YJ0W"},
		{testSpecialist, "河南豫兴商贸有限公司", "91110000600037341L"},
		{testSpecialist2, "新乡市宏达物流有限公司", "91512081MA62K0260E"},
		{zhang, "洛阳恒通科技有限公司", "9131000063159284XQ"},
	} {
		x, err := st.Create(c.who, testIntake(c.name, c.code), "")
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, x)
	}
	return newTestModel(t, st, testSpecialist, "zh", clk, 120, 30), cs
}

// TestSearchCountsOtherQueuesAndWidens: "/" searches the current queue and says how many
// matches the other queues hold; tab widens the search to every case, and back.
func TestSearchCountsOtherQueuesAndWidens(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)}
	m, _ := findingStore(t, clk)
	// In 我的案件 (王芳's two), 宏达 is elsewhere: one match in 全部在办.
	press(m, "/")
	typeText(m, "hongda")
	mustShow(t, m, "0 条结果", "其他队列：全部在办 1", "tab 搜全部案件")
	if strings.Contains(screen(m), "新乡市宏达") {
		t.Fatalf("the search in 我的案件 shows another's case:\n%s", screen(m))
	}
	press(m, "tab")
	mustShow(t, m, "搜索全部案件：hongda", "1 条结果", "新乡市宏达物流有限公司", "tab 只搜本队列")
	press(m, "tab")
	mustShow(t, m, "搜索：hongda", "0 条结果")
	press(m, "esc")

	m.c.Lang = "en"
	press(m, "/")
	typeText(m, "shangmao")
	mustShow(t, m, "2 results", "elsewhere: All open 2")
}

// TestWholeNumberOpensFromAnyQueue: enter on a whole case number or credit code opens its
// case, whatever the queue shows.
func TestWholeNumberOpensFromAnyQueue(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)}
	m, cs := findingStore(t, clk)
	// 李军's case, from 我的案件 (王芳's): not in this queue.
	press(m, "/")
	typeText(m, strings.ToLower(cs[2].No))
	press(m, "enter")
	if cv := caseOf(m); cv == nil || cv.id != cs[2].ID {
		t.Fatalf("enter on %s did not open it:\n%s", cs[2].No, screen(m))
	}
	mustShow(t, m, cs[2].No, "新乡市宏达物流有限公司")
	press(m, "esc", "esc")

	press(m, "/")
	typeText(m, "9131000063159284XQ") // 张敏's enterprise
	press(m, "enter")
	if cv := caseOf(m); cv == nil || cv.id != cs[3].ID {
		t.Fatalf("enter on a credit code did not open its case:\n%s", screen(m))
	}
	press(m, "esc", "esc")

	// A part of a number is a search, not a jump.
	press(m, "/")
	typeText(m, "XF-2026")
	press(m, "enter")
	if caseOf(m) != nil {
		t.Fatal("enter on part of a case number opened a case")
	}
}

// TestSearchFindsStaff: a staff member's display name, login name or pinyin finds the
// cases they own.
func TestSearchFindsStaff(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)}
	m, _ := findingStore(t, clk)
	press(m, "2") // 全部在办
	for _, q := range []string{"张敏", "zhangmin", "zm", "zhangm"} {
		press(m, "/")
		typeText(m, q)
		mustShow(t, m, "洛阳恒通科技有限公司", "1 条结果")
		if s := screen(m); strings.Contains(s, "河南信修") || strings.Contains(s, "新乡市宏达") {
			t.Fatalf("%q shows cases that are not 张敏's:\n%s", q, s)
		}
		press(m, "esc")
	}
	press(m, "/")
	typeText(m, "李军")
	mustShow(t, m, "新乡市宏达物流有限公司", "1 条结果")
}

// TestReassignByName: :reassign takes a display name, a login name or pinyin (it failed
// on 张敏 with "张敏 不是在岗的办案人员"); a name that fits nobody says so, in the
// interface language, until the next key.
func TestReassignByName(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)}
	m, cs := findingStore(t, clk)
	m.c.Me = testSupervisor
	press(m, "2", "G") // 全部在办, the oldest: 河南信修 (王芳's)
	if sm := m.q.selected(); sm == nil || sm.ID != cs[0].ID {
		t.Fatalf("selected %v, want %s", sm, cs[0].No)
	}
	for _, arg := range []string{"张敏", "wangfang", "zm"} {
		press(m, ":")
		typeText(m, "reassign "+arg)
		press(m, "enter")
		// No case marked: the selected one, asked first and named (as marked cases are).
		mustShow(t, m, "将 "+cs[0].No+" 改派给 ")
		press(m, "y")
		deliver(m)
		if arg == "wangfang" {
			continue // back to 王芳, so that zm has something to move
		}
		sm, _ := m.c.Store.Snapshot().Get(cs[0].ID)
		if sm.Owner != "zhangmin" {
			t.Fatalf(":reassign %s: owner %q, status %q", arg, sm.Owner, m.status)
		}
	}
	press(m, ":")
	typeText(m, "reassign 赵六")
	press(m, "enter")
	mustShow(t, m, "没有叫 赵六 的工作人员")
	press(m, "j")
	if strings.Contains(screen(m), "赵六") {
		t.Fatalf("the error outlived the next key:\n%s", screen(m))
	}
	m.c.Lang = "en"
	press(m, ":")
	typeText(m, "reassign zhao")
	press(m, "enter")
	mustShow(t, m, "No staff member zhao")
	press(m, ":")
	typeText(m, "frobnicate")
	press(m, "enter")
	mustShow(t, m, `Unknown command "frobnicate"`)
}

// TestCommandLineCompletesAndRemembers: tab completes commands and names; up/down walk
// the session's history of commands.
func TestCommandLineCompletesAndRemembers(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)}
	m, _ := findingStore(t, clk)
	press(m, ":")
	typeText(m, "rea")
	press(m, "tab")
	typeText(m, "zh")
	press(m, "tab")
	mustShow(t, m, "命令：reassign zhangmin")
	press(m, "esc", ":")
	typeText(m, "reassign 张")
	press(m, "tab")
	mustShow(t, m, "命令：reassign 张敏")
	press(m, "esc", ":")
	typeText(m, "d")
	press(m, "tab") // dash only
	mustShow(t, m, "命令：dash")
	press(m, "esc", ":")
	typeText(m, "reassign ")
	press(m, "tab") // everyone who handles cases
	mustShow(t, m, "chenjing lijun wangfang zhangmin")
	press(m, "esc")

	for _, c := range []string{"tab open", "tab closed"} {
		press(m, ":")
		typeText(m, c)
		press(m, "enter")
	}
	if m.q.tab != tabClosed {
		t.Fatalf(":tab closed left the tab at %d", m.q.tab)
	}
	press(m, ":")
	typeText(m, "he")
	press(m, "up")
	mustShow(t, m, "命令：tab closed")
	press(m, "up")
	mustShow(t, m, "命令：tab open")
	press(m, "up") // the oldest stays
	mustShow(t, m, "命令：tab open")
	press(m, "down", "down")
	mustShow(t, m, "命令：he")
	press(m, "up", "up", "enter")
	if m.q.tab != tabOpen {
		t.Fatalf("the recalled :tab open left the tab at %d", m.q.tab)
	}
}
