package workflow

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"text/template"
	"time"
)

const ltTitle = `{{define "title"}}回执{{end}}`

// Templates an admin can get wrong so that rendering never ends or fills the memory:
// each is refused by ParseLetterTemplates (repairdesk letters use), promptly, with the
// file's name and a reason in both languages.
func TestLetterTemplateRunawayRefused(t *testing.T) {
	flood := `{{define "k"}}` + strings.Repeat("x", 1000) + `{{end}}` + strings.Repeat(`{{template "k"}}`, 1100)
	double := `{{$a := "xxxxxxxxxxxxxxxx"}}` + strings.Repeat(`{{$a = printf "%s%s" $a $a}}`, 40)
	jsdouble := `{{$a := "\\"}}` + strings.Repeat(`{{$a = js $a}}`, 40)
	for name, tc := range map[string]struct{ body, want string }{
		"range number, no output": {`{{range 300000000}}{{end}}`, "range"},
		"range number, output":    {`{{range 300000000}}x{{end}}`, "range"},
		"range variable":          {`{{$n := 300000000}}{{range $n}}{{end}}`, "range"},
		"range function":          {`{{range len "aaaaaaaa"}}{{end}}`, "range"},
		"range nested in define":  {`{{define "x"}}{{range 100000}}{{range 100000}}{{end}}{{end}}{{end}}{{template "x"}}`, "range"},
		"recursion":               {`{{define "a"}}{{template "a"}}{{template "a"}}{{end}}{{template "a"}}`, "calls itself"},
		"mutual recursion":        {`{{define "a"}}{{template "b"}}{{end}}{{define "b"}}{{template "a"}}{{end}}{{template "a"}}`, "calls itself"},
		"printf width":            {`{{printf "%0900000000d" 0}}`, "printf"},
		"printf star":             {`{{printf "%0*d" 900000000 0}}`, "printf"},
		"printf doubling":         {double, "longer than"},
		"js doubling":             {jsdouble, "longer than"},
		"output flood":            {flood, "longer than"},
	} {
		start := time.Now()
		_, err := ParseLetterTemplates(fstest.MapFS{"receipt.zh.tmpl": {Data: []byte(ltTitle + tc.body)}})
		t.Logf("%s: %s", name, time.Since(start))
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("%s: refusing took %s", name, el)
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		en, zh := err.Error(), err.(interface{ Message(string) string }).Message("zh")
		if !strings.Contains(en, tc.want) || !strings.Contains(en, "receipt.zh.tmpl") || !strings.Contains(zh, "receipt.zh.tmpl") || !strings.ContainsRune(zh, '模') {
			t.Errorf("%s: %v; want the file, %q and a Chinese reason", name, err, tc.want)
		}
	}
	// The same checks without rendering, as a store loads them: the static ones only.
	for _, body := range []string{`{{range 300000000}}{{end}}`, `{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`} {
		if _, err := LoadLetterTemplates(fstest.MapFS{"notice.en.tmpl": {Data: []byte(ltTitle + body)}}); err == nil {
			t.Errorf("LoadLetterTemplates accepted %s", body)
		}
	}
}

// Ordinary loops over the letter's data, and printf with a modest width, still pass.
func TestLetterTemplateOrdinaryLoopsPass(t *testing.T) {
	body := `{{range $i, $r := .Records}}{{inc $i}}. {{$r.Institution}}{{end}}
{{range .Records}}{{.Source}}{{end}}{{with .Notice}}{{range $.Records}}{{.Type}}{{end}}{{range .Items}}{{.Name}}{{end}}{{end}}
{{printf "%-10s|%5.2f" .CaseNo 1.5}}{{block "sig" .}}{{.Agency}}{{end}}`
	if _, err := ParseLetterTemplates(fstest.MapFS{"notice.zh.tmpl": {Data: []byte(ltTitle + body)}}); err != nil {
		t.Fatal(err)
	}
}

// The time limit: a template that neither ends nor writes much is abandoned on time, and
// the writer it holds fails from then on, so a loop that writes stops too.
func TestExecLimitedTimeout(t *testing.T) {
	calls := make(chan struct{}, 1000)
	tm := template.Must(template.New("x").Funcs(template.FuncMap{"slow": func() string {
		calls <- struct{}{}
		time.Sleep(20 * time.Millisecond)
		return "y"
	}}).Parse(`{{range .}}{{slow}}{{end}}`))
	start := time.Now()
	_, err := execLimited(tm, "", make([]int, 500), 1<<20, 100*time.Millisecond)
	if !errors.Is(err, errLetterTimeout) {
		t.Fatalf("err %v, want the timeout", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("gave up after %s", el)
	}
	time.Sleep(200 * time.Millisecond)
	n := len(calls)
	time.Sleep(200 * time.Millisecond)
	if len(calls) != n || n > 20 {
		t.Errorf("the abandoned template went on: %d calls, then %d", n, len(calls))
	}
	// The size limit alone.
	tm = template.Must(template.New("y").Parse(`{{range .}}xxxxxxxxxx{{end}}`))
	if _, err := execLimited(tm, "", make([]int, 200), 1000, time.Second); !errors.Is(err, errLetterTooLong) {
		t.Errorf("err %v, want too long", err)
	}
}

// The shipped templates are no longer rendered when first used; this is their check.
func TestDefaultLettersCheck(t *testing.T) {
	if err := DefaultLetters().check(); err != nil {
		t.Fatal(err)
	}
}

// A template loaded (not validated) that fails when a letter is due gives way to the
// built-in one: the case moves on and its letter is made.
func TestLetterRenderFallsBackToBuiltIn(t *testing.T) {
	created, _, _ := ltRepairedCase(t)
	now := ltAt(4, 8, 9, 0)
	ls, err := LoadLetterTemplates(fstest.MapFS{"receipt.zh.tmpl": {Data: []byte(ltTitle + `{{.NoSuchField}}`)}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ls.Render("receipt", &created, ltSettings, "zh", now)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := DefaultLetters().Render("receipt", &created, ltSettings, "zh", now)
	if got != want {
		t.Errorf("got %q, want the built-in letter", got.Title)
	}
}
