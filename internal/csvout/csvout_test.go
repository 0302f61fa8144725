package csvout

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// Attacks are cells a spreadsheet would run as formulas (OWASP CSV injection), with
// the full-width and zero-width disguises; the tests of every writer use the same list.
var Attacks = []string{
	"=1+1", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1,1)*cmd|' /C calc'!A0",
	"\t=1+1", "\r=1+1", "-1", "+1",
	"＝1+1", "＋cmd|' /C calc'!A0", "－1+1", "＠SUM(1,1)",
	"\u200b=1+1", "\u200c+1", "\u200d-1", "\ufeff@SUM(1,1)", "\u2060=HYPERLINK(\"http://x\")",
	"\u200b\u200b ＝1",
}

func TestCellNeutralisesEveryAttack(t *testing.T) {
	for _, a := range Attacks {
		got := Cell(a)
		if !strings.HasPrefix(got, "'") {
			t.Errorf("Cell(%q) = %q: not neutralised", a, got)
		}
	}
}

func TestCellKeepsOrdinaryText(t *testing.T) {
	for _, s := range []string{"", "郑州华信商贸有限公司", "XF-2026-000001", "2026-03-01", "12.5", "a=b", "王芳", "1-2", "'quoted"} {
		if got := Cell(s); got != s {
			t.Errorf("Cell(%q) = %q, want it unchanged", s, got)
		}
	}
	if got := Cell("a\nb\x1b[2Jc"); got != "a bc" {
		t.Errorf("Cell keeps a line break or an escape: %q", got)
	}
}

func TestWriterBOMAndRows(t *testing.T) {
	var b bytes.Buffer
	w := New(&b, true)
	w.Row("h1", "h2")
	w.Row(Attacks...)
	w.Row()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasPrefix(out, BOM) || strings.HasPrefix(out[len(BOM):], BOM) {
		t.Fatalf("want one leading BOM: %q", out)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, BOM)))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || len(recs[1]) != len(Attacks) {
		t.Fatalf("records: %q", recs)
	}
	for i, c := range recs[1] {
		if !strings.HasPrefix(c, "'") {
			t.Errorf("cell %d %q written raw", i, c)
		}
	}
	if !strings.HasSuffix(out, "\r\n\r\n") {
		t.Errorf("an empty row should end the output: %q", out)
	}
	b.Reset()
	w = New(&b, false)
	w.Row("x")
	w.Flush()
	if b.String() != "x\r\n" {
		t.Errorf("without BOM: %q", b.String())
	}
}
