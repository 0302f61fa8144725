package cli

// repairdesk report: the seed's results table for a period, as Markdown or CSV.

import (
	"bytes"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"repairdesk/internal/reportout"
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
	rep := reportout.Report{Res: res, Lang: l, Now: now, Name: staffNames(st), Title: reportout.PeriodName(p, period, l)}
	var buf bytes.Buffer
	if f == "csv" {
		err = rep.CSV(&buf)
	} else {
		rep.Markdown(&buf)
	}
	if err == nil {
		err = a.writeOut(out, buf.Bytes())
	}
	if err != nil {
		return a.errf("report", exitFail, messageIn(err, l))
	}
	return exitOK
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
