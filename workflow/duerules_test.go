package workflow

import "testing"

// TestDueRulesNamesWhatDeadlinesDependOn: the rules' name changes with every part of
// the SLA that SLA.DueOf reads and with the calendar, and not with the parts it does not
// read (a change of those must not make every open case's kept deadline be written again).
func TestDueRulesNamesWhatDeadlinesDependOn(t *testing.T) {
	base := DefaultSLA()
	cal := DefaultCalendar()
	name := DueRules(base, cal)
	if DueRules(DefaultSLA(), DefaultCalendar()) != name {
		t.Fatal("the same rules are named differently twice")
	}
	moved := map[string]func(s *SLA) *Calendar{
		"a stage limit": func(s *SLA) *Calendar {
			s.Stage = map[Stage]Limit{}
			for k, l := range base.Stage {
				l.Days++
				s.Stage[k] = l
			}
			return cal
		},
		"a record type's stage limit": func(s *SLA) *Calendar {
			s.TypeStage = map[string]map[Stage]Limit{"court": {StageInvestigating: {Days: 99}}}
			return cal
		},
		"a case limit": func(s *SLA) *Calendar {
			s.Case = map[string]Limit{}
			for k, l := range base.Case {
				l.Days++
				s.Case[k] = l
			}
			return cal
		},
		"the calendar": func(s *SLA) *Calendar {
			return cal.With(CalendarYear{Year: 2099, Source: "test", Holidays: []CalendarDay{{Date: "2099-01-02", Name: "test"}}})
		},
	}
	for what, change := range moved {
		s := DefaultSLA()
		c := change(&s)
		if DueRules(s, c) == name {
			t.Errorf("%s changed and the rules keep their name", what)
		}
	}
	s := DefaultSLA()
	s.Goal = HandlingGoal{Baseline: 99, Target: 1}
	s.DueSoon++
	if DueRules(s, cal) != name {
		t.Error("the handling goal or the due-soon margin changed the rules' name: they move no deadline")
	}
}
