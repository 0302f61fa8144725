package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"repairdesk/store"
	"repairdesk/tui"
	"repairdesk/workflow"
)

const exportUsage = "repairdesk export [--format csv|json] [--since 2026-01-01] [--out FILE] [--lang zh|en] [--db PATH]\n\n" +
	"  json  an array of {\"case\": …, \"events\": […]}, every field with its stable key.\n" +
	"  csv   UTF-8 with BOM for Excel, two tables: one row per case (key fields) and one row\n" +
	"        per event. With --out cases.csv the events go to cases-events.csv beside it;\n" +
	"        on standard output the events table follows the cases after an empty row.\n\n" +
	"--since keeps the cases received on or after that day. Agents' ID numbers (and phones)\n" +
	"are masked in every export; event hashes are those recorded, so a masked event no longer\n" +
	"verifies against its hash — repairdesk check verifies the database itself."

// cmdExport writes the cases and their histories for use outside the console.
func cmdExport(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("repairdesk export", stderr, exportUsage)
	db := fs.String("db", DefaultDBPath(), "database file")
	format := fs.String("format", "csv", "csv (for Excel) or json")
	since := fs.String("since", "", "only cases received on or after this day, YYYY-MM-DD")
	out := fs.String("out", "", "write to FILE (never overwritten); default standard output")
	lang := fs.String("lang", "", "language of CSV headings and labels: zh (default) or en")
	pos, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) > 0 {
		fs.Usage()
		return 2
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "repairdesk export: "+format+"\n", a...)
		return code
	}
	f := strings.ToLower(*format)
	if f != "csv" && f != "json" {
		return fail(2, "--format %q: use csv or json (格式应为 csv 或 json)", *format)
	}
	var from time.Time
	if *since != "" {
		if from, err = workflow.ParseDate(strings.TrimSpace(*since)); err != nil {
			return fail(2, "--since %q: write the day as YYYY-MM-DD, e.g. 2026-01-01 (日期格式应为 YYYY-MM-DD)", *since)
		}
	}
	toFile := *out != "" && *out != "-"
	eventsPath := ""
	if toFile {
		if f == "csv" {
			eventsPath = eventsFile(*out)
		}
		for _, p := range []string{*out, eventsPath} {
			if p == "" {
				continue
			}
			if err := refuseExisting(p); err != nil {
				return fail(1, "%v", err)
			}
		}
	}
	l := tui.LangFromEnv(*lang)
	st, ok := openStore(*db, store.Options{ReadOnly: true}, stderr, l)
	if !ok {
		return 1
	}
	defer st.Close()
	x := &exporter{st: st, lang: l, names: staffNames(st), now: time.Now()}

	// Files are written whole or not at all: on an error both are removed.
	var files []*os.File
	open := func(p string) (io.Writer, error) {
		fh, err := createNew(p)
		if err != nil {
			return nil, err
		}
		files = append(files, fh)
		return fh, nil
	}
	finish := func(err error) int {
		for _, fh := range files {
			if cerr := fh.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			for _, fh := range files {
				os.Remove(fh.Name())
			}
			return fail(1, "%s", messageIn(err, l))
		}
		return 0
	}

	var main io.Writer = stdout
	if toFile {
		if main, err = open(*out); err != nil {
			return finish(err)
		}
	}
	bw := bufio.NewWriter(main)
	n := 0
	if f == "json" {
		n, err = x.json(bw, from)
	} else if toFile {
		var ew io.Writer
		if ew, err = open(eventsPath); err != nil {
			return finish(err)
		}
		ebw := bufio.NewWriter(ew)
		n, err = x.csv(bw, ebw, from, true)
		if ferr := ebw.Flush(); err == nil {
			err = ferr
		}
	} else {
		// One stream: the cases, an empty row, the events (a second pass over the same
		// read-only file, so the two agree).
		if n, err = x.csv(bw, nil, from, false); err == nil {
			bw.WriteString("\r\n")
			_, err = x.csv(nil, bw, from, false)
		}
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if code := finish(err); code != 0 {
		return code
	}
	if toFile {
		what := *out
		if eventsPath != "" {
			what += ", " + eventsPath
		}
		fmt.Fprintf(stderr, "exported %d cases → %s\n", n, what)
	}
	return 0
}

