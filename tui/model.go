package tui

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"repairdesk/store"
	"repairdesk/workflow"
)

// Model is the root of one console session.
type Model struct {
	c      *Common
	q      *queue
	cv     *caseView
	menu   *actionMenu
	af     *form
	afKind workflow.ActionKind
	afCase workflow.Case
	intake *form
	staffv *staffView
	// confirm, when set, runs on "y"; any other key cancels (destructive bulk actions).
	confirm func() tea.Cmd
	entv    *enterpriseView
	dash    *dashboard
	// audit log view (admins, auditors)
	audit      bool
	auditLines []string
	help       bool
	cmd        *textinput.Model

	status    string
	statusErr bool
	// pin, when set, is the PIN screen in front of everything (pin.go): first-login
	// setup, the PIN at login, or the idle lock. lockedOut: ended on wrong PINs.
	pin       *pinGate
	lockedOut bool
	lastKey   time.Time
	idleLock  time.Duration
	ending    string
	demo      bool

	sub   <-chan store.Change
	unsub func()
	// manualFeed: tests deliver changes themselves instead of a waiting command.
	manualFeed bool

	// frame is drawn with the update for someone else's change, inside the redraw
	// limit; the View that follows that update returns it.
	frame   string
	frameOK bool

	// cur is where the terminal's cursor stands after the last frame (cursor.go).
	cur cursorAt
	// forms.go: drafts found at the start, offered one at a time; grace: the server's
	// countdown before it ends the session.
	drafts []store.Draft
	grace  *graceState
}

