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
	if m.cv == nil || m.cv.id != cs[2].ID {
		t.Fatalf("enter on %s did not open it:\n%s", cs[2].No, screen(m))
	}
	mustShow(t, m, cs[2].No, "新乡市宏达物流有限公司")
	press(m, "esc", "esc")

	press(m, "/")
	typeText(m, "9131000063159284XQ") // 张敏's enterprise
	press(m, "enter")
	if m.cv == nil || m.cv.id != cs[3].ID {
		t.Fatalf("enter on a credit code did not open its case:\n%s", screen(m))
	}
	press(m, "esc", "esc")

	// A part of a number is a search, not a jump.
	press(m, "/")
	typeText(m, "XF-2026")
	press(m, "enter")
	if m.cv != nil {
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
