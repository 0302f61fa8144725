package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"repairdesk/store"
	"repairdesk/tui"
	"repairdesk/workflow"
)

// utf8BOM starts every CSV file: without it Excel reads UTF-8 as the local code page and
// the Chinese comes out garbled.
const utf8BOM = "\ufeff"

const reportUsage = "repairdesk report [--period 2026-Q3] [--format md|csv] [--out FILE] [--lang zh|en] [--db PATH]"

// cmdReport prints the seed's results table for a period: received, repaired, success
// rate, average and median handling days (the applicant's time excluded), time per stage,
// SLA breaches, first-notice completeness, whitewash attempts declined, open cases, then
// the workload per specialist and the cases received and closed per week.
func cmdReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("repairdesk report", stderr, reportUsage)
	db := fs.String("db", DefaultDBPath(), "database file")
	period := fs.String("period", "quarter", "2026-Q3, 2026-07, 2026, 2026-01-01..2026-03-31, month, quarter or year (this one)")
	format := fs.String("format", "md", "md (a Markdown table) or csv (UTF-8 with BOM, opens in Excel)")
	out := fs.String("out", "", "write to FILE instead of standard output (an existing file is never overwritten)")
	lang := fs.String("lang", "", "zh (default) or en; else LC_ALL/LANG")
	pos, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) > 0 {
		fs.Usage()
		return 2
	}
	now := time.Now()
	p, err := workflow.ParsePeriod(*period, now)
	if err != nil {
		fmt.Fprintln(stderr, "repairdesk report:", err)
		return 2
	}
	f := strings.ToLower(*format)
	if f != "md" && f != "csv" && f != "markdown" {
		fmt.Fprintf(stderr, "repairdesk report: --format %q: use md or csv (格式应为 md 或 csv)\n", *format)
		return 2
	}
	if *out != "" && *out != "-" {
		if err := refuseExisting(*out); err != nil {
			fmt.Fprintln(stderr, "repairdesk report:", err)
			return 1
		}
	}
	l := tui.LangFromEnv(*lang)
	st, ok := openStore(*db, store.Options{ReadOnly: true}, stderr, l)
	if !ok {
		return 1
	}
	defer st.Close()
	cases, events, err := st.StatsData()
	if err != nil {
		fmt.Fprintln(stderr, "repairdesk report:", messageIn(err, l))
		return 1
	}
	set := st.Settings()
	res := tui.ComputeResults(cases, events, p, set.SLA, set.Calendar(), now)
	rep := report{res: res, lang: l, now: now, name: staffNames(st), title: periodName(p, *period, l)}
	var buf bytes.Buffer
	if f == "csv" {
		err = rep.csv(&buf)
	} else {
		rep.markdown(&buf)
	}
	if err == nil {
		err = writeOut(*out, buf.Bytes(), stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "repairdesk report:", messageIn(err, l))
		return 1
	}
	return 0
}

type report struct {
	res   tui.Results
	lang  string
	now   time.Time
	name  func(string) string
	title string
}

func (r *report) t(key string, a ...any) string { return tui.T(r.lang, key, a...) }

// periodName: 2026年第3季度 when the period is a whole month, quarter or year, else as given.
func periodName(p workflow.Period, asked, lang string) string {
	for _, k := range []tui.PeriodKind{tui.PeriodMonth, tui.PeriodQuarter, tui.PeriodYear} {
		if q, name := tui.PeriodOf(k, p.From, lang); q == p {
			return name
		}
	}
	return workflow.CleanLine(strings.TrimSpace(asked))
}

// staffNames shows a login name as the person's name, for tables read by people.
func staffNames(st *store.Store) func(string) string {
	return func(n string) string {
		if n == "" {
			return "—"
		}
		if s, ok := st.Staff(n); ok {
			return workflow.CleanLine(s.Shown())
		}
		return workflow.CleanLine(n)
	}
}

func (r *report) rowLabel(row tui.ResultRow) string {
	if row.Key == "stage" {
		return r.t("report.stage_row", row.Label)
	}
	return row.Label
}

// weekSpan is the part of week wk inside the period: its first and last day.
func weekSpan(wk workflow.WeekCount, p workflow.Period) (string, string, string) {
	from := wk.WeekStart
	if from.Before(p.From) {
		from = p.From
	}
	to := wk.WeekStart.AddDate(0, 0, 7)
	if to.After(p.To) {
		to = p.To
	}
	y, w := wk.WeekStart.In(workflow.ChinaTZ).ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w), workflow.Day(from), workflow.Day(to.Add(-time.Nanosecond))
}

// mdCell keeps a table cell on one line and its pipes literal.
func mdCell(s string) string {
	s = workflow.CleanLine(s)
	return strings.ReplaceAll(s, "|", `\|`)
}

