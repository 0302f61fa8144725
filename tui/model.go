package tui

import (
	"fmt"
	"path/filepath"
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

// Model is the root of one console session: a stack of screens over the queues, the ':'
// line and the status line. It finds the active screen in one place (top) and learns
// what screens did from their messages. The PIN screen (pin.go) is one of the stack.
type Model struct {
	c     *Common
	q     *queue   // the queues, always at the bottom of the stack
	stack []Screen // the screens above the queues, the last on top
	cmd   *textinput.Model
	cl    cmdLine // the ':' line's history, completion and error (cmdline.go)

	status    string
	statusErr bool
	// lockedOut: the session ended on wrong PINs (pin.go).
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
	// cw is the output Output wrapped (nil in tests that render without one), and
	// lastView the frame View last returned: a frame that equals it is not written again
	// by Bubble Tea's renderer, so a move of the cursor alone is written by cw itself.
	cw       *cursorWriter
	lastView string
	// grace: the server's countdown before it ends the session (grace.go).
	grace *graceState
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
		Now: o.Now, Width: 80, Height: 24, ExportDir: o.ExportDir, ExportFetch: o.ExportFetch, redraws: o.Redraws, draftDelay: draftDelay}
	c.loadStaff()
	m := &Model{c: c, idleLock: o.IdleLock, lastKey: o.Now(), demo: o.Demo}
	m.q = newQueue(c)
	m.sub, m.unsub = o.Store.Subscribe()
	if err := o.Store.KeyProblem(); err != nil {
		// Without the key the database is read-only: say so before anyone tries to work.
		m.setStatus(m.errText(err), true)
	}
	m.offerDrafts() // drafts.go: answered once the console is open
	if m.idleLock > 0 {
		// A console that locks needs the person's PIN to unlock: ask for it (or have
		// them choose one) before the queues. Otherwise ending a locked session and
		// logging in again from the same terminal would get past the lock.
		m.push(newPINScreen(c, pinLogin))
	}
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

func (m *Model) errText(err error) string { return errText(m.c, err) }

// top is the screen in front: the last on the stack, or the queues.
func (m *Model) top() Screen {
	if n := len(m.stack); n > 0 {
		return m.stack[n-1]
	}
	return m.q
}

// front is a screen that stays in front of the whole console until it closes itself
// (the PIN screen): it takes every key, no global key (':') works behind it, screens
// opened meanwhile by results (a case, after a save) go under it, and closing a screen
// under it leaves it in front.
type front interface {
	Screen
	inFront()
}

// over is a screen drawn over another one (the help, a prompt, a question).
type over interface{ over() Screen }

// frontAt is the index of the lowest front screen on the stack, or -1.
func (m *Model) frontAt() int {
	for i, s := range m.stack {
		if _, ok := s.(front); ok {
			return i
		}
	}
	return -1
}

// held: a front screen (the PIN) stands before the console.
func (m *Model) held() bool { return m.frontAt() >= 0 }

// push puts s on top of the stack, or under the front screen unless s is opened over
// the front screen or a screen above it (the PIN's help).
func (m *Model) push(s Screen) {
	f := m.frontAt()
	if f >= 0 {
		if o, ok := s.(over); !ok || !slices.Contains(m.stack[f:], o.over()) {
			m.stack = slices.Insert(m.stack, f, s)
			return
		}
	}
	m.stack = append(m.stack, s)
}

// pop closes s and every screen above it, up to a front screen, which stays.
func (m *Model) pop(s Screen) {
	f := m.frontAt()
	for i := len(m.stack) - 1; i >= 0; i-- {
		if m.stack[i] == s {
			if f > i {
				m.stack = slices.Delete(m.stack, i, f)
			} else {
				m.stack = m.stack[:i]
			}
			return
		}
	}
}

// clearStack closes every screen but the queues (and a front screen, which stays).
func (m *Model) clearStack() {
	if f := m.frontAt(); f >= 0 {
		m.stack = slices.Delete(m.stack, 0, f)
		return
	}
	m.stack = m.stack[:0]
}

// find is the topmost screen of type T on the stack.
func find[T Screen](m *Model) (T, bool) {
	for i := len(m.stack) - 1; i >= 0; i-- {
		if s, ok := m.stack[i].(T); ok {
			return s, true
		}
	}
	var zero T
	return zero, false
}

func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.frameOK = false
	cmd := m.update(msg)
	// What the screens said meanwhile, in order.
	var cmds []tea.Cmd
	cmds = append(cmds, cmd)
	for len(m.c.outbox) > 0 {
		next := m.c.outbox[0]
		m.c.outbox = m.c.outbox[1:]
		cmds = append(cmds, m.handle(next))
	}
	return m, tea.Batch(cmds...)
}

