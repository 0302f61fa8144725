package tui

import (
	"strings"
	"testing"
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
			if i > 0 && l != "" && strings.ContainsRune(noLineStart, []rune(l)[0]) {
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
