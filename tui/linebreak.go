package tui

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"repairdesk/workflow"
)

// Line breaking for Chinese and mixed text (error messages, previews, letters, notes): the
// rules are workflow's (workflow/linebreak.go), the same the printed letters follow, so a
// line breaks between two Chinese characters or at a space, never inside a case number
// (XF-2026-000123), a date (2026年12月6日, 2026-03-10), a phone (138****5678), an ID
// number or an amount; a closing punctuation mark (。，、 …) never starts a line, and an
// opening one (（《「 …) never ends one. Here the lines are laid out in terminal cells; a
// piece wider than the whole line is cut by cells, the only break left.

// wrapText breaks s into lines of at most w cells by the rules above; every paragraph
// (a line of s) starts a line. Control and escape sequences are taken out first.
func wrapText(s string, w int) []string {
	if w < 2 {
		w = 2
	}
	var out []string
	for _, para := range strings.Split(workflow.Clean(s), "\n") {
		out = append(out, wrapPara(para, w)...)
	}
	return out
}

func wrapPara(para string, w int) []string {
	var lines []string
	var line strings.Builder
	lw := 0
	flush := func() {
		lines = append(lines, strings.TrimRight(line.String(), " "))
		line.Reset()
		lw = 0
	}
	for _, u := range workflow.LineUnits(para) {
		uw := width(strings.TrimRight(u, " "))
		if lw > 0 && lw+uw > w {
			flush()
		}
		if lw == 0 {
			u = strings.TrimLeft(u, " ")
			uw = width(strings.TrimRight(u, " "))
		}
		for uw > w { // one piece wider than a line: cut by cells
			head := ansi.Truncate(u, w, "")
			if head == "" {
				break
			}
			// The piece after the cut must not start with a closing mark: one less here.
			for rest := []rune(u[len(head):]); len(rest) > 0 && strings.ContainsRune(workflow.NoLineStart, rest[0]) && utf8.RuneCountInString(head) > 1; rest = []rune(u[len(head):]) {
				_, n := utf8.DecodeLastRuneInString(head)
				head = head[:len(head)-n]
			}
			line.WriteString(head)
			flush()
			u = strings.TrimPrefix(u, head)
			uw = width(strings.TrimRight(u, " "))
		}
		line.WriteString(u)
		lw += width(u)
	}
	if line.Len() > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}
