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

	"repairdesk/internal/csvout"
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
// indented by indentJSON; the CSV as export wrote it, with MaskCase. There is no option
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
		in := workflow.Intake{
			Enterprise: workflow.Enterprise{Name: "郑州华信商贸有限公司" + strconv.Itoa(i), CreditCode: "91110000600037341L", LegalRep: "张建国"},
			Agent:      workflow.Agent{Name: "王桂英", Phone: "13812345678", IDNumber: cliID},
			Records: []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行郑州分行", Date: "2025-03-01",
				Problem: "non_malicious_overdue", Detail: piiTyped["detail"]}},
			Owner: cliSpecialist.Name, ReceivedAt: time.Now(),
		}
		c, err := st.Create(cliSpecialist, in, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []workflow.Action{
			{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: c.Materials[0].Key, Received: true, Note: piiTyped["note"]}},
			{Kind: workflow.ActRequestMaterials},
			{Kind: workflow.ActComment, Comment: piiTyped["spaced"]},
			{Kind: workflow.ActComment, Comment: piiTyped["hyphen"] + " <&> \u2028 \"引号\" \\ \t"},
			{Kind: workflow.ActMaterialsReceived},
			{Kind: workflow.ActDecline, Decline: &workflow.Decline{Reason: "out_of_scope", Explanation: piiTyped["explanation"], Avenues: []string{"institution_dispute"}}},
		} {
			if c, err = st.Apply(c.ID, c.Version, cliSpecialist, a); err != nil {
				t.Fatalf("%s: %v", a.Kind, err)
			}
		}
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
	x := &exporter{st: st, lang: lang, names: staffNames(st), now: now, keep: []string{st.Settings().Letterhead.Phone}, ctx: context.Background()}
	var main, events bytes.Buffer
	switch {
	case format == "json":
		err = x.jsonBefore(&main, from)
	case toFile:
		err = x.csvBefore(&main, &events, from, true)
	default:
		if err = x.csvBefore(&main, nil, from, false); err == nil {
			main.WriteString("\r\n")
			err = x.csvBefore(nil, &main, from, false)
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

// csvBefore is exporter.csv as it was, with MaskCase.
func (x *exporter) csvBefore(cw, ew io.Writer, since time.Time, eventsBOM bool) error {
	var cc, ec *csvout.Writer
	put := func(w *csvout.Writer, rec ...string) { w.Row(rec...) }
	if cw != nil {
		cc = csvout.New(cw, true)
		put(cc, x.t("export.col_no"), x.t("export.col_stage"), x.t("export.col_enterprise"), x.t("export.col_credit_code"),
			x.t("export.col_legal_rep"), x.t("export.col_agent"), x.t("export.col_agent_phone"), x.t("export.col_agent_id"),
			x.t("export.col_sources"), x.t("export.col_types"), x.t("export.col_institutions"), x.t("export.col_problems"),
			x.t("export.col_owner"), x.t("export.col_received"), x.t("export.col_closed"), x.t("export.col_agency_days"),
			x.t("export.col_round"), x.t("export.col_notices"), x.t("export.col_outcome"), x.t("export.col_decline"),
			x.t("export.col_channel"), x.t("export.col_reference"), x.t("export.col_updated"), x.t("export.col_updated_by"),
			x.t("export.col_first_responsible"), x.t("export.col_satisfaction"), x.t("export.col_follow_up"), x.t("export.col_thanks"))
	}
	if ew != nil {
		ec = csvout.New(ew, eventsBOM)
		put(ec, x.t("export.col_no"), x.t("export.col_seq"), x.t("export.col_at"), x.t("export.col_action"), x.t("export.col_actor"),
			x.t("export.col_from"), x.t("export.col_to"), x.t("export.col_comment"), x.t("export.col_changes"),
			x.t("export.col_letter"), x.t("export.col_hash"))
	}
	l := x.lang
	err := x.st.EachCase(since, ew != nil, func(c workflow.Case, evs []workflow.Event) error {
		c, evs, err := x.maskBefore(c, evs)
		if err != nil {
			return err
		}
		if cc != nil {
			outcome, decline, channel, ref := "", "", "", ""
			if c.Outcome != nil {
				outcome = workflow.Label("outcome", c.Outcome.Result, l)
			}
			if c.Decline != nil {
				decline = workflow.Label("reason", c.Decline.Reason, l)
			}
			if c.Submission != nil {
				channel, ref = workflow.Label("channel", c.Submission.Channel, l), c.Submission.Reference
			}
			days := strconv.FormatFloat(workflow.AgencyDays(&c, x.now), 'f', 1, 64)
			sat, called := "", ""
			if f := c.FollowUp; f != nil && f.Satisfaction != "" {
				sat, called = workflow.Label("satisfaction", f.Satisfaction, l), x.when(f.At)
			}
			put(cc, c.No, c.Stage.Label(l), c.Enterprise.Name, c.Enterprise.CreditCode, c.Enterprise.LegalRep,
				c.Agent.Name, c.Agent.Phone, c.Agent.IDNumber,
				joinLabels(c.Records, "source", l, func(r workflow.Record) string { return r.Source }),
				joinLabels(c.Records, "record_type", l, func(r workflow.Record) string { return r.Type }),
				joinLabels(c.Records, "", l, func(r workflow.Record) string { return r.Institution }),
				joinLabels(c.Records, "problem", l, func(r workflow.Record) string { return r.Problem }),
				x.names(c.Owner), x.when(c.ReceivedAt), x.when(c.ClosedAt), days,
				strconv.Itoa(c.Round), strconv.Itoa(len(c.Notices)), outcome, decline, channel, ref,
				x.when(c.UpdatedAt), x.names(c.UpdatedBy),
				x.names(c.FirstResponsible()), sat, called, strconv.Itoa(c.ThanksCount()))
			if err := cc.Error(); err != nil {
				return err
			}
		}
		if ec != nil {
			for _, ev := range evs {
				var ch []string
				for _, d := range ev.Changes {
					ch = append(ch, fmt.Sprintf("%s: %s → %s", d.Field, d.Old, d.New))
				}
				from := ""
				if ev.From != "" {
					from = ev.From.Label(l)
				}
				var titles []string
				for _, lt := range ev.Letters() {
					titles = append(titles, lt.Title)
				}
				put(ec, c.No, strconv.Itoa(ev.Seq), x.when(ev.At), ev.Kind.Label(l), x.names(ev.Actor), from, ev.To.Label(l),
					ev.Comment, strings.Join(ch, "; "), strings.Join(titles, "; "), ev.Hash)
			}
			if err := ec.Error(); err != nil {
				return err
			}
		}
		return nil
	})
	if cc != nil {
		if ferr := cc.Flush(); err == nil {
			err = ferr
		}
	}
	if ec != nil {
		if ferr := ec.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}