// eventsFile is where the events table of a CSV export goes: cases.csv → cases-events.csv.
func eventsFile(path string) string {
	ext := filepath.Ext(path)
	if ext == "" {
		ext = ".csv"
	}
	return strings.TrimSuffix(path, filepath.Ext(path)) + "-events" + ext
}

type exporter struct {
	st    *store.Store
	lang  string
	names func(string) string
	now   time.Time
}

// idLike finds what may be a resident ID number typed into free text.
var idLike = regexp.MustCompile(`[0-9]{17}[0-9Xx]`)

// maskFree masks every resident ID number (one that passes the GB 11643 check) found in
// text, keeping the credit codes given; a digit run longer than 18 is left alone.
func maskFree(s string, keep ...string) string {
	locs := idLike.FindAllStringIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, lc := range locs {
		i, j := lc[0], lc[1]
		cand := s[i:j]
		if (i > 0 && isAlnum(s[i-1])) || (j < len(s) && isAlnum(s[j])) {
			continue
		}
		if ch, ok := workflow.IDCheckChar(cand[:17]); !ok || ch != upper(cand[17]) {
			continue
		}
		skip := false
		for _, k := range keep {
			if strings.EqualFold(k, cand) {
				skip = true
			}
		}
		if skip {
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(workflow.MaskID(strings.ToUpper(cand)))
		last = j
	}
	b.WriteString(s[last:])
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func upper(c byte) byte {
	if c == 'x' {
		return 'X'
	}
	return c
}

// maskCase masks the agent's ID number and phone in a case and every event of it: the
// fields that hold them, and any ID number written into free text.
func maskCase(c *workflow.Case, evs []workflow.Event) {
	keep := []string{c.Enterprise.CreditCode}
	maskAgent := func(a *workflow.Agent) {
		a.IDNumber = workflow.MaskID(a.IDNumber)
		a.Phone = workflow.MaskPhone(a.Phone)
	}
	maskAgent(&c.Agent)
	for i := range evs {
		ev := &evs[i]
		if in := ev.Action.Intake; in != nil {
			cp := *in
			maskAgent(&cp.Agent)
			ev.Action.Intake = &cp
			keep = append(keep, cp.Enterprise.CreditCode)
		}
	}
	// Free text is masked after the structured fields, whatever field it sits in.
	for i := range evs {
		ev := &evs[i]
		b, err := json.Marshal(ev)
		if err != nil {
			continue
		}
		if m := maskFree(string(b), keep...); m != string(b) {
			var clean workflow.Event
			if json.Unmarshal([]byte(m), &clean) == nil {
				*ev = clean
			}
		}
	}
	if b, err := json.Marshal(c); err == nil {
		if m := maskFree(string(b), keep...); m != string(b) {
			var clean workflow.Case
			if json.Unmarshal([]byte(m), &clean) == nil {
				*c = clean
			}
		}
	}
}

type exportItem struct {
	Case   workflow.Case    `json:"case"`
	Events []workflow.Event `json:"events"`
}

// json streams an array of {case, events}, oldest case first.
func (x *exporter) json(w io.Writer, since time.Time) (int, error) {
	n := 0
	if _, err := io.WriteString(w, "["); err != nil {
		return 0, err
	}
	err := x.st.EachCase(since, true, func(c workflow.Case, evs []workflow.Event) error {
		maskCase(&c, evs)
		if evs == nil {
			evs = []workflow.Event{}
		}
		b, err := json.MarshalIndent(exportItem{Case: c, Events: evs}, "  ", "  ")
		if err != nil {
			return err
		}
		sep := ",\n  "
		if n == 0 {
			sep = "\n  "
		}
		n++
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		return n, err
	}
	end := "\n]\n"
	if n == 0 {
		end = "]\n"
	}
	_, err = io.WriteString(w, end)
	return n, err
}

func (x *exporter) t(key string) string { return tui.T(x.lang, key) }

func (x *exporter) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(workflow.ChinaTZ).Format("2006-01-02 15:04")
}

// joinLabels lists the distinct labels of a field over the records: 人民银行征信中心、信用中国.
func joinLabels(recs []workflow.Record, kind string, lang string, field func(workflow.Record) string) string {
	var out []string
	for _, r := range recs {
		v := field(r)
		if kind != "" {
			v = workflow.Label(kind, v, lang)
		}
		v = workflow.CleanLine(v)
		if v != "" && !containsStr(out, v) {
			out = append(out, v)
		}
	}
	sep := "、"
	if lang == "en" {
		sep = "; "
	}
	return strings.Join(out, sep)
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// csv writes the cases table to cw and the events table to ew (either may be nil), each
// with its heading row. The cases table starts with the BOM; the events table too when
// eventsBOM (it is a file of its own).
func (x *exporter) csv(cw, ew io.Writer, since time.Time, eventsBOM bool) (int, error) {
	var cc, ec *csv.Writer
	put := func(w *csv.Writer, rec ...string) {
		for i := range rec {
			rec[i] = csvCell(rec[i])
		}
		w.Write(rec)
	}
	if cw != nil {
		io.WriteString(cw, utf8BOM)
		cc = csv.NewWriter(cw)
		cc.UseCRLF = true
		put(cc, x.t("export.col_no"), x.t("export.col_stage"), x.t("export.col_enterprise"), x.t("export.col_credit_code"),
			x.t("export.col_legal_rep"), x.t("export.col_agent"), x.t("export.col_agent_phone"), x.t("export.col_agent_id"),
			x.t("export.col_sources"), x.t("export.col_types"), x.t("export.col_institutions"), x.t("export.col_problems"),
			x.t("export.col_owner"), x.t("export.col_received"), x.t("export.col_closed"), x.t("export.col_agency_days"),
			x.t("export.col_round"), x.t("export.col_notices"), x.t("export.col_outcome"), x.t("export.col_decline"),
			x.t("export.col_channel"), x.t("export.col_reference"), x.t("export.col_updated"), x.t("export.col_updated_by"))
	}
	if ew != nil {
		if eventsBOM {
			io.WriteString(ew, utf8BOM)
		}
		ec = csv.NewWriter(ew)
		ec.UseCRLF = true
		put(ec, x.t("export.col_no"), x.t("export.col_seq"), x.t("export.col_at"), x.t("export.col_action"), x.t("export.col_actor"),
			x.t("export.col_from"), x.t("export.col_to"), x.t("export.col_comment"), x.t("export.col_changes"),
			x.t("export.col_letter"), x.t("export.col_hash"))
	}
	l := x.lang
	n := 0
	err := x.st.EachCase(since, ew != nil, func(c workflow.Case, evs []workflow.Event) error {
		maskCase(&c, evs)
		n++
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
			put(cc, c.No, c.Stage.Label(l), c.Enterprise.Name, c.Enterprise.CreditCode, c.Enterprise.LegalRep,
				c.Agent.Name, c.Agent.Phone, c.Agent.IDNumber,
				joinLabels(c.Records, "source", l, func(r workflow.Record) string { return r.Source }),
				joinLabels(c.Records, "record_type", l, func(r workflow.Record) string { return r.Type }),
				joinLabels(c.Records, "", l, func(r workflow.Record) string { return r.Institution }),
				joinLabels(c.Records, "problem", l, func(r workflow.Record) string { return r.Problem }),
				x.names(c.Owner), x.when(c.ReceivedAt), x.when(c.ClosedAt), days,
				strconv.Itoa(c.Round), strconv.Itoa(len(c.Notices)), outcome, decline, channel, ref,
				x.when(c.UpdatedAt), x.names(c.UpdatedBy))
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
				letter := ""
				if ev.Letter != nil {
					letter = ev.Letter.Title
				}
				put(ec, c.No, strconv.Itoa(ev.Seq), x.when(ev.At), ev.Kind.Label(l), x.names(ev.Actor), from, ev.To.Label(l),
					ev.Comment, strings.Join(ch, "; "), letter, ev.Hash)
			}
			if err := ec.Error(); err != nil {
				return err
			}
		}
		return nil
	})
	if cc != nil {
		cc.Flush()
		if err == nil {
			err = cc.Error()
		}
	}
	if ec != nil {
		ec.Flush()
		if err == nil {
			err = ec.Error()
		}
	}
	return n, err
}
