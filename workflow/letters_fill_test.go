package workflow

import (
	"strings"
	"testing"
	"text/template"
	"time"
)

// plainLetters is the shipped set, run every time (no skeletons).
func plainLetters(t *testing.T) *LetterSet {
	t.Helper()
	ls, err := parseLetterDir(DefaultLetterTemplates(), "built-in")
	if err != nil {
		t.Fatal(err)
	}
	ls.builtin, ls.noFill = true, true
	return ls
}

// fillVariants are the sample cases and variants of each: fields emptied, text that
// holds a mark's runes, characters a function would escape, long and short values.
func fillVariants() []Case {
	var out []Case
	for _, c := range letterSamples() {
		out = append(out, c)
		v := CloneCase(c)
		v.Enterprise.Name = "\uE0000\uE001<b>&\"企业\uE001"
		v.Enterprise.Address = ""
		v.Agent.Phone, v.Agent.AuthLetter = "", ""
		v.No = "XF-2026-\uE0001"
		out = append(out, v)
		v = CloneCase(c)
		v.Enterprise.LegalRep = strings.Repeat("长", 300)
		for i := range v.Records {
			v.Records[i].Detail = "说明 \uE000 未闭合"
			v.Records[i].AmountFen = 0
		}
		out = append(out, v)
	}
	return out
}

// TestLetterFillIsRender: every shipped template may be filled, and filling its skeleton
// gives byte for byte what running it gives — for every sample case and variant, each
// kind it issues, in both languages, on three letterheads (one empty), twice (the second
// time from the skeletons kept).
func TestLetterFillIsRender(t *testing.T) {
	fill, plain := DefaultLetters(), plainLetters(t)
	for name, tt := range fill.tmpl {
		if p := fillableTemplate(tt); !p.ok {
			t.Errorf("shipped template %s cannot be filled: every letter of it runs the template", name)
		}
	}
	heads := []LetterSettings{{Agency: "A", Address: "B", Phone: "C", Staff: "王芳"}, {},
		{Agency: "河南信修信用管理有限公司", Address: "郑州市", Phone: "0371-5550-1234", Contact: "陈静", Seal: "公章", Staff: "\uE0002\uE001"}}
	n := 0
	for range 2 {
		for _, c := range fillVariants() {
			for _, kind := range LettersOf(&c) {
				for _, lang := range letterLangs {
					for _, h := range heads {
						now := c.UpdatedAt.Add(time.Hour)
						want, werr := plain.renderStrict(kind, &c, h, lang, now)
						got, gerr := fill.renderStrict(kind, &c, h, lang, now)
						if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
							t.Fatalf("%s %s of %s: error %v filled, %v run", kind, lang, c.No, gerr, werr)
						}
						if got != want {
							t.Fatalf("%s %s of %s filled:\n%q\nrun:\n%q", kind, lang, c.No, got.Body, want.Body)
						}
						n++
					}
				}
			}
		}
	}
	fill.fill.mu.Lock()
	kept := fill.fill.nskels
	fill.fill.mu.Unlock()
	t.Logf("%d letters compared, %d skeletons kept", n, kept)
	if n < 100 || kept == 0 || kept >= n {
		t.Errorf("%d letters compared, %d skeletons kept: the skeletons were not used", n, kept)
	}
}

// TestFillableTemplate: what the reading of a template allows, and what it refuses or
// keys by value.
func TestFillableTemplate(t *testing.T) {
	for _, tc := range []struct {
		src    string
		ok     bool
		valued string
	}{
		{`{{.CaseNo}}{{if .Phone}}{{.Phone}}{{end}}{{range $i, $r := .Records}}{{inc $i}}{{$r.Type}}{{end}}`, true, ""},
		{`{{if eq .Outcome.Key "corrected"}}x{{end}}{{len .Notice.Items}}`, true, "Key Items"},
		{`{{if or .Contact .Phone}}{{.Contact}}{{end}}{{with .Check.Basis}}{{.}}{{end}}`, true, ""},
		{`{{html .Enterprise}}`, true, "Enterprise"},
		{`{{$x := .CaseNo}}{{eq $x "a"}}`, false, ""},
		{`{{range $r := .Records}}{{printf "%.2s" $r}}{{end}}`, false, ""},
		{`{{.CaseNo | printf "%.3s"}}`, false, ""},
		{`{{printf "%.3s" (print .CaseNo)}}`, false, ""},
		{"\uE000{{.CaseNo}}", false, ""},
	} {
		tt, err := template.New("x").Funcs(letterFuncs("zh")).Parse(tc.src)
		if err != nil {
			t.Fatal(err)
		}
		p := fillableTemplate(tt)
		if p.ok != tc.ok {
			t.Errorf("%s: fillable %v, want %v", tc.src, p.ok, tc.ok)
		}
		for _, v := range strings.Fields(tc.valued) {
			if !p.valued[v] {
				t.Errorf("%s: %s not keyed by value", tc.src, v)
			}
		}
	}
}

// tidyLetterSplit is tidyLetter as it was written before (split, filter, join): the
// reference the one-pass version must equal.
func tidyLetterSplit(s string) string {
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := true
	for _, l := range lines {
		l = strings.TrimRight(l, " \u3000")
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return strings.Join(out, "\n") + "\n"
}

// TestTidyLetterOnePass: the one-pass tidyLetter gives what splitting and joining gave,
// on every string of up to 7 pieces drawn from lines, blanks and trailing spaces.
func TestTidyLetterOnePass(t *testing.T) {
	pieces := []string{"\n", "a", " ", "\u3000", "甲 ", "\n\n", "b\u3000 "}
	var walk func(s string, n int)
	walk = func(s string, n int) {
		if got, want := tidyLetter(s), tidyLetterSplit(s); got != want {
			t.Fatalf("tidyLetter(%q) = %q, want %q", s, got, want)
		}
		if n == 0 {
			return
		}
		for _, p := range pieces {
			walk(s+p, n-1)
		}
	}
	walk("", 7)
}
