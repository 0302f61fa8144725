package cli

// repairdesk calendar list | import FILE.json, and repairdesk sla show | set STAGE DAYS.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"repairdesk/store"
	"repairdesk/workflow"
)

func (a *app) calendarCmd() *cobra.Command {
	list := a.command("list", "calendar_list")
	list.Args = a.noArgs
	list.RunE = a.run(func([]string) int { return a.calendar("") })
	imp := a.command("import", "calendar_import")
	imp.Args = a.exactArgs(1)
	imp.RunE = a.run(func(args []string) int { return a.calendar(args[0]) })
	return a.group("calendar", "calendar", list, imp)
}

// calendar imports the year in file (when given), then lists the years in force.
func (a *app) calendar(file string) int {
	var year workflow.CalendarYear
	if file != "" {
		b, err := a.readFile(file)
		if err != nil {
			return a.errf("calendar", exitFail, err.Error())
		}
		if year, err = workflow.ParseCalendarYear(b); err != nil {
			fmt.Fprintf(a.stderr, "repairdesk calendar: %s\n%s\n", a.t("cli.cal_invalid", file), messageIn(err, a.lang))
			return exitFail
		}
	}
	st, done, ok := a.useStore(a.dbPath(), store.Options{})
	if !ok {
		return exitFail
	}
	defer done()
	if file != "" {
		err := st.UpdateSettings(a.admin(), func(s *store.Settings) error {
			for i, y := range s.CalendarYears {
				if y.Year == year.Year {
					s.CalendarYears[i] = year
					return nil
				}
			}
			s.CalendarYears = append(s.CalendarYears, year)
			return nil
		})
		if err != nil {
			return a.errf("calendar", exitFail, messageIn(err, a.lang))
		}
		fmt.Fprintln(a.stdout, a.t("cli.cal_imported", year.Year, len(year.Holidays), len(year.Workdays)))
		return exitOK
	}
	cal := st.Settings().Calendar()
	for _, y := range cal.Years() {
		cy, _ := cal.Year(y)
		fmt.Fprintf(a.stdout, "%d  %s  %s\n", y, a.t("cli.cal_year", len(cy.Holidays), len(cy.Workdays)), cy.Source)
	}
	fmt.Fprintln(a.stdout, a.t("cli.cal_other"))
	return exitOK
}

func (a *app) slaCmd() *cobra.Command {
	show := a.command("show", "sla_show")
	show.Args = a.noArgs
	show.RunE = a.run(func([]string) int { return a.sla(nil) })
	set := a.command("set", "sla_set")
	set.Args = a.exactArgs(2)
	r := &slaRule{}
	set.Flags().BoolVar(&r.natural, "natural", false, a.t("flag.natural"))
	set.Flags().StringVar(&r.typ, "type", "", a.t("flag.record_type", strings.Join(workflow.Keys("record_type"), a.t("cli.list_sep"))))
	set.RunE = func(_ *cobra.Command, args []string) error {
		var err error
		if strings.TrimSpace(args[0]) == followUpRule {
			r.followUp = true
		} else if r.stage, err = workflow.SLAStage(args[0]); err != nil {
			return &usageErr{messageIn(err, a.lang)}
		}
		if r.days, err = workflow.SLADays(args[1]); err != nil {
			return &usageErr{messageIn(err, a.lang)}
		}
		if r.typ != "" && r.followUp {
			return &usageErr{a.t("cli.sla_follow_up_type")}
		}
		if r.typ != "" {
			if err := workflow.SLARecordType(r.typ); err != nil {
				return &usageErr{messageIn(err, a.lang)}
			}
		}
		a.code = a.sla(r)
		return nil
	}
	goal := a.command("goal", "sla_goal")
	goal.Args = a.exactArgs(2)
	goal.RunE = func(_ *cobra.Command, args []string) error {
		g, err := workflow.SLAGoal(args[0], args[1])
		if err != nil {
			return &usageErr{messageIn(err, a.lang)}
		}
		a.code = a.slaGoal(g)
		return nil
	}
	return a.group("sla", "sla", show, set, goal)
}

// slaGoal saves the handling-time baseline and target, then shows the rules in force.
func (a *app) slaGoal(g workflow.HandlingGoal) int {
	st, done, ok := a.useStore(a.dbPath(), store.Options{})
	if !ok {
		return exitFail
	}
	err := st.UpdateSettings(a.admin(), func(s *store.Settings) error { s.SLA.Goal = g; return nil })
	done()
	if err != nil {
		return a.errf("sla", exitFail, messageIn(err, a.lang))
	}
	return a.sla(nil)
}

// followUpRule is `sla set follow_up N`: the follow-up call (回访) after closing.
const followUpRule = "follow_up"

// slaRule is a checked `sla set`.
type slaRule struct {
	followUp bool // the follow-up call's limit, not a stage's
	stage    workflow.Stage
	days     int
	natural  bool
	typ      string
}

// sla saves rule (when given), then shows the rules in force.
func (a *app) sla(rule *slaRule) int {
	l := a.lang
	st, done, ok := a.useStore(a.dbPath(), store.Options{})
	if !ok {
		return exitFail
	}
	defer done()
	if rule != nil {
		err := st.UpdateSettings(a.admin(), func(s *store.Settings) error {
			lim := workflow.Limit{Days: rule.days, Natural: rule.natural}
			if rule.followUp {
				s.SLA.FollowUp = lim
				return nil
			}
			if rule.typ == "" {
				m := map[workflow.Stage]workflow.Limit{}
				for k, v := range s.SLA.Stage {
					m[k] = v
				}
				m[rule.stage] = lim
				s.SLA.Stage = m
				return nil
			}
			tm := map[string]map[workflow.Stage]workflow.Limit{}
			for k, v := range s.SLA.TypeStage {
				tm[k] = v
			}
			inner := map[workflow.Stage]workflow.Limit{}
			for k, v := range tm[rule.typ] {
				inner[k] = v
			}
			inner[rule.stage] = lim
			tm[rule.typ] = inner
			s.SLA.TypeStage = tm
			return nil
		})
		if err != nil {
			return a.errf("sla", exitFail, messageIn(err, l))
		}
	}
	sla := st.Settings().SLA
	unit := func(lim workflow.Limit) string {
		if lim.Natural {
			return a.t("cli.natural_days")
		}
		return a.t("cli.working_days")
	}
	for _, s := range workflow.Stages {
		if lim, ok := sla.Stage[s]; ok {
			fmt.Fprintf(a.stdout, "%-18s %s %3d %s\n", s, s.Label(l), lim.Days, unit(lim))
		}
	}
	var types []string
	for t := range sla.TypeStage {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		for _, s := range workflow.Stages {
			if lim, ok := sla.TypeStage[t][s]; ok {
				fmt.Fprintf(a.stdout, "%-18s %s %3d %s  (%s)\n", s, s.Label(l), lim.Days, unit(lim), a.t("cli.sla_only", t))
			}
		}
	}
	var srcs []string
	for k := range sla.Case {
		srcs = append(srcs, k)
	}
	sort.Strings(srcs)
	for _, k := range srcs {
		lim := sla.Case[k]
		fmt.Fprintln(a.stdout, a.t("cli.sla_case", k, lim.Days, unit(lim)))
	}
	g := sla.HandlingGoal()
	fmt.Fprintln(a.stdout, a.t("cli.sla_goal", g.Baseline, g.Target))
	fu := sla.FollowUpLimit()
	fmt.Fprintln(a.stdout, a.t("cli.sla_follow_up", followUpRule, fu.Days, unit(fu)))
	return exitOK
}