func (r *report) markdown(w io.Writer) {
	res := r.res
	fmt.Fprintf(w, "# %s · %s\n\n", r.t("report.title"), mdCell(r.title))
	colon, gap := "：", "　　"
	if r.lang == "en" {
		colon, gap = ": ", " · "
	}
	fmt.Fprintf(w, "%s%s%s%s%s%s%s\n\n", r.t("report.period"), colon, res.Period.String(), gap, r.t("report.generated"), colon, r.now.In(workflow.ChinaTZ).Format("2006-01-02 15:04"))
	fmt.Fprintf(w, "| %s | %s | %s |\n|---|---:|---|\n", r.t("report.col_measure"), r.t("report.col_value"), r.t("report.col_basis"))
	for _, row := range res.Rows(r.lang) {
		fmt.Fprintf(w, "| %s | %s | %s |\n", mdCell(r.rowLabel(row)), mdCell(row.Text), mdCell(row.Basis))
	}
	fmt.Fprintf(w, "\n%s\n", r.t("report.note"))

	fmt.Fprintf(w, "\n## %s\n\n", r.t("report.workload"))
	if len(res.Load) == 0 {
		fmt.Fprintf(w, "%s\n", r.t("report.no_load"))
	} else {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n|---|---:|---:|---:|\n", r.t("report.col_staff"), r.t("report.col_open"), r.t("report.col_closed"), r.t("report.col_overdue"))
		for _, l := range res.Load {
			fmt.Fprintf(w, "| %s | %d | %d | %d |\n", mdCell(r.name(l.Staff)), l.Open, l.ClosedInPeriod, l.Overdue)
		}
	}

	fmt.Fprintf(w, "\n## %s\n\n", r.t("report.weekly"))
	fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n|---|---|---|---:|---:|\n", r.t("report.col_week"), r.t("report.col_from"), r.t("report.col_to"), r.t("report.col_received"), r.t("report.col_closed_week"))
	for _, wk := range res.Weekly {
		name, from, to := weekSpan(wk, res.Period)
		fmt.Fprintf(w, "| %s | %s | %s | %d | %d |\n", name, from, to, wk.Received, wk.Closed)
	}
}

// csv writes the same tables as blocks separated by an empty row, numbers as plain
// numbers (so Excel can compute with them) and units in their own column.
func (r *report) csv(w io.Writer) error {
	res := r.res
	io.WriteString(w, utf8BOM)
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	put := func(rec ...string) {
		for i := range rec {
			rec[i] = csvCell(rec[i])
		}
		cw.Write(rec)
	}
	put(r.t("report.title"), r.title)
	put(r.t("report.period"), res.Period.String())
	put(r.t("report.generated"), r.now.In(workflow.ChinaTZ).Format("2006-01-02 15:04"))
	put()
	put(r.t("report.col_measure"), r.t("report.col_value"), r.t("report.col_unit"), r.t("report.col_basis"))
	for _, row := range res.Rows(r.lang) {
		v := ""
		if !row.NA {
			v = strconv.FormatFloat(row.Value, 'f', -1, 64)
			if row.Unit == "%" || strings.Contains(row.Text, ".") {
				v = strconv.FormatFloat(row.Value, 'f', 1, 64)
			}
		}
		put(r.rowLabel(row), v, row.Unit, row.Basis)
	}
	put(r.t("report.note"))
	put()
	put(r.t("report.workload"))
	put(r.t("report.col_staff"), r.t("report.col_open"), r.t("report.col_closed"), r.t("report.col_overdue"))
	for _, l := range res.Load {
		put(r.name(l.Staff), strconv.Itoa(l.Open), strconv.Itoa(l.ClosedInPeriod), strconv.Itoa(l.Overdue))
	}
	put()
	put(r.t("report.weekly"))
	put(r.t("report.col_week"), r.t("report.col_from"), r.t("report.col_to"), r.t("report.col_received"), r.t("report.col_closed_week"))
	for _, wk := range res.Weekly {
		name, from, to := weekSpan(wk, res.Period)
		put(name, from, to, strconv.Itoa(wk.Received), strconv.Itoa(wk.Closed))
	}
	cw.Flush()
	return cw.Error()
}

// csvCell keeps stored text from being taken for a formula by a spreadsheet (= + - @ and
// control characters at the start) and on one line.
func csvCell(s string) string {
	s = workflow.CleanLine(s)
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return "'" + s
		}
	}
	return s
}

// refuseExisting: an output file is never overwritten.
func refuseExisting(path string) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s already exists; choose another name — it is never overwritten (文件已存在，不会覆盖，请换一个文件名)", path)
	}
	return nil
}

// createNew opens a new file for writing, refusing one that exists.
func createNew(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil && os.IsExist(err) {
		return nil, refuseExisting(path)
	}
	return f, err
}

// writeOut writes data to path ("" or "-": standard output), never over an existing file.
func writeOut(path string, data []byte, stdout io.Writer) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	f, err := createNew(path)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