// handle is what the root does with a screen's message.
func (m *Model) handle(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pushMsg:
		m.push(msg.s)
	case popMsg:
		m.pop(msg.s)
	case statusMsg:
		m.setStatus(msg.text, msg.err)
	case quitMsg:
		m.Close()
		return tea.Quit
	case unlockMsg:
		m.onUnlock(msg.s)
	case lockoutMsg:
		return m.onLockout()
	case resumeDraftMsg:
		return m.resume(msg.d)
	case replayKeyMsg:
		return m.onKey(msg.km)
	case exportMsg:
		m.exportQueue()
	case dashMsg:
		return m.openDashboard()
	case openCaseMsg:
		v, cmd := newCaseView(m.c, msg.id)
		v.tab = msg.tab
		m.q.seen(msg.id)
		m.push(v)
		return cmd
	}
	return nil
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		return nil
	case BackgroundMsg:
		// The renderer already knows; rows drawn in the other colours are drawn again.
		m.c.R.SetHasDarkBackground(msg.Dark)
		m.q.rowCache = nil
		return nil
	case ServerStoppingMsg:
		m.saveDraft()
		m.ending = m.c.T("server.stopping")
		return tea.Tick(time.Second, func(time.Time) tea.Msg { return quitMsg{} })
	case EndSessionMsg:
		m.ending = msg.Reason
		return tea.Tick(time.Second, func(time.Time) tea.Msg { return quitMsg{} })
	case quitMsg:
		m.Close()
		return tea.Quit
	case draftTickMsg:
		m.onDraftTick(msg)
		return nil
	case GraceMsg:
		return m.onGrace(msg)
	case graceTickMsg:
		return m.onGraceTick()
	case tickMsg:
		if m.idleLock > 0 && !m.held() && m.c.Now().Sub(m.lastKey) >= m.idleLock {
			m.push(newPINScreen(m.c, pinLock))
		}
		// Deadlines move with the clock even when nobody acts: re-sort the due tab and
		// its counts once a minute.
		if m.c.Now().Sub(m.q.built) >= time.Minute {
			m.q.rebuild(m.c.Store.SnapshotSoFar())
		}
		return tick()
	case changeMsg:
		if !msg.ok {
			return nil // the store closed: the server is stopping
		}
		var cmd tea.Cmd
		m.c.redraws.do(func() {
			cmd = m.onChange(msg.ch)
			for len(m.c.outbox) > 0 { // drawn with what the change brought
				next := m.c.outbox[0]
				m.c.outbox = m.c.outbox[1:]
				cmd = tea.Batch(cmd, m.handle(next))
			}
			m.frame, m.frameOK = m.view(), true
		})
		if m.manualFeed {
			return cmd
		}
		return tea.Batch(cmd, waitChange(m.sub))
	case actionDoneMsg:
		m.onActionDone(msg)
		return m.broadcast(msg)
	case bulkDoneMsg:
		m.onBulkDone(msg)
		return nil
	case langSavedMsg:
		if msg.err != nil {
			m.setStatus(m.errText(msg.err), true)
		}
		return nil
	case slaSavedMsg:
		m.onSLASaved(msg)
		return nil
	case filingResumeMsg:
		v := msg.r.v
		v.Update(msg.r)
		m.push(newFilingScreen(m.c, v, &msg.d))
		return nil
	case tea.MouseMsg:
		return m.onMouse(msg)
	case tea.KeyMsg:
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste && !m.typing() {
			return m.splitKeys(msg)
		}
		m.lastKey = m.c.Now()
		if m.ending != "" {
			return nil
		}
		return m.onKey(msg)
	}
	// Results of commands (a case loaded, a search answered, a PIN checked, a save done)
	// and cursor blinks: the ':' line and every screen get them and take their own.
	var cmd tea.Cmd
	if m.cmd != nil {
		*m.cmd, cmd = m.cmd.Update(msg)
	}
	return tea.Batch(cmd, m.broadcast(msg))
}

// broadcast gives msg to the queues and every screen on the stack, the top first.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for i := len(m.stack) - 1; i >= 0; i-- {
		cmds = append(cmds, m.stack[i].Update(msg))
	}
	cmds = append(cmds, m.q.Update(msg))
	return tea.Batch(cmds...)
}

type (
	quitMsg   struct{}
	exportMsg struct{} // export the marked cases
	dashMsg   struct{} // open the dashboard
)

// changeAware screens follow changes in the store.
type changeAware interface {
	onChange(ch store.Change) tea.Cmd
}

