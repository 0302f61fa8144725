package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap holds every binding with its description, so the help is generated from it. One
// per session: descriptions are in the session's language.
type KeyMap struct {
	Up, Down, Top, Bottom, PgUp, PgDown key.Binding
	Open, Back, Search, Help, Quit      key.Binding
	New, Actions, NextTab, PrevTab      key.Binding
	Mark, Command, Reveal, Export       key.Binding
	Filing, Dashboard                   key.Binding
	// EditFiling edits the client filing; QueueTabs picks a queue by its number (1–6).
	EditFiling, QueueTabs              key.Binding
	Save, NextField, PrevField, Choose key.Binding
	// Close leaves a screen above the queues (esc or q); Clear is esc on the queues.
	Close, Clear, CaseTabs              key.Binding
	Received, NotReceived, Invalid      key.Binding
	Waive, Supersede                    key.Binding
	PrevLetter, NextLetter, TieFile     key.Binding
	AddKey, RemoveKey, Toggle, ResetPIN key.Binding
	PrevKey, NextKey                    key.Binding
	Yes, No, Enter, Cancel              key.Binding
	// Issue confirms a previewed letter (the preview screen).
	Issue key.Binding
	// CancelAsk is esc in a form with input: it cancels, asking first; LeaveYes and
	// LeaveNo answer that question.
	CancelAsk, LeaveYes, LeaveNo key.Binding
	// Widen/Narrow: tab on the search line; Complete, Older, Newer, Run: the ':' line.
	Widen, Narrow, Complete, Older, Newer, Run key.Binding
	// Interrupt is ctrl+c where a screen asks first (a form with input); Resume, Later
	// and Discard answer the offer of a draft.
	Interrupt, Resume, Later, Discard key.Binding
	// The PIN screen's keys: confirm, delete a digit, clear, end the session.
	PINEnter, Erase, ClearPIN, EndSession key.Binding
	// HelpTyping is the help while a field has the keyboard ('?' is text there).
	HelpTyping, AddStaff key.Binding
}

func NewKeyMap(lang string) KeyMap {
	b := func(help string, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, T(lang, desc)))
	}
	return KeyMap{
		Up:        b("↑/k", "key.up", "up", "k"),
		Down:      b("↓/j", "key.down", "down", "j"),
		Top:       b("g", "key.top", "g", "home"),
		Bottom:    b("G", "key.bottom", "G", "end"),
		PgUp:      b("pgup", "key.pgup", "pgup", "ctrl+b"),
		PgDown:    b("pgdn", "key.pgdown", "pgdown", "ctrl+f"),
		Open:      b("enter", "key.open", "enter"),
		Back:      b("esc", "key.back", "esc"),
		Search:    b("/", "key.search", "/"),
		Help:      b("?", "key.help", "?", "f1"),
		Quit:      b("q", "key.quit", "q"),
		New:       b("n", "key.new", "n"),
		Actions:   b("a", "key.actions", "a"),
		NextTab:   b("tab/l", "key.nexttab", "tab", "l", "right"),
		PrevTab:   b("⇧tab/h", "key.prevtab", "shift+tab", "h", "left"),
		Mark:      b("space", "key.mark", " "),
		Command:   b(":", "key.command", ":"),
		Reveal:    b("v", "key.reveal", "v"),
		Export:    b("e", "key.export", "e"),
		Filing:    b("f", "key.filing", "f"),
		Dashboard: b("d", "key.dashboard", "d"),
		Save:      b("ctrl+s", "key.save", "ctrl+s"),
		NextField: b("tab/↓", "key.nextfield", "tab", "down"),
		PrevField: b("⇧tab/↑", "key.prevfield", "shift+tab", "up"),
		Choose:    b("←/→", "key.choose", "left", "right"),

		Close:       b("esc/q", "key.back", "esc", "q"),
		Clear:       b("esc", "key.clear", "esc"),
		CaseTabs:    b("1-5", "key.casetabs", "1", "2", "3", "4", "5"),
		QueueTabs:   b("1-6", "key.queuetabs", "1", "2", "3", "4", "5", "6"),
		EditFiling:  b("e", "key.edit_filing", "e"),
		Received:    b("r", "key.received", "r"),
		NotReceived: b("u", "key.not_received", "u"),
		Invalid:     b("x", "key.invalid", "x"),
		Waive:       b("w", "key.waive", "w"),
		Supersede:   b("s", "key.supersede", "s"),
		TieFile:     b("t", "key.tie_file", "t"),
		PrevLetter:  b("[", "key.prevletter", "["),
		NextLetter:  b("]", "key.nextletter", "]"),
		AddKey:      b("a", "key.addkey", "a"),
		RemoveKey:   b("x", "key.removekey", "x"),
		PrevKey:     b("←", "key.prevkey", "left"),
		NextKey:     b("→", "key.nextkey", "right"),
		Toggle:      b("d", "key.toggle_staff", "d"),
		ResetPIN:    b("p", "key.resetpin", "p"),
		Yes:         b("y", "key.yes", "y", "Y"),
		No:          b("n/esc", "key.no", "n", "N", "esc"),
		Enter:       b("enter", "key.ok", "enter"),
		Cancel:      b("esc", "key.cancel", "esc"),
		CancelAsk:   b("esc", "key.cancel_ask", "esc"),
		LeaveYes:    b("y", "key.leave_yes", "y", "Y"),
		LeaveNo:     b("n/esc", "key.leave_no", "n", "N", "esc"),
		Widen:       b("tab", "key.widen", "tab"),
		Narrow:      b("tab", "key.narrow", "tab"),
		Complete:    b("tab", "key.complete", "tab"),
		Older:       b("↑", "key.older", "up"),
		Newer:       b("↓", "key.newer", "down"),
		Run:         b("enter", "key.run", "enter"),

		Interrupt: b("ctrl+c", "key.interrupt", "ctrl+c"),
		Issue:     b("y/ctrl+s", "key.issue", "y", "Y", "ctrl+s"),
		Resume:    b("y", "key.resume", "y", "Y"),
		Later:     b("n/esc", "key.later", "n", "N", "esc"),
		Discard:   b("x", "key.discard", "x", "X"),

		PINEnter:   b("enter", "key.yes", "enter"),
		Erase:      b("backspace", "key.erase", "backspace"),
		ClearPIN:   b("esc", "key.clear_pin", "esc"),
		EndSession: b("q", "key.end_session", "q", "Q", "ctrl+c"),
		HelpTyping: b("f1", "key.help", "f1"),
		AddStaff:   b("n", "key.add_staff", "n"),
	}
}
