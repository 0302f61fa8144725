package tui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

// slaSavedMsg reports a deadline rule saved (or refused) off the UI loop.
type slaSavedMsg struct {
	stage workflow.Stage
	days  int
	err   error
}

// setSLA is ":sla STAGE DAYS [RECORD_TYPE] [natural]" for admins: the deadline rules can
// change while the office server runs (the command line cannot open a served database).
// ":sla" alone shows the rules to anyone.
func (m *Model) setSLA(args []string) tea.Cmd {
	if len(args) == 0 {
		m.setStatus(m.slaSummary(), false)
		return nil
	}
	if !m.c.Me.Role.CanAdminister() {
		m.setStatus(m.c.T("sla.denied"), true)
		return nil
	}
	if len(args) < 2 {
		m.setStatus(m.c.T("sla.usage"), true)
		return nil
	}
	stage, err := workflow.SLAStage(args[0])
	if err != nil {
		m.setStatus(m.errText(err), true)
		return nil
	}
	days, err := workflow.SLADays(args[1])
	if err != nil {
		m.setStatus(m.errText(err), true)
		return nil
	}
	typ, natural := "", false
	for _, a := range args[2:] {
		if a == "natural" {
			natural = true
			continue
		}
		if err := workflow.SLARecordType(a); err != nil {
			m.setStatus(m.errText(err), true)
			return nil
		}
		typ = a
	}
	st, me := m.c.Store, m.c.Me
	return func() tea.Msg {
		err := st.UpdateSettings(me, func(s *store.Settings) error {
			l := workflow.Limit{Days: days, Natural: natural}
			if typ == "" {
				s.SLA.Stage[stage] = l // a copy: UpdateSettings clones the maps first
				return nil
			}
			if s.SLA.TypeStage == nil {
				s.SLA.TypeStage = map[string]map[workflow.Stage]workflow.Limit{}
			}
			if s.SLA.TypeStage[typ] == nil {
				s.SLA.TypeStage[typ] = map[workflow.Stage]workflow.Limit{}
			}
			s.SLA.TypeStage[typ][stage] = l
			return nil
		})
		return slaSavedMsg{stage: stage, days: days, err: err}
	}
}

func (m *Model) onSLASaved(msg slaSavedMsg) {
	if msg.err != nil {
		m.setStatus(m.errText(msg.err), true)
		return
	}
	m.q.setSnapshot(m.c.Store.Snapshot())
	m.setStatus(m.c.T("sla.saved", msg.stage.Label(m.c.Lang), msg.days)+"  "+m.slaSummary(), false)
}

func (m *Model) slaSummary() string {
	sla := m.c.Store.Settings().SLA
	var parts []string
	for _, s := range workflow.Stages {
		if l, ok := sla.Stage[s]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", s.Label(m.c.Lang), l.Days))
		}
	}
	return strings.Join(parts, " · ")
}

// openAudit lists what was done outside case actions: ID numbers revealed (with the
// reason), staff and settings changes. For admins and auditors.
func (m *Model) openAudit() {
	if !m.c.Me.Role.CanAdminister() && m.c.Me.Role != workflow.RoleAuditor {
		m.setStatus(m.c.T("audit.denied"), true)
		return
	}
	a := &auditScreen{c: m.c}
	for _, e := range m.c.Store.AuditLog(500) {
		a.lines = append(a.lines, fmt.Sprintf("%s  %s  %s  %s",
			e.At.In(workflow.ChinaTZ).Format("2006-01-02 15:04"), fit(m.c.staffName(e.Actor), 8),
			fit(m.c.T("audit."+e.What), 12), safe(e.Detail)))
	}
	if len(a.lines) == 0 {
		a.lines = []string{m.c.T("audit.empty")}
	}
	m.clearStack()
	m.push(a)
}
