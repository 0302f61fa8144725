// Package csvout is the one CSV writer of repairdesk: the console's export of marked
// cases, repairdesk export, report --format csv and import's error report all write
// through it. It starts a file with a UTF-8 BOM (Excel reads UTF-8 only with one), ends
// lines with CRLF, keeps every cell on one line and free of terminal controls
// (workflow.CleanLine), and neutralises cells a spreadsheet would take for a formula.
package csvout

import (
	"encoding/csv"
	"io"
	"unicode/utf8"

	"repairdesk/workflow"
)

// BOM starts every CSV file the product writes.
const BOM = "\ufeff"

// Writer writes rows of cells, each passed through Cell.
type Writer struct {
	cw  *csv.Writer
	err error
}

// New returns a Writer on w. With bom it first writes the UTF-8 BOM: pass true at the
// start of a file, false for a second table appended to the same stream.
func New(w io.Writer, bom bool) *Writer {
	x := &Writer{cw: csv.NewWriter(w)}
	x.cw.UseCRLF = true
	if bom {
		_, x.err = io.WriteString(w, BOM)
	}
	return x
}

// Row writes one record; no cells writes an empty line (a gap between tables).
func (x *Writer) Row(cells ...string) {
	if x.err != nil {
		return
	}
	rec := make([]string, len(cells))
	for i, c := range cells {
		rec[i] = Cell(c)
	}
	x.err = x.cw.Write(rec)
}

// Flush writes out what is buffered and returns the first error met.
func (x *Writer) Flush() error {
	x.cw.Flush()
	return x.Error()
}

// Error is the first error met so far.
func (x *Writer) Error() error {
	if x.err != nil {
		return x.err
	}
	return x.cw.Error()
}

// Cell is what a cell holding s becomes: cleaned of terminal controls, on one line, and
// prefixed with a single quote when a spreadsheet would take it for a formula (OWASP,
// "CSV Injection"). That is the case when, after any zero-width characters and spaces,
// it starts with = + - @ (or their full-width forms ＝ ＋ － ＠), a tab or a CR.
//
// Numbers are not exempt: a negative number is neutralised too. No column the product
// exports holds a negative number (counts, days, rates, dates), so an exception would
// only be a door for "-1+cmd|…", which parses as nothing but is still a formula.
func Cell(s string) string {
	s = workflow.CleanLine(s)
	if Dangerous(s) {
		return "'" + s
	}
	return s
}

// Dangerous says whether a spreadsheet could read s as a formula. s is taken as it is
// (Cell cleans it first); a leading tab or CR counts, as do zero-width characters
// (U+200B–U+200D, U+2060, U+FEFF) and spaces in front of a formula character.
func Dangerous(s string) bool {
	for s != "" {
		r, n := utf8.DecodeRuneInString(s)
		switch r {
		case '=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠':
			return true
		case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', ' ', '\u3000', '\u00a0':
			s = s[n:]
			continue
		}
		return false
	}
	return false
}
