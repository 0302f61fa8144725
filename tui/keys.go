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
	Save, NextField, PrevField, Choose  key.Binding
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
		Help:      b("?", "key.help", "?"),
		Quit:      b("q", "key.quit", "q", "ctrl+c"),
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
	}
}

// queueKeys and the like group bindings for the help of each screen.
func (k KeyMap) queueKeys() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.PgUp, k.PgDown, k.Open, k.NextTab, k.PrevTab, k.Search, k.New, k.Mark, k.Export, k.Dashboard, k.Command, k.Help, k.Quit}
}

func (k KeyMap) caseKeys() []key.Binding {
	return []key.Binding{k.NextTab, k.PrevTab, k.Up, k.Down, k.Actions, k.Reveal, k.Filing, k.Export, k.Back, k.Help}
}

func (k KeyMap) formKeys() []key.Binding {
	return []key.Binding{k.NextField, k.PrevField, k.Choose, k.Save, k.Back}
}
