package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"repairdesk/workflow"
)

func TestWrapChineseRules(t *testing.T) {
	s := "案件XF-2026-000123已于2026-03-10受理，经办人电话138****5678，身份证1101**********002X，请核对。逾期记录已结清、已核实。"
	for w := 8; w <= 60; w++ {
		lines := wrapText(s, w)
		joined := strings.Join(lines, "")
		if joined != s {
			t.Fatalf("w=%d: text changed: %q", w, joined)
		}
		for i, l := range lines {
			if width(l) > w {
				t.Fatalf("w=%d: line %q is %d cells", w, l, width(l))
			}
			if i > 0 && l != "" && strings.ContainsRune(workflow.NoLineStart, []rune(l)[0]) {
				t.Fatalf("w=%d: line %d starts with closing punctuation: %q", w, i, l)
			}
		}
		for _, tok := range []string{"XF-2026-000123", "2026-03-10", "138****5678", "1101**********002X"} {
			// (with the mark that follows it, which may not start the next line)
			if width(tok)+2 <= w && !strings.Contains(strings.Join(lines, "\n"), tok) {
				t.Fatalf("w=%d: %s was broken:\n%s", w, tok, strings.Join(lines, "\n"))
			}
		}
	}
	// A run wider than the line is cut, the only break left; opening marks stay with what follows.
	if got := wrapText("abcdefghij", 4); strings.Join(got, "|") != "abcd|efgh|ij" {
		t.Fatalf("long run: %q", got)
	}
	if got := wrapText("一二三「四五", 8); got[0] != "一二三" {
		t.Fatalf("opening mark ended a line: %q", got)
	}
	if got := wrapText("hello world", 7); strings.Join(got, "|") != "hello|world" {
		t.Fatalf("spaces: %q", got)
	}
}

// The tokens the old rules broke: a date in Chinese (between 年 and the month), an amount
// (after a thousands comma), a date in English and a phone written in groups (at their
// spaces), an em dash pair; and a closing mark after a token, which may not start a line.
func TestWrapKeepsTokensWhole(t *testing.T) {
	for _, tc := range []struct{ s, tok string }{
		{"本中心已于2026年12月6日收到贵单位的申请。", "2026年12月6日"},
		{"请于12月16日前补正。", "12月16日"},
		{"逾期金额为人民币1,250,000.00元，已结清。", "1,250,000.00"},
		{"The application was received on 6 December 2026 and registered.", "6 December 2026"},
		{"如有疑问，请致电 010 6688 1234 联系我们。", "010 6688 1234"},
		{"受理编号XF-2026-000012，核验码ABCDE-FGHIJ。", "XF-2026-000012"},
		{"受理编号XF-2026-000012，核验码ABCDE-FGHIJ。", "ABCDE-FGHIJ"},
		{"统一社会信用代码91110000600037341L。", "91110000600037341L"},
		{"经办人身份证号1101**********002X。", "1101**********002X"},
		{"说明——系银行原因。", "——"},
	} {
		for w := width(tc.tok) + 2; w <= width(tc.s)+2; w++ {
			lines := wrapText(tc.s, w)
			all := strings.Join(lines, "\n")
			if !strings.Contains(all, tc.tok) {
				t.Errorf("w=%d: %q was broken:\n%s", w, tc.tok, all)
				break
			}
			for i, l := range lines {
				if width(l) > w {
					t.Fatalf("w=%d: line %q is %d cells", w, l, width(l))
				}
				if i > 0 && l != "" && strings.ContainsRune(workflow.NoLineStart, []rune(l)[0]) {
					t.Fatalf("w=%d: line %d starts with a closing mark: %q", w, i, l)
				}
				if r := []rune(l); len(r) > 0 && i < len(lines)-1 && strings.ContainsRune(workflow.NoLineEnd, r[len(r)-1]) {
					t.Fatalf("w=%d: line %d ends with an opening mark: %q", w, i, l)
				}
			}
		}
	}
}

// The letters tab lays the stored letter out by the same rules: at every width, the date
// the application was received (2026年3月2日) and the case number stay whole, and no line
// starts with a closing mark. (The old rules broke the date after 2026 at some widths.)
func TestLetterTabWrapsByTheRules(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	cs, err := st.Create(testSpecialist, testIntake("河南信修信用管理有限公司", "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	openCase(m, cs.No)
	press(m, "5")
	mustShow(t, m, "2026年3月2日")
	v := caseOf(m)
	body := v.letters()[0].Body
	for w := 24; w <= 100; w++ {
		lines := v.letterView(w)
		all := ansi.Strip(strings.Join(lines, "\n"))
		for _, tok := range []string{"2026年3月2日", cs.No} {
			if strings.Count(all, tok) < strings.Count(body, tok) {
				t.Fatalf("w=%d: %s was broken in the letters tab:\n%s", w, tok, all)
			}
		}
		for i, l := range lines[2:] {
			l = strings.TrimLeft(ansi.Strip(l), " ")
			if i > 0 && l != "" && strings.ContainsRune(workflow.NoLineStart, []rune(l)[0]) {
				t.Fatalf("w=%d: a line of the letter starts with a closing mark: %q", w, l)
			}
		}
	}
}
