package tui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"repairdesk/workflow"
)

// Line breaking for Chinese and mixed text (error messages, previews, notes). Lines
// break between two Chinese characters or at a space, never inside a run of Latin
// letters and digits with their joiners, so that a case number (XF-2026-000123), a date,
// a phone (138****5678), an ID number or an amount stays on one line; a closing
// punctuation mark (。，、 …) never starts a line, and an opening one (（《「 …) never ends
// one. A run wider than the whole line is cut by cells, the only break left.

const (
	noLineStart = "。，、；：？！）》」』】〕〉”’…‥·%‰℃,.;:!?)]}>"
	noLineEnd   = "（《「『【〔〈“‘([{<"
)

// wordRune: part of a run that is not broken.
func wordRune(r rune) bool {
	return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_./:*@+#¥$&=~", r)) || r == '¥'
}

// breakBefore reports whether a line may break between prev and cur.
func breakBefore(prev, cur rune) bool {
	switch {
	case cur == ' ':
		return false // spaces stay at the end of a line, where they are dropped
	case prev == ' ':
		return true
	case strings.ContainsRune(noLineStart, cur), strings.ContainsRune(noLineEnd, prev):
		return false
	case wordRune(prev) && wordRune(cur):
		return false
	}
	return true
}

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
	rs := []rune(para)
	// units: the pieces between break opportunities.
	var units []string
	start := 0
	for i := 1; i <= len(rs); i++ {
		if i == len(rs) || breakBefore(rs[i-1], rs[i]) {
			units = append(units, string(rs[start:i]))
			start = i
		}
	}
	var lines []string
	var line strings.Builder
	lw := 0
	flush := func() {
		lines = append(lines, strings.TrimRight(line.String(), " "))
		line.Reset()
		lw = 0
	}
	for _, u := range units {
		uw := width(strings.TrimRight(u, " "))
		if lw > 0 && lw+uw > w {
			flush()
		}
		if lw == 0 {
			u = strings.TrimLeft(u, " ")
			uw = width(strings.TrimRight(u, " "))
		}
		for uw > w { // one run wider than a line: cut by cells
			head := ansi.Truncate(u, w, "")
			if head == "" {
				break
			}
			// The piece after the cut must not start with a closing mark: one less here.
			for rest := []rune(u[len(head):]); len(rest) > 0 && strings.ContainsRune(noLineStart, rest[0]) && utf8.RuneCountInString(head) > 1; rest = []rune(u[len(head):]) {
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
