package tui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

// :agency — the agency's details every letter carries (name, address, phone, contact
// person, the seal placeholder's text), for admins; the same settings as
// `repairdesk agency set`.

type agencyDoneMsg struct{ err error }

// agencyFieldMax is the command line's bound too (internal/cli/agency.go).
const agencyFieldMax = 100

func newAgencyScreen(c *Common) *formScreen {
	f := newForm(c, c.T("agency.title"))
	f.name = "agency"
	lh := c.Store.Settings().Letterhead
	for _, x := range []struct{ key, v string }{
		{"agency_name", lh.Agency}, {"agency_address", lh.Address}, {"agency_phone", lh.Phone},
		{"agency_contact", lh.Contact}, {"agency_seal", lh.Seal},
	} {
		fd := f.text(x.key, c.T("agency.f_"+strings.TrimPrefix(x.key, "agency_")), x.key == "agency_name", nil).limitTo(agencyFieldMax)
		fd.setValue(safe(x.v))
	}
	f.info = c.T("agency.info")
	f.setFocus(0)
	s := &formScreen{c: c, kind: "agency", f: f}
	st, me := c.Store, c.Me
	s.submit = func(f *form) tea.Cmd {
		l := workflow.LetterSettings{Agency: f.val("agency_name"), Address: f.val("agency_address"), Phone: f.val("agency_phone"),
			Contact: f.val("agency_contact"), Seal: f.val("agency_seal")}
		return func() tea.Msg {
			err := st.UpdateSettings(me, func(s *store.Settings) error {
				s.Letterhead = l
				return nil
			})
			return agencyDoneMsg{err: err}
		}
	}
	s.result = func(msg tea.Msg) (bool, tea.Cmd) {
		r, ok := msg.(agencyDoneMsg)
		if !ok {
			return false, nil
		}
		if r.err != nil {
			s.f.failed(errText(c, r.err))
			return true, nil
		}
		c.dropDraft(s.f)
		c.send(popMsg{s}, statusMsg{c.T("agency.saved"), false})
		return true, nil
	}
	return s
}