// onChange refreshes the queues and the screens when anybody changes anything.
func (m *Model) onChange(ch store.Change) tea.Cmd {
	if ch.Topic == "backup" { // the scheduled backups reported (backuphealth.go)
		m.noteBackup()
		return nil
	}
	if ch.Topic == "db" { // a shared database's connection was lost, or is back
		if m.c.Store.DBLost() {
			m.setStatus(m.c.T("store.db_lost"), true)
		} else {
			m.setStatus(m.c.T("store.db_back"), false)
		}
		return nil
	}
	if ch.Topic == "load" { // the store loaded more of the cases at open (or all of them)
		return m.q.loaded()
	}
	if ch.Topic == "staff" {
		m.c.loadStaff()
		if me, ok := m.c.staff[m.c.Me.Name]; ok {
			if !me.Active {
				if m.ending == "" {
					m.ending = m.c.T("session.disabled")
				}
				return tea.Tick(time.Second, func(time.Time) tea.Msg { return quitMsg{} })
			}
			m.c.Me = me
		}
	} else {
		was, _ := m.q.snap.Get(ch.CaseID)
		m.q.setSnapshot(m.c.Store.SnapshotSoFar())
		m.noteOthers(ch, was)
	}
	var cmds []tea.Cmd
	for _, s := range m.stack {
		if ca, ok := s.(changeAware); ok {
			cmds = append(cmds, ca.onChange(ch))
		}
	}
	return tea.Batch(cmds...)
}

// noteOthers tells me when someone else acted on a case of mine (or took it from me):
// who did what, on the status line; the 我的案件 tab counts what I have not yet opened.
func (m *Model) noteOthers(ch store.Change, was *store.Summary) {
	if ch.Topic != "case" || ch.Actor == "" || ch.Actor == m.c.Me.Name || ch.Kind == "" {
		return
	}
	is, _ := m.q.snap.Get(ch.CaseID)
	me := m.c.Me.Name
	mine := (is != nil && is.Owner == me) || (was != nil && was.Owner == me)
	if !mine || is == nil {
		return
	}
	if cv, ok := m.top().(*caseView); ok && cv.id == ch.CaseID {
		return // in front of me: the case view says so itself
	}
	m.q.unseen[ch.CaseID] = true
	m.setStatus(m.c.T("notice.other", m.c.staffName(ch.Actor), ch.Kind.Label(m.c.Lang), is.No), false)
}

func (m *Model) onActionDone(msg actionDoneMsg) {
	if msg.err != nil {
		m.setStatus(m.errText(msg.err), true)
		return
	}
	m.setStatus(m.c.T("act.done", msg.kind.Label(m.c.Lang)), false)
}