// New builds the console for one session.
func New(o Options) *Model {
	if o.Renderer == nil {
		o.Renderer = lipgloss.DefaultRenderer()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	lang := NormLang(o.Lang)
	c := &Common{Store: o.Store, Me: o.Me, Lang: lang, R: o.Renderer, Styles: NewStyles(o.Renderer), Keys: NewKeyMap(lang),
		Now: o.Now, Width: 80, Height: 24, ExportDir: o.ExportDir, redraws: o.Redraws, draftDelay: draftDelay}
	c.loadStaff()
	m := &Model{c: c, idleLock: o.IdleLock, lastKey: o.Now(), demo: o.Demo}
	m.q = newQueue(c)
	m.sub, m.unsub = o.Store.Subscribe()
	if err := o.Store.KeyProblem(); err != nil {
		// Without the key the database is read-only: say so before anyone tries to work.
		m.setStatus(m.errText(err), true)
	}
	if m.idleLock > 0 {
		// A console that locks needs the person's PIN to unlock: ask for it (or have
		// them choose one) before the queues. Otherwise ending a locked session and
		// logging in again from the same terminal would get past the lock.
		m.pin = m.newPINGate(pinLogin)
	}
	m.loadDrafts() // offered once the console is open (drafts.go)
	return m
}

// Close stops listening to the store (call when the session ends). What an open form
// holds is kept as a draft: the connection may have dropped.
func (m *Model) Close() {
	if m.unsub != nil {
		m.saveDraft()
		m.unsub()
		m.unsub = nil
	}
}

type changeMsg struct {
	ch store.Change
	ok bool
}

type tickMsg time.Time

func waitChange(sub <-chan store.Change) tea.Cmd {
	return func() tea.Msg {
		ch, ok := <-sub
		return changeMsg{ch: ch, ok: ok}
	}
}

func tick() tea.Cmd {
	return tea.Tick(15*time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

func (m *Model) Init() tea.Cmd {
	return tea.Batch(waitChange(m.sub), tick())
}

func (m *Model) setStatus(s string, isErr bool) {
	m.status, m.statusErr = s, isErr
}

func (m *Model) errText(err error) string {
	var ce *store.ConflictError
	var rf *workflow.Refusal
	var le *store.LockedError
	var ke *store.KeyError
	switch {
	case errors.As(err, &ke):
		return ke.Message(m.c.Lang)
	case errors.As(err, &ce):
		return ce.Message(m.c.Lang)
	case errors.As(err, &rf):
		return rf.Message(m.c.Lang)
	case errors.As(err, &le):
		return le.Message(m.c.Lang)
	case errors.Is(err, store.ErrNotFound):
		return m.c.T("err.not_found")
	}
	return m.c.T("err.generic", err.Error())
}

func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.frameOK = false
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		return m, nil
	case ServerStoppingMsg:
		m.saveDraft()
		m.ending = m.c.T("server.stopping")
		return m, tea.Tick(time.Second, func(time.Time) tea.Msg { return quitMsg{} })
	case EndSessionMsg:
		m.ending = msg.Reason
		return m, tea.Tick(time.Second, func(time.Time) tea.Msg { return quitMsg{} })
	case quitMsg:
		m.Close()
		return m, tea.Quit
	case draftTickMsg:
		m.onDraftTick(msg)
		return m, nil
	case GraceMsg:
		return m, m.onGrace(msg)
	case graceTickMsg:
		return m, m.onGraceTick()
	case tickMsg:
		if m.idleLock > 0 && m.pin == nil && m.c.Now().Sub(m.lastKey) >= m.idleLock {
			m.pin = m.newPINGate(pinLock)
		}
		// Deadlines move with the clock even when nobody acts: re-sort the due tab and
		// its counts once a minute.
		if m.c.Now().Sub(m.q.built) >= time.Minute {
			m.q.rebuild(m.c.Store.Snapshot())
		}
		return m, tick()
	case changeMsg:
		if !msg.ok {
			return m, nil // the store closed: the server is stopping
		}
		var cmd tea.Cmd
		m.c.redraws.do(func() {
			cmd = m.onChange(msg.ch)
			m.frame, m.frameOK = m.view(), true
		})
		if m.manualFeed {
			return m, cmd
		}
		return m, tea.Batch(cmd, waitChange(m.sub))
	case caseLoadedMsg:
		if m.cv != nil && m.cv.id == msg.id {
			if msg.err != nil {
				m.setStatus(m.errText(msg.err), true)
				m.cv = nil
				return m, nil
			}
			m.cv.setLoaded(msg)
		}
		return m, nil
	case bulkDoneMsg:
		m.onBulkDone(msg)
		return m, nil
	case actionDoneMsg:
		return m, m.onActionDone(msg)
	case intakeDoneMsg:
		return m, m.onIntakeDone(msg)
	case dashLoadedMsg, dashComputedMsg:
		if m.dash != nil {
			return m, m.dash.Update(msg)
		}
		return m, nil
	case searchResultMsg:
		cmd, _ := m.q.Update(msg)
		return m, cmd
	case pinCheckedMsg:
		return m, m.onPINChecked(msg)
	case pinSetMsg:
		m.onPINSet(msg)
		return m, nil
	case tea.KeyMsg:
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste && !m.typing() {
			return m, m.splitKeys(msg)
		}
		m.lastKey = m.c.Now()
		if m.ending != "" {
			return m, nil
		}
		if m.pin != nil {
			// Only the PIN (or q) gets past the lock; no key reaches the screen behind.
			return m, m.pinKey(msg)
		}
		return m, m.onKey(msg)
	}
	// Cursor blinks and the like go to whatever has an input focused.
	switch {
	case m.cmd != nil:
		var cmd tea.Cmd
		*m.cmd, cmd = m.cmd.Update(msg)
		return m, cmd
	case m.intake != nil:
		_, cmd := m.intake.Update(msg)
		return m, cmd
	case m.af != nil:
		_, cmd := m.af.Update(msg)
		return m, cmd
	case m.cv != nil:
		return m, m.cv.Update(msg)
	}
	return m, nil
}

type quitMsg struct{}

// onChange refreshes the queues and the open case when anybody changes anything.
func (m *Model) onChange(ch store.Change) tea.Cmd {
	switch ch.Topic {
	case "staff":
		m.c.loadStaff()
		if m.staffv != nil && m.staffv.form == nil {
			m.staffv.reload()
		}
		if me, ok := m.c.staff[m.c.Me.Name]; ok {
			if !me.Active {
				if m.ending == "" {
					m.ending = m.c.T("session.disabled")
				}
				return tea.Tick(time.Second, func(time.Time) tea.Msg { return quitMsg{} })
			}
			m.c.Me = me
		}
		m.refreshPIN()
		return nil
	}
	m.q.setSnapshot(m.c.Store.Snapshot())
	if m.dash != nil {
		m.dash.noteChange(ch)
	}
	if m.cv != nil && ch.CaseID == m.cv.id && ch.Version > m.cv.cs.Version {
		if ch.Actor != m.c.Me.Name {
			m.cv.notice = m.c.T("case.updated", m.c.staffName(ch.Actor))
		}
		return loadCase(m.c.Store, m.cv.id)
	}
	return nil
}

func (m *Model) onActionDone(msg actionDoneMsg) tea.Cmd {
	if msg.err != nil {
		text := m.errText(msg.err)
		var ce *store.ConflictError
		if errors.As(msg.err, &ce) {
			// Someone else got there first: reload, keep the user's input, let them check.
			if m.af != nil {
				m.af.failed(text)
				m.afCase.Version = ce.Current
			}
			m.setStatus(text, true)
			if m.cv != nil {
				m.cv.notice = text
				return loadCase(m.c.Store, m.cv.id)
			}
			return nil
		}
		if m.af != nil {
			m.af.failed(text)
		} else if m.cv != nil {
			m.cv.notice = text
		}
		m.setStatus(text, true)
		return nil
	}
	m.dropDraft(m.af)
	m.af, m.afKind = nil, ""
	m.setStatus(m.c.T("act.done", msg.kind.Label(m.c.Lang)), false)
	if m.cv != nil && m.cv.id == msg.id {
		m.cv.notice = ""
		return loadCase(m.c.Store, msg.id)
	}
	return nil
}

type intakeDoneMsg struct {
	cs  workflow.Case
	err error
}

func (m *Model) onIntakeDone(msg intakeDoneMsg) tea.Cmd {
	if msg.err != nil {
		if m.intake != nil {
			m.intake.failed(m.errText(msg.err))
		}
		return nil
	}
	m.dropDraft(m.intake)
	m.intake = nil
	m.setStatus(m.c.T("intake.created", msg.cs.No), false)
	m.q.setSnapshot(m.c.Store.Snapshot())
	var cmd tea.Cmd
	m.cv, cmd = newCaseView(m.c, msg.cs.ID)
	m.cv.tab = ctMaterials
	return cmd
}

// splitKeys: keys typed quickly over SSH can arrive in one read, and Bubble Tea then
// delivers them as one message ("jj", "/061461"). Outside a text input each rune is a key
// of its own, handled in turn; once a text input has the keyboard, the rest is its text.
// A paste is never split: pasted text is not a row of commands.
func (m *Model) splitKeys(msg tea.KeyMsg) tea.Cmd {
	var cmds []tea.Cmd
	for rs := msg.Runes; len(rs) > 0; {
		one := tea.KeyMsg{Type: tea.KeyRunes, Runes: rs[:1], Alt: msg.Alt}
		if m.typing() {
			one.Runes = rs
		}
		rs = rs[len(one.Runes):]
		_, cmd := m.Update(one)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// typing reports whether a text input has the keyboard, so that runes are text rather
// than keys. It follows onKey's order.
func (m *Model) typing() bool {
	switch {
	case m.pin != nil, m.ending != "", m.help, m.confirm != nil:
		return false
	case m.cmd != nil:
		return true
	case m.entv != nil:
		return false
	case m.staffv != nil:
		return m.staffv.form != nil && m.staffv.form.typing()
	case m.intake != nil:
		return m.intake.typing()
	case m.af != nil:
		return m.af.typing()
	case m.menu != nil, m.dash != nil, m.audit:
		return false
	case m.cv != nil:
		return m.cv.prompt != nil
	}
	return m.q.searching
}

func (m *Model) onKey(km tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	if km.String() == "ctrl+c" {
		// A form with input asks first, as esc does; "y" then ends the session.
		if f := m.openForm(); f != nil && !f.confirm && f.askLeave(true) {
			return nil
		}
		if f := m.openForm(); f != nil && f.confirm {
			f.quitting = true // already asking: the answer now also ends the session
			return nil
		}
		m.Close()
		return tea.Quit
	}
	if len(m.drafts) > 0 && m.cmd == nil && m.confirm == nil && !m.help && m.openForm() == nil {
		if done, cmd := m.draftKey(km); done {
			return cmd
		}
	}
	if m.help {
		if key.Matches(km, k.Help) || km.String() == "esc" || km.String() == "q" {
			m.help = false
		}
		return nil
	}
	if m.cmd != nil {
		return m.updateCommand(km)
	}
	if m.confirm != nil {
		do := m.confirm
		m.confirm = nil
		switch km.String() {
		case "y", "Y":
			m.setStatus("", false)
			return do()
		case "n", "N", "esc":
			m.setStatus(m.c.T("queue.cancelled"), false)
			return nil
		}
		// Any other key cancels and does what it does: a prompt never swallows a key.
		m.setStatus(m.c.T("queue.cancelled"), false)
	}
	switch {
	case m.entv != nil:
		open, back := m.entv.Update(km)
		if back {
			m.entv = nil
		} else if open != nil {
			m.entv = nil
			var cmd tea.Cmd
			m.cv, cmd = newCaseView(m.c, open.ID)
			return cmd
		}
		return nil
	case m.staffv != nil:
		if m.staffv.Update(km) {
			m.staffv = nil
		}
		return nil
	case m.intake != nil:
		res, cmd := m.intake.Update(km)
		switch res {
		case formCancel:
			return m.leaveForm(m.intake)
		case formSubmit:
			return m.submitIntake()
		}
		return cmd
	case m.af != nil:
		res, cmd := m.af.Update(km)
		switch res {
		case formCancel:
			return m.leaveForm(m.af)
		case formSubmit:
			a := actionFromForm(m.afKind, m.af)
			return applyCmd(m.c, m.afCase.ID, m.afCase.Version, a)
		}
		return cmd
	case m.menu != nil:
		kind, back := m.menu.Update(km)
		if back {
			m.menu = nil
			return nil
		}
		if kind == workflow.ActUpdateMaterial && m.cv != nil {
			// Materials are marked one by one on their own tab.
			m.menu = nil
			m.cv.tab = ctMaterials
			m.cv.notice = m.c.T("mat.hint")
			return nil
		}
		if kind != "" {
			m.afCase, m.afKind = m.menu.cs, kind
			m.af = actionForm(m.c, m.menu.cs, kind)
			m.menu = nil
		}
		return nil
	}
	if key.Matches(km, k.Help) && !(m.cv == nil && m.q.searching) {
		m.help = true
		return nil
	}
	if km.String() == ":" && !(m.cv == nil && m.q.searching) && (m.cv == nil || m.cv.prompt == nil) {
		in := newInput()
		in.Prompt = m.c.T("cmd.prompt")
		in.Focus()
		m.cmd = &in
		return nil
	}
	if m.dash != nil {
		if km.String() == "esc" || km.String() == "q" {
			m.dash = nil
			return nil
		}
		return m.dash.Update(km)
	}
	if m.audit {
		if km.String() == "esc" || km.String() == "q" {
			m.audit = false
		}
		return nil
	}
	if m.cv != nil {
		if m.cv.prompt == nil {
			switch {
			case km.String() == "esc" || km.String() == "q":
				m.cv = nil
				m.setStatus("", false)
				return nil
			case key.Matches(km, k.Filing) && m.cv.loaded:
				m.entv = newEnterpriseView(m.c, m.cv.cs.Enterprise.CreditCode)
				return nil
			case key.Matches(km, k.Actions):
				if !m.cv.loaded {
					return nil
				}
				if !m.c.Me.Role.CanWork() {
					m.cv.notice = m.c.T("err.readonly")
					return nil
				}
				m.menu = newActionMenu(m.c, m.cv.cs)
				return nil
			}
		}
		return m.cv.Update(km)
	}
	if !m.q.searching {
		switch {
		case key.Matches(km, k.Quit) && km.String() == "q":
			m.Close()
			return tea.Quit
		case key.Matches(km, k.Dashboard):
			return m.openDashboard()
		case key.Matches(km, k.Export):
			m.exportQueue()
			return nil
		case key.Matches(km, k.New):
			if !m.c.Me.Role.CanWork() {
				m.setStatus(m.c.T("err.readonly"), true)
				return nil
			}
			m.intake = newIntakeForm(m.c)
			return nil
		}
	}
	cmd, open := m.q.Update(km)
	if open != nil {
		var c2 tea.Cmd
		m.cv, c2 = newCaseView(m.c, open.ID)
		return tea.Batch(cmd, c2)
	}
	return cmd
}

func (m *Model) submitIntake() tea.Cmd {
	in := intakeFromForm(m.c, m.intake)
	st, me, token := m.c.Store, m.c.Me, m.intake.token
	return func() tea.Msg {
		// The form's token: a retried submit returns the case the first one made.
		cs, _, err := st.CreateOnce(me, in, "", token)
		return intakeDoneMsg{cs: cs, err: err}
	}
}

// leaveForm closes a form the user chose to leave: its draft goes with it, and after
// ctrl+c so does the session.
func (m *Model) leaveForm(f *form) tea.Cmd {
	m.dropDraft(f)
	quit := f.quitting
	if m.intake == f {
		m.intake = nil
	} else {
		m.af = nil
	}
	if quit {
		m.Close()
		return tea.Quit
	}
	return nil
}

// commands of the ':' palette.
var commandNames = []string{"open", "new", "tab", "dash", "lang", "reassign", "export", "staff", "sla", "audit", "help", "quit"}

func (m *Model) updateCommand(km tea.KeyMsg) tea.Cmd {
	switch km.Type {
	case tea.KeyEsc:
		m.cmd = nil
		return nil
	case tea.KeyEnter:
		line := strings.Fields(m.cmd.Value())
		m.cmd = nil
		if len(line) == 0 {
			return nil
		}
		return m.runCommand(line[0], line[1:])
	}
	var cmd tea.Cmd
	*m.cmd, cmd = m.cmd.Update(km)
	return cmd
}

func (m *Model) runCommand(name string, args []string) tea.Cmd {
	switch name {
	case "q", "quit":
		m.Close()
		return tea.Quit
	case "help", "?":
		m.help = true
	case "new":
		if m.c.Me.Role.CanWork() {
			m.cv = nil
			m.intake = newIntakeForm(m.c)
		}
	case "lang":
		if len(args) == 1 {
			m.c.Lang = NormLang(args[0])
			m.c.Keys = NewKeyMap(m.c.Lang)
			// Remembered for this person's next session, local or over SSH.
			if err := m.c.Store.SetLang(m.c.Me.Name, m.c.Lang); err != nil {
				m.setStatus(m.errText(err), true)
			}
		}
	case "staff":
		if !m.c.Me.Role.CanAdminister() {
			m.setStatus(m.c.T("staff.denied"), true)
			return nil
		}
		m.cv = nil
		m.staffv = newStaffView(m.c)
	case "tab":
		if len(args) == 1 {
			for i, n := range tabNames {
				if n == args[0] {
					m.cv = nil
					m.q.tab = tabID(i)
				}
			}
		}
	case "open", "goto", "o":
		if len(args) == 1 {
			no := strings.ToUpper(args[0])
			if n, err := strconv.Atoi(no); err == nil { // ":open 12" means the newest XF-…-000012
				no = fmt.Sprintf("%06d", n)
			}
			for sm := range m.c.Store.Snapshot().All() {
				if sm.No == no || strings.HasSuffix(sm.No, "-"+no) {
					var cmd tea.Cmd
					m.cv, cmd = newCaseView(m.c, sm.ID)
					return cmd
				}
			}
			m.setStatus(m.c.T("cmd.goto_missing", safe(args[0])), true)
		}
	case "reassign":
		return m.reassignMarked(args)
	case "export":
		m.exportQueue()
	case "sla":
		m.setSLA(args)
	case "audit":
		m.openAudit()
	case "dash", "dashboard":
		cmd := m.openDashboard()
		if m.dash != nil && len(args) > 0 {
			// A custom period: ":dash 2026-01-01..2026-03-31" or ":dash 2026-Q3".
			if err := m.dash.setCustom(strings.Join(args, "")); err != nil {
				m.setStatus(m.errText(err), true)
			}
		}
		return cmd
	default:
		m.setStatus(m.c.T("cmd.unknown", safe(name), strings.Join(commandNames, " ")), true)
	}
	return nil
}

// bulkDoneMsg reports an action applied to several cases: how many took it, and why the
// others did not.
type bulkDoneMsg struct {
	kind    workflow.ActionKind
	done    int
	failed  int
	firstNo string // the first case that did not take it, and why
	first   error
}

// bulkCmd applies a to each case in turn, each at the version the store has now (each
// is still checked by the engine), and reports them together: one message for all,
// rather than one per case where the last would hide the rest.
func bulkCmd(c *Common, ids []uint32, a workflow.Action) tea.Cmd {
	st, me, now := c.Store, c.Me, c.Now()
	return func() tea.Msg {
		r := bulkDoneMsg{kind: a.Kind}
		for _, id := range ids {
			sm, ok := st.Snapshot().Get(id)
			if !ok {
				continue
			}
			a.At, a.Actor = now, me.Name
			if _, err := st.Apply(id, sm.Version, me, a); err != nil {
				if r.failed++; r.first == nil {
					r.firstNo, r.first = sm.No, err
				}
				continue
			}
			r.done++
		}
		return r
	}
}

func (m *Model) onBulkDone(msg bulkDoneMsg) {
	label := msg.kind.Label(m.c.Lang)
	if msg.failed == 0 {
		m.setStatus(m.c.T("bulk.done", label, msg.done), false)
		return
	}
	m.setStatus(m.c.T("bulk.partly", label, msg.done, msg.failed, msg.firstNo, m.errText(msg.first)), true)
}

// reassignMarked gives every marked case (or the selected one) to a staff member: one
// event per case, each checked by the engine.
func (m *Model) reassignMarked(args []string) tea.Cmd {
	if len(args) != 1 {
		m.setStatus(m.c.T("cmd.unknown", "reassign", "reassign NAME"), true)
		return nil
	}
	ids := make([]uint32, 0, len(m.q.marked))
	for id := range m.q.marked {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		if sm := m.q.selected(); sm != nil {
			ids = append(ids, sm.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	name := args[0]
	if len(ids) == 1 {
		sm, ok := m.c.Store.Snapshot().Get(ids[0])
		if !ok {
			return nil
		}
		m.q.marked = map[uint32]bool{}
		return applyCmd(m.c, sm.ID, sm.Version, workflow.Action{Kind: workflow.ActReassign, Assignee: name})
	}
	do := func() tea.Cmd {
		m.q.marked = map[uint32]bool{}
		slices.Sort(ids)
		return bulkCmd(m.c, ids, workflow.Action{Kind: workflow.ActReassign, Assignee: name})
	}
	// Several cases at once: say how many and ask first.
	m.confirm = do
	m.setStatus(m.c.T("queue.confirm_reassign", len(ids), m.c.staffName(name)), false)
	return nil
}

func (m *Model) View() string {
	frame := m.frame
	if m.frameOK {
		m.frameOK = false
	} else {
		frame = m.view()
	}
	out, row, col, ok := findCursor(frame)
	m.cur.set(row, col, ok)
	return out
}

func (m *Model) view() string {
	w, h := m.c.Width, m.c.Height
	if w < 20 || h < 5 {
		return m.c.T("err.small")
	}
	st := m.c.Styles
	if m.ending != "" {
		return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, st.Box.Render(m.ending), lipgloss.WithWhitespaceChars(" "))
	}
	if m.pin != nil {
		return m.pinView(w, h)
	}
	header := st.Title.Render(m.c.T("app.title"))
	if m.demo {
		header += " " + st.Demo.Render(" "+m.c.T("app.demo")+" ")
	}
	me := m.c.T("status.me", m.c.staffName(m.c.Me.Name), m.c.Me.Role.Label(m.c.Lang))
	header = fitStyled(header, w-width(me)-1) + " " + st.Muted.Render(me)
	bodyH := h - 2
	var body string
	switch {
	case m.help:
		body = m.helpView(w, bodyH)
	case m.entv != nil:
		body = m.entv.View(w, bodyH)
	case m.staffv != nil:
		body = m.staffv.View(w, bodyH)
	case m.intake != nil:
		body = m.intake.View(w, bodyH)
	case m.af != nil:
		body = m.af.View(w, bodyH)
	case m.menu != nil:
		body = m.menu.View(w, bodyH)
	case m.dash != nil:
		body = m.dash.View(w, bodyH)
	case m.audit:
		body = m.auditView(w, bodyH)
	case m.cv != nil:
		body = m.cv.View(w, bodyH)
	default:
		body = m.q.View(w, bodyH)
	}
	var foot string
	switch {
	case m.cmd != nil:
		m.cmd.Width = w - width(m.cmd.Prompt) - 2
		foot = m.cmd.View()
	case m.grace != nil:
		foot = st.StatusErr.Render(cut(m.graceLine(), w))
	case m.draftOffer() != "":
		foot = st.Warn.Render(cut(m.draftOffer(), w))
	case m.status != "":
		s := st.StatusOK
		if m.statusErr {
			s = st.StatusErr
		}
		foot = s.Render(cut(m.status, w))
	default:
		foot = st.Faint.Render(cut(m.hints(), w))
	}
	if w < 80 || h < 24 {
		foot = st.Warn.Render(cut(m.c.T("err.small"), w))
	}
	return strings.Join([]string{header, body, fitStyled(foot, w)}, "\n") // one allocation
}

// bindings of the screen in front, for the hint line and the help.
func (m *Model) bindings() []key.Binding {
	k := m.c.Keys
	switch {
	case m.intake != nil, m.af != nil:
		return k.formKeys()
	case m.menu != nil:
		return []key.Binding{k.Up, k.Down, k.Open, k.Back}
	case m.dash != nil:
		return m.dash.bindings()
	case m.cv != nil:
		return k.caseKeys()
	}
	return k.queueKeys()
}

func (m *Model) hints() string {
	var parts []string
	for _, b := range m.bindings() {
		parts = append(parts, b.Help().Key+" "+b.Help().Desc)
	}
	return strings.Join(parts, " · ")
}

// helpView is generated from the bindings: nothing is written twice.
func (m *Model) helpView(w, h int) string {
	st := m.c.Styles
	var entries []string
	for _, b := range m.bindings() {
		entries = append(entries, st.Key.Render(fit(b.Help().Key, 10))+" "+b.Help().Desc)
	}
	var tail []string
	if m.cv != nil {
		tail = append(tail, "", "  "+st.Faint.Render(m.c.T("mat.hint")))
	}
	tail = append(tail, "")
	for i, l := range wrap(strings.Join(commandNames, " · "), w-14) {
		lead := "  " + st.Key.Render(fit(":", 10)) + " "
		if i > 0 {
			lead = strings.Repeat(" ", 13)
		}
		tail = append(tail, lead+l)
	}
	tail = append(tail, "", st.Faint.Render(m.c.T("help.close")))
	lines := []string{st.Title.Render(m.c.T("help.title")), ""}
	if room := h - len(lines) - len(tail); len(entries) > room && w >= 60 {
		// A short terminal: two columns, so the whole help fits.
		half := (len(entries) + 1) / 2
		colW := w/2 - 2
		for i := 0; i < half; i++ {
			line := "  " + fitStyled(entries[i], colW)
			if i+half < len(entries) {
				line += entries[i+half]
			}
			lines = append(lines, line)
		}
	} else {
		for _, e := range entries {
			lines = append(lines, "  "+e)
		}
	}
	lines = append(lines, tail...)
	return clampLines(lines, w, h)
}

func (m *Model) openDashboard() tea.Cmd {
	if !canSeeDashboard(m.c.Me.Role) {
		m.setStatus(m.c.T("dash.denied"), true)
		return nil
	}
	m.cv = nil
	var cmd tea.Cmd
	m.dash, cmd = newDashboard(m.c)
	return cmd
}

func (m *Model) exportQueue() {
	if m.c.ExportDir == "" {
		m.setStatus(m.c.T("letter.no_dir"), true)
		return
	}
	path, err := exportMarked(m.c, m.q)
	switch {
	case err != nil:
		m.setStatus(m.errText(err), true)
	case path != "":
		m.setStatus(m.c.T("queue.exported", path), false)
	}
}
