// Package mdtext escapes text for the Markdown the product writes (report --format md),
// so a stored name reads as the same characters when the file is rendered, whatever
// renderer shows it: no HTML, no link, no emphasis, no table cell split, no heading.
package mdtext

import (
	"strings"

	"repairdesk/workflow"
)

// Escape returns s cleaned of terminal controls, on one line (workflow.CleanLine), with
// the HTML characters & < > " as entities and the Markdown characters [ ] ( ) | * _ ` \
// (links, images, emphasis, code, table cells) backslash-escaped, and a leading #
// escaped too (a leading > is already the entity &gt;, which starts no quote). It is meant for inline text and table cells.
func Escape(s string) string {
	s = strings.TrimSpace(workflow.CleanLine(s))
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>': // as an entity it cannot start a quote either
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '[', ']', '(', ')', '|', '*', '_', '`', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '#':
			if i == 0 {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
