package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"

	"github.com/charmbracelet/x/ansi"

	"repairdesk/workflow"
)

// Width measurement: one measure everywhere (x/ansi, the same lipgloss uses), with East
// Asian ambiguous characters as narrow whatever the server's locale says: CJK ideographs
// and full-width punctuation are wide (2 cells), emoji are wide, box drawing is narrow.
func width(s string) int { return ansi.StringWidth(s) }

// fit truncates s to w cells (with …) and pads it with spaces to exactly w.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if width(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if d := w - width(s); d > 0 {
		s += strings.Repeat(" ", d)
	}
	return s
}

// cut truncates without padding.
func cut(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if width(s) > w {
		return ansi.Truncate(s, w, "…")
	}
	return s
}

// safe is the one gate for stored text on its way to the screen.
func safe(s string) string { return workflow.CleanLine(s) }

// shown is safe for text typed into a case: an ID or mobile number in it is masked, as
// the agent's own fields are (1101**********002X, 138****5678).
func shown(s string) string { return workflow.MaskText(workflow.CleanLine(s)) }

// shownText is shown for text of several lines, to wrap.
func shownText(s string) string { return workflow.MaskText(workflow.Clean(s)) }

// wrap breaks s into lines of at most w cells by the rules of Chinese line breaking
// (linebreak.go).
func wrap(s string, w int) []string { return wrapText(s, w) }

// clampLines pads or cuts a block to exactly h lines of width w.
func clampLines(lines []string, w, h int) string {
	if len(lines) > h {
		lines = lines[:h]
	}
	var b strings.Builder
	for i := 0; i < h; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(lines) {
			b.WriteString(fitStyled(lines[i], w))
		} else {
			b.WriteString(strings.Repeat(" ", w))
		}
	}
	return b.String()
}

// fitStyled is fit for lines that may carry styling.
func fitStyled(s string, w int) string {
	if width(s) > w {
		s = ansi.Truncate(s, w, "")
	}
	if d := w - width(s); d > 0 {
		s += strings.Repeat(" ", d)
	}
	return s
}

func keysOf(kind string) []string         { return workflow.Keys(kind) }
func labelOf(kind, k, lang string) string { return workflow.Label(kind, k, lang) }

// newInput is a text input with a steady cursor: a blinking one would send a frame twice a
// second to every SSH session for nothing.
func newInput() textinput.Model {
	in := textinput.New()
	in.Cursor.SetMode(cursor.CursorStatic)
	in.Cursor.Style = cursorStyle(in.Cursor.Style)
	return in
}
