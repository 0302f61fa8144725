// Package reportout writes the seed's results table for a period — the dashboard's
// figures (workflow.ComputeResults) with the workload per specialist and the cases
// received and closed per week — as Markdown or CSV. `repairdesk report` and `e` on the
// console's dashboard write the same files through it.
package reportout

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"repairdesk/internal/csvout"
	"repairdesk/internal/mdtext"
	"repairdesk/internal/msg"
	"repairdesk/workflow"
)

// Report is one period's results, ready to write.
type Report struct {
	Res   workflow.Results
	Lang  string
	Now   time.Time           // when it was made
	Name  func(string) string // a login name as a person's name
	Title string              // the period's name, e.g. 2026年第1季度
}

func (r *Report) t(key string, a ...any) string { return msg.T(r.Lang, key, a...) }

// PeriodName: 2026年第3季度 when the period is a whole month, quarter or year, else as given.
func PeriodName(p workflow.Period, asked, lang string) string {
	for _, k := range []workflow.PeriodKind{workflow.PeriodMonth, workflow.PeriodQuarter, workflow.PeriodYear} {
		if q, name := workflow.PeriodOf(k, p.From, lang); q == p {
			return name
		}
	}
	return workflow.CleanLine(strings.TrimSpace(asked))
}

func (r *Report) rowLabel(row workflow.ResultRow) string {
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

// Markdown writes the report as Markdown.
func (r *Report) Markdown(w io.Writer) {
	res := r.Res
	fmt.Fprintf(w, "# %s · %s\n\n", r.t("report.title"), mdCell(r.Title))
	colon, gap := "：", "　　"
	if r.Lang == "en" {
		colon, gap = ": ", " · "
	}
	fmt.Fprintf(w, "%s%s%s%s%s%s%s\n\n", r.t("report.period"), colon, res.Period.String(), gap, r.t("report.generated"), colon, r.Now.In(workflow.ChinaTZ).Format("2006-01-02 15:04"))
	fmt.Fprintf(w, "| %s | %s | %s |\n|---|---:|---|\n", r.t("report.col_measure"), r.t("report.col_value"), r.t("report.col_basis"))
	for _, row := range res.Rows(r.Lang) {
		fmt.Fprintf(w, "| %s | %s | %s |\n", mdCell(r.rowLabel(row)), mdCell(row.Text), mdCell(row.Basis))
	}
	fmt.Fprintln(w)
	for _, def := range workflow.ResultDefinitions(r.Lang) { // what the rates mean, under the table
		fmt.Fprintf(w, "%s\n", def)
	}
	fmt.Fprintf(w, "\n%s\n", r.t("report.note"))

	fmt.Fprintf(w, "\n## %s\n\n", r.t("report.workload"))
	if len(res.Load) == 0 {
		fmt.Fprintf(w, "%s\n", r.t("report.no_load"))
	} else {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n|---|---:|---:|---:|\n", r.t("report.col_staff"), r.t("report.col_open"), r.t("report.col_closed"), r.t("report.col_overdue"))
		for _, l := range res.Load {
			fmt.Fprintf(w, "| %s | %d | %d | %d |\n", mdCell(r.Name(l.Staff)), l.Open, l.ClosedInPeriod, l.Overdue)
		}
	}

	fmt.Fprintf(w, "\n## %s\n\n", r.t("report.weekly"))
	fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n|---|---|---|---:|---:|\n", r.t("report.col_week"), r.t("report.col_from"), r.t("report.col_to"), r.t("report.col_received"), r.t("report.col_closed_week"))
	for _, wk := range res.Weekly {
		name, from, to := weekSpan(wk, res.Period)
		fmt.Fprintf(w, "| %s | %s | %s | %d | %d |\n", name, from, to, wk.Received, wk.Closed)
	}
}

// CSV writes the same tables as blocks separated by an empty row, numbers as plain
// numbers (so Excel can compute with them) and units in their own column.
func (r *Report) CSV(w io.Writer) error {
	res := r.Res
	cw := csvout.New(w, true)
	put := cw.Row
	put(r.t("report.title"), r.Title)
	put(r.t("report.period"), res.Period.String())
	put(r.t("report.generated"), r.Now.In(workflow.ChinaTZ).Format("2006-01-02 15:04"))
	put()
	put(r.t("report.col_measure"), r.t("report.col_value"), r.t("report.col_unit"), r.t("report.col_basis"))
	for _, row := range res.Rows(r.Lang) {
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
		put(r.Name(l.Staff), strconv.Itoa(l.Open), strconv.Itoa(l.ClosedInPeriod), strconv.Itoa(l.Overdue))
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