type intakeDoneMsg struct {
	cs  workflow.Case
	err error
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
// than keys.
func (m *Model) typing() bool {
	switch {
	case m.ending != "":
		return false
	case m.cmd != nil && !m.held():
		return true
	}
	return m.top().Typing()
}

// globals are the keys of every screen: the help and the ':' line. ctrl+c ends the
// session wherever it is pressed, unless the screen in front binds it to ask first (a
// form with input, screens.go).
//
// While a field has the keyboard, ':' and '?' are its text: the ':' line is greyed with
// that reason, and the help is offered on f1, which still opens it.
func (m *Model) globals() []Binding {
	k := m.c.Keys
	command := on(k.Command, func(tea.KeyMsg) tea.Cmd { m.openCommand(); return nil })
	help := k.Help
	if m.top().Typing() {
		command = command.when(func() string { return m.c.T("key.typing_text") })
		help = k.HelpTyping
	}
	return []Binding{
		command,
		on(help, func(tea.KeyMsg) tea.Cmd {
			m.push(newHelp(m.c, m.top(), m.globals()))
			return nil
		}).main(),
	}
}

// bindings of the screen in front, with the global ones: what the footer and the help
// show, and what the keys do.
func (m *Model) bindings() []Binding {
	top := m.top()
	if _, ok := top.(*helpScreen); ok {
		return top.Bindings()
	}
	if _, ok := top.(front); ok {
		return top.Bindings() // nothing global gets past it
	}
	return append(top.Bindings(), m.globals()...)
}

var ctrlC = key.NewBinding(key.WithKeys("ctrl+c"))

func (m *Model) onKey(km tea.KeyMsg) tea.Cmd {
	if key.Matches(km, ctrlC) {
		if b, ok := match(m.top().Bindings(), km); ok {
			m.cmd = nil // the screen asks: its question has the keyboard
			return b.Run(km)
		}
		m.Close()
		return tea.Quit
	}
	m.clearCommandError()
	if m.cmd != nil && !m.held() {
		return m.updateCommand(km)
	}
	top := m.top()
	if top.Typing() && (km.Type == tea.KeyRunes || km.Type == tea.KeySpace) {
		return top.Update(km) // text
	}
	if b, ok := match(m.bindings(), km); ok {
		if why := b.reason(); why != "" {
			m.setStatus(why, true)
			return nil
		}
		if m.status != "" && !m.held() { // kept for after the lock
			// What the status said was about the last key; this one starts afresh (an
			// error left standing would be read as this key's).
			m.setStatus("", false)
		}
		return b.Run(km)
	}
	return top.Update(km)
}

// commands of the ':' palette.
var commandNames = []string{"open", "new", "tab", "dash", "lang", "reassign", "export", "staff", "agency", "sla", "audit", "help", "quit"}

type langSavedMsg struct{ err error }

func (m *Model) runCommand(name string, args []string) tea.Cmd {
	switch name {
	case "q", "quit":
		m.Close()
		return tea.Quit
	case "help", "?":
		m.push(newHelp(m.c, m.top(), m.globals()))
	case "new":
		return m.newIntake()
	case "lang":
		if len(args) != 1 {
			m.setStatus(m.c.T("cmd.usage", "lang", "zh|en"), true)
		} else {
			m.c.Lang = NormLang(args[0])
			m.c.Keys = NewKeyMap(m.c.Lang)
			// Remembered for this person's next session, local or over SSH, off the UI loop.
			st, name, lang := m.c.Store, m.c.Me.Name, m.c.Lang
			return func() tea.Msg { return langSavedMsg{err: st.SetLang(name, lang)} }
		}
	case "staff":
		if !m.c.Me.Role.CanAdminister() {
			m.setStatus(m.c.T("staff.denied"), true)
			return nil
		}
		m.clearStack()
		v := newStaffView(m.c)
		m.push(v)
		return v.load()
	case "tab":
		i := -1
		if len(args) == 1 {
			i = slices.Index(tabNames[:], strings.ToLower(args[0]))
		}
		if i < 0 {
			m.setStatus(m.c.T("cmd.usage", "tab", strings.Join(tabNames[:], "|")), true)
			return nil
		}
		m.clearStack()
		m.q.tab = tabID(i)
		return m.q.retab()
	case "open", "goto", "o":
		if len(args) != 1 {
			m.setStatus(m.c.T("cmd.usage", "open", m.c.T("cmd.usage_open")), true)
			return nil
		}
		if sm := whole(m.c.Store.Snapshot(), args[0]); sm != nil { // a case number or a credit code
			return m.handle(openCaseMsg{id: sm.ID})
		}
		no := strings.ToUpper(args[0])
		if n, err := strconv.Atoi(no); err == nil { // ":open 12" means the newest XF-…-000012
			no = fmt.Sprintf("%06d", n)
		}
		for sm := range m.c.Store.Snapshot().All() {
			if sm.No == no || strings.HasSuffix(sm.No, "-"+no) {
				return m.handle(openCaseMsg{id: sm.ID})
			}
		}
		m.setStatus(m.c.T("cmd.goto_missing", safe(args[0])), true)
	case "reassign":
		return m.reassignMarked(args)
	case "export":
		m.exportQueue()
	case "sla":
		return m.setSLA(args)
	case "agency":
		if !m.c.Me.Role.CanAdminister() {
			m.setStatus(m.c.T("agency.denied"), true)
			return nil
		}
		m.push(newAgencyScreen(m.c))
	case "audit":
		m.openAudit()
	case "dash", "dashboard":
		cmd := m.openDashboard()
		if d, ok := m.top().(*dashboard); ok && len(args) > 0 {
			// A custom period: ":dash 2026-01-01..2026-03-31" or ":dash 2026-Q3".
			if err := d.setCustom(strings.Join(args, "")); err != nil {
				m.setStatus(m.errText(err), true)
			}
		}
		return cmd
	default:
		m.setStatus(m.c.T("cmd.unknown", safe(name), strings.Join(commandNames, " ")), true)
	}
	return nil
}

// newIntake opens the intake form over the queues.
func (m *Model) newIntake() tea.Cmd {
	if !m.c.Me.Role.CanWork() {
		m.setStatus(m.c.T("err.readonly"), true)
		return nil
	}
	m.clearStack()
	m.push(newIntakeScreen(m.c))
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
// event per case, each checked by the engine. Marked cases are confirmed first, one or
// many: marks made a while ago are easy to forget.
func (m *Model) reassignMarked(args []string) tea.Cmd {
	if len(args) == 0 {
		m.setStatus(m.c.T("cmd.usage", "reassign", m.c.T("cmd.usage_reassign")), true)
		return nil
	}
	// A display name, login name or pinyin (张敏, zhangmin, zm), as people write it.
	name, ok := m.staffArg(strings.Join(args, " "))
	if !ok {
		return nil
	}
	ids := make([]uint32, 0, len(m.q.marked))
	for id := range m.q.marked {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		sm := m.q.selected()
		if cv, ok := m.top().(*caseView); ok {
			sm, _ = m.c.Store.Snapshot().Get(cv.id)
		} else if sm != nil {
			// The case as the store has it now: the command names the case, not the
			// version the queue last drew (the engine still checks the reassignment).
			sm, _ = m.c.Store.Snapshot().Get(sm.ID)
		}
		if sm == nil {
			return nil
		}
		// The engine's refusal at once (a specialist cannot reassign); else asked first,
		// naming the case, as marked cases are.
		if cs, err := m.c.Store.Case(sm.ID); err == nil {
			if r := m.c.Store.Rules().Check(&cs, m.c.Me, workflow.ActReassign, m.c.Now()); r != nil {
				m.setStatus(r.Message(m.c.Lang), true)
				return nil
			}
		}
		id, ver := sm.ID, sm.Version
		do := func() tea.Cmd {
			return applyCmd(m.c, id, ver, workflow.Action{Kind: workflow.ActReassign, Assignee: name})
		}
		m.push(newConfirm(m.c, m.top(), m.c.T("queue.confirm_reassign_case", sm.No, m.c.staffName(name)), do))
		return nil
	}
	slices.Sort(ids)
	do := func() tea.Cmd {
		m.q.marked = map[uint32]bool{}
		return bulkCmd(m.c, ids, workflow.Action{Kind: workflow.ActReassign, Assignee: name})
	}
	m.push(newConfirm(m.c, m.top(), m.c.T("queue.confirm_reassign", len(ids), m.c.staffName(name)), do))
	return nil
}

func (m *Model) View() string {
	frame := m.frame
	if m.frameOK {
		m.frameOK = false
	} else {
		frame = m.view()
	}
	// The insertion point of the input with the keyboard, for the terminal's cursor.
	out, row, col, ok := findCursor(frame)
	moved := m.cur.set(row, col, ok)
	if moved && out == m.lastView && m.cw != nil {
		m.cw.follow()
	}
	m.lastView = out
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
	header := st.Title.Render(m.c.T("app.title"))
	if m.demo {
		header += " " + st.Demo.Render(" "+m.c.T("app.demo")+" ")
	}
	if mark := m.backupMark(); mark != "" { // until a backup succeeds (backuphealth.go)
		header += " " + st.StatusErr.Render(mark)
	}
	me := m.c.T("status.me", m.c.staffName(m.c.Me.Name), m.c.Me.Role.Label(m.c.Lang))
	header = fitStyled(header, w-width(me)-1) + " " + st.Muted.Render(me)
	body := m.top().View(w, h-2)
	var foot string
	held := m.held() // the PIN: its keys only, nothing of what lies behind it
	switch {
	case m.cmd != nil && !held:
		foot = m.commandView(w)
	case m.grace != nil:
		foot = st.StatusErr.Render(cut(m.graceLine(), w))
	case m.status != "" && !held:
		s := st.StatusOK
		if m.statusErr {
			s = st.StatusErr
		}
		foot = s.Render(cut(m.status, w))
	default:
		foot = st.Faint.Render(cut(footer(m.bindings(), w), w))
	}
	if w < 80 || h < 24 {
		foot = st.Warn.Render(cut(m.c.T("err.small"), w))
	}
	return strings.Join([]string{header, body, fitStyled(foot, w)}, "\n") // one allocation
}

func (m *Model) openDashboard() tea.Cmd {
	if !canSeeDashboard(m.c.Me.Role) {
		m.setStatus(m.c.T("dash.denied"), true)
		return nil
	}
	m.clearStack()
	d, cmd := newDashboard(m.c)
	m.push(d)
	return cmd
}

func (m *Model) exportQueue() {
	if m.c.ExportDir == "" {
		m.setStatus(m.c.T("letter.no_dir"), true)
		return
	}
	path, n, err := exportMarked(m.c, m.q)
	switch {
	case err != nil:
		m.setStatus(m.errText(err), true)
	case path != "" && m.c.ExportFetch != nil:
		m.setStatus(m.c.T("export.fetch", m.c.ExportFetch(filepath.Base(path))), false)
	case path != "":
		m.setStatus(m.c.T("queue.exported", path+" ("+strconv.Itoa(n)+")"), false)
	}
}
