package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"

	"repairdesk/store"
	"repairdesk/tui"
	"repairdesk/workflow"
)

// cliAdmin is who the command line acts as for settings: whoever can write the database
// file is trusted like an admin, and is named in the audit log.
func cliAdmin() workflow.Staff {
	return workflow.Staff{Name: osUser(), Role: workflow.RoleAdmin, Active: true}
}

// cmdCalendar: repairdesk calendar list | import FILE.
func cmdCalendar(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("repairdesk calendar", stderr, "repairdesk calendar list | import FILE.json  [--db PATH]")
	db := fs.String("db", DefaultDBPath(), "database file")
	pos, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) == 0 || (pos[0] == "import" && len(pos) != 2) || (pos[0] != "import" && pos[0] != "list") {
		fs.Usage()
		return 2
	}
	l := tui.LangFromEnv("")
	var year workflow.CalendarYear
	if pos[0] == "import" {
		b, err := os.ReadFile(pos[1])
		if err != nil {
			fmt.Fprintln(stderr, "repairdesk calendar:", err)
			return 1
		}
		if year, err = workflow.ParseCalendarYear(b); err != nil {
			fmt.Fprintf(stderr, "repairdesk calendar: %s\n%v\n", tui.T(l, "cli.cal_invalid", pos[1]), err)
			return 1
		}
	}
	st, ok := openStore(*db, store.Options{}, stderr, l)
	if !ok {
		return 1
	}
	defer st.Close()
	if pos[0] == "import" {
		err := st.UpdateSettings(cliAdmin(), func(s *store.Settings) error {
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
			fmt.Fprintln(stderr, "repairdesk calendar:", err)
			return 1
		}
		fmt.Fprintln(stdout, tui.T(l, "cli.cal_imported", year.Year, len(year.Holidays), len(year.Workdays)))
		return 0
	}
	cal := st.Settings().Calendar()
	for _, y := range cal.Years() {
		cy, _ := cal.Year(y)
		fmt.Fprintf(stdout, "%d  %s  %s\n", y, tui.T(l, "cli.cal_year", len(cy.Holidays), len(cy.Workdays)), cy.Source)
	}
	fmt.Fprintln(stdout, tui.T(l, "cli.cal_other"))
	return 0
}

// cmdSLA: repairdesk sla show | set STAGE DAYS [--natural] [--type RECORD_TYPE].
func cmdSLA(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("repairdesk sla", stderr, "repairdesk sla show | set STAGE DAYS [--natural] [--type RECORD_TYPE]  [--db PATH]")
	db := fs.String("db", DefaultDBPath(), "database file")
	natural := fs.Bool("natural", false, "count natural days instead of working days")
	typ := fs.String("type", "", "apply only to this record type ("+fmt.Sprint(workflow.Keys("record_type"))+")")
	pos, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) == 0 || (pos[0] == "set" && len(pos) != 3) || (pos[0] != "set" && pos[0] != "show") {
		fs.Usage()
		return 2
	}
	l := tui.LangFromEnv("")
	st, ok := openStore(*db, store.Options{}, stderr, l)
	if !ok {
		return 1
	}
	defer st.Close()
	if pos[0] == "set" {
		stage := workflow.Stage(pos[1])
		if !stage.Valid() || stage.Terminal() || stage == workflow.StageAwaitingMaterials {
			fmt.Fprintln(stderr, "repairdesk sla:", tui.T(l, "cli.sla_stage", pos[1]))
			return 2
		}
		days, err := strconv.Atoi(pos[2])
		if err != nil || days < 1 || days > 365 {
			fmt.Fprintln(stderr, "repairdesk sla:", tui.T(l, "cli.sla_days", pos[2]))
			return 2
		}
		if *typ != "" && workflow.Label("record_type", *typ, "en") == *typ {
			fmt.Fprintln(stderr, "repairdesk sla:", tui.T(l, "cli.sla_type", *typ))
			return 2
		}
		err = st.UpdateSettings(cliAdmin(), func(s *store.Settings) error {
			l := workflow.Limit{Days: days, Natural: *natural}
			if *typ == "" {
				m := map[workflow.Stage]workflow.Limit{}
				for k, v := range s.SLA.Stage {
					m[k] = v
				}
				m[stage] = l
				s.SLA.Stage = m
				return nil
			}
			tm := map[string]map[workflow.Stage]workflow.Limit{}
			for k, v := range s.SLA.TypeStage {
				tm[k] = v
			}
			inner := map[workflow.Stage]workflow.Limit{}
			for k, v := range tm[*typ] {
				inner[k] = v
			}
			inner[stage] = l
			tm[*typ] = inner
			s.SLA.TypeStage = tm
			return nil
		})
		if err != nil {
			fmt.Fprintln(stderr, "repairdesk sla:", err)
			return 1
		}
	}
	sla := st.Settings().SLA
	unit := func(lim workflow.Limit) string {
		if lim.Natural {
			return tui.T(l, "cli.natural_days")
		}
		return tui.T(l, "cli.working_days")
	}
	for _, s := range workflow.Stages {
		if lim, ok := sla.Stage[s]; ok {
			fmt.Fprintf(stdout, "%-18s %s %3d %s\n", s, s.Label(l), lim.Days, unit(lim))
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
				fmt.Fprintf(stdout, "%-18s %s %3d %s  (%s)\n", s, s.Label(l), lim.Days, unit(lim), tui.T(l, "cli.sla_only", t))
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
		fmt.Fprintln(stdout, tui.T(l, "cli.sla_case", k, lim.Days, unit(lim)))
	}
	return 0
}
