package tui

import (
	"fmt"
	"strings"

	"repairdesk/store"
	"repairdesk/workflow"
)

// setSLA is ":sla STAGE DAYS [RECORD_TYPE] [natural]" for admins: the deadline rules can
// change while the office server runs (the command line cannot open a served database).
func (m *Model) setSLA(args []string) {
	if !m.c.Me.Role.CanAdminister() {
		m.setStatus(m.c.T("sla.denied"), true)
		return
	}
	if len(args) == 0 {
		m.setStatus(m.slaSummary(), false)
		return
	}
	if len(args) < 2 {
		m.setStatus(m.c.T("sla.usage"), true)
		return
	}
	stage, err := workflow.SLAStage(args[0])
	if err != nil {
		m.setStatus(m.errText(err), true)
		return
	}
	days, err := workflow.SLADays(args[1])
	if err != nil {
		m.setStatus(m.errText(err), true)
		return
	}
	typ, natural := "", false
	for _, a := range args[2:] {
		if a == "natural" {
			natural = true
			continue
		}
		if err := workflow.SLARecordType(a); err != nil {
			m.setStatus(m.errText(err), true)
			return
		}
		typ = a
	}
	err = m.c.Store.UpdateSettings(m.c.Me, func(s *store.Settings) error {
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
	if err != nil {
		m.setStatus(m.errText(err), true)
		return
	}
	m.q.setSnapshot(m.c.Store.Snapshot())
	m.setStatus(m.c.T("sla.saved", stage.Label(m.c.Lang), days)+"  "+m.slaSummary(), false)
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

// auditView lists what was done outside case actions: ID numbers revealed (with the
// reason), staff and settings changes. For admins and auditors.
func (m *Model) openAudit() {
	if !m.c.Me.Role.CanAdminister() && m.c.Me.Role != workflow.RoleAuditor {
		m.setStatus(m.c.T("audit.denied"), true)
		return
	}
	m.cv = nil
	m.auditLines = nil
	for _, e := range m.c.Store.AuditLog(500) {
		m.auditLines = append(m.auditLines, fmt.Sprintf("%s  %s  %s  %s",
			e.At.In(workflow.ChinaTZ).Format("2006-01-02 15:04"), fit(m.c.staffName(e.Actor), 8),
			fit(m.c.T("audit."+e.What), 12), safe(e.Detail)))
	}
	if len(m.auditLines) == 0 {
		m.auditLines = []string{m.c.T("audit.empty")}
	}
	m.audit = true
}

func (m *Model) auditView(w, h int) string {
	st := m.c.Styles
	lines := []string{st.Title.Render(m.c.T("audit.title")), ""}
	for _, l := range m.auditLines {
		lines = append(lines, cut(l, w))
	}
	return clampLines(lines, w, h)
}
