package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"repairdesk/internal/office"
	"repairdesk/store"
	"repairdesk/workflow"
)

// TestExportSameAsBefore: every export of a 300-case demo office (with five more cases
// whose free text holds ID and mobile numbers in every typed form, so masking changes
// them) is byte for byte what the export wrote before it was made faster, in every
// combination: --format json and csv, with and without --since, to a file and to
// standard output, in English and Chinese. The reference is the path the export took
// before the generated encoder (exportref below, kept verbatim): every case read by
// store.EachCase, masked by workflow.MaskCase (which copies), encoded by json.Marshal and
// indented by indentJSON; the CSV by export's own CSV writer (unchanged by that work),
// with MaskCase in place of the masking made faster (exporter.maskWith). There is no option
// to export unmasked: every export masks, so the cases whose text masking changes and
// those it leaves alone are both in every run.
func TestExportSameAsBefore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "same.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := office.GenerateDemo(st, 300, 23); err != nil {
		t.Fatal(err)
	}
	addPIICases(t, st, 5)
	// --since: the day of the middle case, so some cases are in and some out.
	all, err := st.AllCases()
	if err != nil {
		t.Fatal(err)
	}
	since := all[len(all)/2].ReceivedAt.In(workflow.ChinaTZ).Format("2006-01-02")
	st.Close()

	now := time.Now()
	masked := 0
	for _, format := range []string{"json", "csv"} {
		for _, from := range []string{"", since} {
			for _, toFile := range []bool{true, false} {
				for _, lang := range []string{"en", "zh"} {
					name := fmt.Sprintf("%s/since=%q/file=%v/%s", format, from, toFile, lang)
					out := "-"
					if toFile {
						out = filepath.Join(t.TempDir(), "all."+format)
					}
					args := []string{"export", "--format", format, "--out", out, "--db", db, "--lang", lang}
					if from != "" {
						args = append(args, "--since", from)
					}
					var so, se bytes.Buffer
					a := &app{stdout: &so, stderr: &se, version: "test", now: func() time.Time { return now }}
					a.langFlag = scanLang(args)
					a.lang = lang
					if code := a.execute(args); code != 0 {
						t.Fatalf("%s: exit %d: %s", name, code, se.String())
					}
					got := map[string][]byte{}
					if toFile {
						got["main"] = readFile(t, out)
						if format == "csv" {
							got["events"] = readFile(t, eventsFile(out))
						}
					} else {
						got["main"] = so.Bytes()
					}
					want := exportRef(t, db, format, from, toFile, lang, now)
					for part, w := range want {
						if g := got[part]; !bytes.Equal(g, w) {
							i := 0
							for i < len(g) && i < len(w) && g[i] == w[i] {
								i++
							}
							t.Fatalf("%s (%s): %d bytes, the reference %d; they differ at byte %d:\n…%s\nthe reference:\n…%s", name, part,
								len(g), len(w), i, g[max(0, i-200):min(len(g), i+80)], w[max(0, i-200):min(len(w), i+80)])
						}
					}
					if len(got) != len(want) || len(want["main"]) < 1000 {
						t.Fatalf("%s: %d outputs (%d bytes), the reference %d", name, len(got), len(got["main"]), len(want))
					}
					masked += strings.Count(string(got["main"]), workflow.MaskID(piiLetters))
				}
			}
		}
	}
	if masked == 0 {
		t.Fatal("no masked number in any export: the cases masking changes are missing")
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// addPIICases adds n cases whose record detail, material note, comments and decline
// explanation hold the numbers of piiTyped, as piiDB does for one.
func addPIICases(t *testing.T, st *store.Store, n int) {
	t.Helper()
	if err := st.PutStaff(workflow.Staff{}, cliSpecialist); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		piiCase(t, st, "郑州华信商贸有限公司"+strconv.Itoa(i), time.Now(), " <&> \u2028 \"引号\" \\ \t")
	}
}

// exportRef is what export wrote before (the reference of TestExportSameAsBefore): the
// main output and, for a CSV export to a file, the events file.
func exportRef(t *testing.T, db, format, since string, toFile bool, lang string, now time.Time) map[string][]byte {
	t.Helper()
	st, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var from time.Time
	if since != "" {
		if from, err = workflow.ParseDate(since); err != nil {
			t.Fatal(err)
		}
	}
	x := &exporter{st: st, lang: lang, names: staffNames(st), now: now, keep: []string{st.Settings().Letterhead.Phone}, ctx: context.Background(), work: &work{}}
	x.maskWith = x.maskBefore
	var main, events bytes.Buffer
	switch {
	case format == "json":
		err = x.jsonBefore(&main, from)
	case toFile:
		_, err = x.csv(&main, &events, from, true)
	default:
		if _, err = x.csv(&main, nil, from, false); err == nil {
			main.WriteString("\r\n")
			_, err = x.csv(nil, &main, from, false)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{"main": main.Bytes()}
	if format == "csv" && toFile {
		out["events"] = events.Bytes()
	}
	return out
}

// maskBefore is exporter.mask with MaskCase, which copies.
func (x *exporter) maskBefore(c workflow.Case, evs []workflow.Event) (workflow.Case, []workflow.Event, error) {
	return workflow.MaskCase(c, evs, x.keep...)
}

// jsonBefore is exporter.json before the generated encoder: json.Marshal and indentJSON.
func (x *exporter) jsonBefore(w io.Writer, since time.Time) error {
	n := 0
	io.WriteString(w, "[")
	err := x.st.EachCase(since, true, func(c workflow.Case, evs []workflow.Event) error {
		c, evs, err := x.maskBefore(c, evs)
		if err != nil {
			return err
		}
		if evs == nil {
			evs = []workflow.Event{}
		}
		b, err := exportJSONBefore(exportItem{Case: c, Events: evs})
		if err != nil {
			return err
		}
		sep := ",\n  "
		if n == 0 {
			sep = "\n  "
		}
		n++
		io.WriteString(w, sep)
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	end := "\n]\n"
	if n == 0 {
		end = "]\n"
	}
	_, err = io.WriteString(w, end)
	return err
}
