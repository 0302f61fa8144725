package tui

import (
	"errors"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

// The preview: before an action that issues letters (a notice, a lapse, a decline, the
// correction report with its 情况说明, the result) is taken, the exact text of every
// letter it would issue is shown; confirming applies the action as previewed, with its
// fingerprint, so the store keeps exactly what was shown (or refuses and asks to preview
// again). A change to the case meanwhile is caught by the version check.

// previewsLetters: the action issues letters, so the console previews them first.
func previewsLetters(kind workflow.ActionKind) bool {
	return kind != workflow.ActCreate && workflow.LetterKindFor(kind) != ""
}

// previewMsg brings the letters an action would issue, worked out off the UI loop.
type previewMsg struct {
	id      uint32
	kind    workflow.ActionKind
	version int
	a       workflow.Action // completed: time, deadline, fingerprint
	letters []workflow.Letter
	err     error
}

func previewCmd(c *Common, id uint32, version int, a workflow.Action) tea.Cmd {
	st, me, now := c.Store, c.Me, c.Now()
	return func() tea.Msg {
		a.At = now
		a.Actor = me.Name
		done, ls, err := st.PreviewLetters(id, version, me, a)
		return previewMsg{id: id, kind: a.Kind, version: version, a: done, letters: ls, err: err}
	}
}

// previewScreen shows the letters with scroll; y (or ctrl+s) issues them, esc goes back
// to the form with everything typed kept.
type previewScreen struct {
	c       *Common
	p       previewMsg
	caseNo  string
	scroll  int
	issuing bool
}

func newPreview(c *Common, caseNo string, p previewMsg) *previewScreen {
	return &previewScreen{c: c, p: p, caseNo: caseNo}
}

func (s *previewScreen) Typing() bool { return false }

// Update: a refusal of the confirmed action (the case changed, the letters changed) closes
// the preview; the form below says why and previews again on ctrl+s.
func (s *previewScreen) Update(msg tea.Msg) tea.Cmd {
	if r, ok := msg.(actionDoneMsg); ok && r.id == s.p.id && r.kind == s.p.kind {
		s.issuing = false
		if r.err != nil {
			s.c.send(popMsg{s})
		}
	}
	return nil
}

func (s *previewScreen) Bindings() []Binding {
	k := s.c.Keys
	c := s.c
	scroll := func(d int) func(tea.KeyMsg) tea.Cmd {
		return func(tea.KeyMsg) tea.Cmd { s.scroll = max(0, s.scroll+d); return nil }
	}
	const far = 1 << 20
	return []Binding{
		on(k.Up, scroll(-1)), on(k.Down, scroll(1)),
		on(k.Top, scroll(-far)), on(k.Bottom, scroll(far)),
		on(k.PgUp, scroll(-c.Height/2)), on(k.PgDown, scroll(c.Height/2)),
		on(k.Issue, func(tea.KeyMsg) tea.Cmd {
			s.issuing = true
			return applyPreviewed(c, s.p.id, s.p.version, s.p.a)
		}).main().when(func() string {
			if s.issuing {
				return c.T("preview.issuing")
			}
			return ""
		}),
		on(k.Back, func(tea.KeyMsg) tea.Cmd {
			c.send(popMsg{s}, statusMsg{c.T("preview.back"), false})
			return nil
		}).main(),
	}
}

// applyPreviewed applies the action exactly as previewed (its time is the preview's, so
// the letters' dates and deadlines are the ones shown).
func applyPreviewed(c *Common, id uint32, version int, a workflow.Action) tea.Cmd {
	st, me := c.Store, c.Me
	return func() tea.Msg {
		cs, err := st.Apply(id, version, me, a)
		return actionDoneMsg{id: id, kind: a.Kind, cs: cs, err: err}
	}
}

func (s *previewScreen) lines(w int) []string {
	st := s.c.Styles
	out := []string{st.Title.Render(cut(s.c.T("preview.title", s.caseNo, s.p.kind.Label(s.c.Lang)), w))}
	if un := s.c.Store.Settings().Letterhead.Unset(); len(un) > 0 {
		var names []string
		for _, k := range un {
			names = append(names, s.c.T("agency.field_"+k))
		}
		for _, l := range wrap(s.c.T("preview.agency_unset", strings.Join(names, s.c.T("list_sep"))), w-2) {
			out = append(out, st.Warn.Render(l))
		}
	}
	out = append(out, st.Faint.Render(cut(s.c.T("preview.hint", len(s.p.letters)), w)), "")
	for i, l := range s.p.letters {
		if i > 0 {
			out = append(out, "", st.Faint.Render(strings.Repeat("─", max(1, min(w-2, 60)))), "")
		}
		for j, line := range strings.Split(strings.TrimRight(workflow.LetterText(l), "\n"), "\n") {
			if j == 0 {
				out = append(out, " "+st.Title.Render(cut(safe(line), w-2)))
				continue
			}
			if strings.TrimSpace(line) == "" {
				out = append(out, "")
				continue
			}
			body := strings.TrimLeft(line, " ")
			indent := strings.Repeat(" ", 1+len(line)-len(body)) // the letter's own indentation
			for _, wl := range wrap(safe(body), w-len(indent)) {
				out = append(out, indent+wl)
			}
		}
	}
	return out
}

func (s *previewScreen) View(w, h int) string {
	all := s.lines(w)
	s.scroll = max(0, min(s.scroll, len(all)-h))
	return clampLines(all[s.scroll:], w, h)
}

// previewFailed says why a preview could not be made or the previewed action was refused,
// asking to preview again where the case or its letters changed.
func previewFailed(c *Common, err error) string {
	var ce *store.ConflictError
	var rf *workflow.Refusal
	if errors.As(err, &ce) || errors.As(err, &rf) && rf.Code == "preview" {
		return errText(c, err) + " " + c.T("preview.again")
	}
	return errText(c, err)
}
