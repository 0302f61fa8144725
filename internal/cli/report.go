package cli

// repairdesk report: the seed's results table for a period, as Markdown or CSV.

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"repairdesk/internal/csvout"
	"repairdesk/internal/mdtext"
	"repairdesk/internal/msg"
	"repairdesk/store"
	"repairdesk/workflow"
)

// reportCmd prints the seed's results table for a period: received, repaired, success
// rate, average and median handling days (the applicant's time excluded), time per stage,
// SLA breaches, first-notice completeness, whitewash attempts declined, open cases, then
// the workload per specialist and the cases received and closed per week. The figures are
// workflow.ComputeResults, the dashboard's.
func (a *app) reportCmd() *cobra.Command {
	c := a.command("report", "report")
	c.Args = a.noArgs
	f := c.Flags()
	period := f.String("period", "quarter", a.t("flag.period"))
	format := f.String("format", "md", a.t("flag.report_format"))
	out := f.String("out", "", a.t("flag.out"))
	c.RunE = a.run(func([]string) int { return a.report(*period, *format, *out) })
	return c
}

func (a *app) report(period, format, out string) int {
	l := a.lang
	now := time.Now()
	p, err := workflow.ParsePeriod(period, now)
	if err != nil {
		return a.errf("report", exitUsage, messageIn(err, l))
	}
	f := strings.ToLower(format)
	if f != "md" && f != "csv" && f != "markdown" {
		return a.errf("report", exitUsage, a.t("cli.report_format", format))
	}
	if out != "" && out != "-" {
		if err := a.refuseExisting(out); err != nil {
			return a.errf("report", exitFail, err.Error())
		}
	}
	st, done, ok := a.useStore(a.dbPath(), store.Options{ReadOnly: true})
	if !ok {
		return exitFail
	}
	defer done()
	res, err := st.Results(p, now)
	if err != nil {
		return a.errf("report", exitFail, messageIn(err, l))
	}
	rep := report{res: res, lang: l, now: now, name: staffNames(st), title: periodName(p, period, l)}
	var buf bytes.Buffer
	if f == "csv" {
		err = rep.csv(&buf)
	} else {
		rep.markdown(&buf)
	}
	if err == nil {
		err = a.writeOut(out, buf.Bytes())
	}
	if err != nil {
		return a.errf("report", exitFail, messageIn(err, l))
	}
	return exitOK
}

type report struct {
	res   workflow.Results
	lang  string
	now   time.Time
	name  func(string) string
	title string
}

func (r *report) t(key string, a ...any) string { return msg.T(r.lang, key, a...) }

// periodName: 2026年第3季度 when the period is a whole month, quarter or year, else as given.
func periodName(p workflow.Period, asked, lang string) string {
	for _, k := range []workflow.PeriodKind{workflow.PeriodMonth, workflow.PeriodQuarter, workflow.PeriodYear} {
		if q, name := workflow.PeriodOf(k, p.From, lang); q == p {
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

func (r *report) rowLabel(row workflow.ResultRow) string {
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

// mdCell is stored or typed text in the Markdown report: one line, HTML and Markdown
// syntax escaped (mdtext.Escape, the one escaper of every Markdown output).
func mdCell(s string) string { return mdtext.Escape(s) }

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
	fmt.Fprintln(w)
	for _, def := range workflow.ResultDefinitions(r.lang) { // what the rates mean, under the table
		fmt.Fprintf(w, "%s\n", def)
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
	cw := csvout.New(w, true)
	put := cw.Row
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
	return cw.Flush()
}
