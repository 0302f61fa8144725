package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/workflow"
)

// cmdLine is the ':' line's memory for one session (issue 13 §6): the commands run, for
// up/down; the candidates of the last tab; and whether the status holds a command's
// error, shown until the next key.
type cmdLine struct {
	hist    []string
	pos     int // index into hist while browsing; len(hist) is the line being typed
	draft   string
	cands   []string
	errShow bool
}

const cmdHistMax = 100

// cmdBindings are the keys of the ':' line: run, leave, complete, and the history. Every
// other key is the line's text.
func (m *Model) cmdBindings() []Binding {
	k := m.c.Keys
	cl := &m.cl
	return []Binding{
		on(k.Run, func(tea.KeyMsg) tea.Cmd { return m.runLine() }).main(),
		on(k.Cancel, func(tea.KeyMsg) tea.Cmd { m.cmd = nil; return nil }).main(),
		on(k.Complete, func(tea.KeyMsg) tea.Cmd { m.complete(); return nil }),
		on(k.Older, func(tea.KeyMsg) tea.Cmd {
			if cl.pos > len(cl.hist) {
				cl.pos = len(cl.hist)
			}
			if cl.pos > 0 {
				if cl.pos == len(cl.hist) {
					cl.draft = m.cmd.Value()
				}
				cl.pos--
				m.cmd.SetValue(cl.hist[cl.pos])
				m.cmd.CursorEnd()
			}
			return nil
		}),
		on(k.Newer, func(tea.KeyMsg) tea.Cmd {
			if cl.pos < len(cl.hist) {
				cl.pos++
				if cl.pos == len(cl.hist) {
					m.cmd.SetValue(cl.draft)
				} else {
					m.cmd.SetValue(cl.hist[cl.pos])
				}
				m.cmd.CursorEnd()
			}
			return nil
		}),
	}
}

// updateCommand handles a key while the ':' line is open: through its bindings, else as
// the line's text.
func (m *Model) updateCommand(km tea.KeyMsg) tea.Cmd {
	if !key.Matches(km, m.c.Keys.Complete) {
		m.cl.cands = nil // the candidates listed are those of the last tab
	}
	if b, ok := match(m.cmdBindings(), km); ok {
		return b.Run(km)
	}
	var cmd tea.Cmd
	*m.cmd, cmd = m.cmd.Update(km)
	return cmd
}

// runLine runs the line typed (enter), remembering it for up/down; its error stays on
// the status line until the next key.
func (m *Model) runLine() tea.Cmd {
	cl := &m.cl
	text := strings.TrimSpace(m.cmd.Value())
	m.cmd = nil
	if text == "" {
		return nil
	}
	if n := len(cl.hist); n == 0 || cl.hist[n-1] != text {
		cl.hist = append(cl.hist, text)
		if len(cl.hist) > cmdHistMax {
			cl.hist = cl.hist[len(cl.hist)-cmdHistMax:]
		}
	}
	cl.pos, cl.draft = len(cl.hist), ""
	line := strings.Fields(text)
	m.setStatus("", false)
	cmd := m.runCommand(line[0], line[1:])
	cl.errShow = m.statusErr && m.status != ""
	return cmd
}

// openCommand opens the ':' line, at the end of its history.
func (m *Model) openCommand() {
	in := newInput()
	in.Prompt = m.c.T("cmd.prompt")
	in.Focus()
	m.cmd = &in
	m.cl.pos, m.cl.draft, m.cl.cands = len(m.cl.hist), "", nil
}

// clearCommandError takes a command's error off the status line at the next key.
func (m *Model) clearCommandError() {
	if m.cl.errShow {
		m.cl.errShow = false
		m.setStatus("", false)
	}
}

// complete completes the word before the end of the line: a command's name, or its
// argument (a staff member for reassign, a queue for tab, a language for lang). One
// candidate is taken; several extend the word to what they share and are listed.
func (m *Model) complete() {
	v := m.cmd.Value()
	cut := strings.LastIndexAny(v, " \t") + 1
	word := v[cut:]
	var cands []string
	if cut == 0 {
		for _, n := range commandNames {
			if strings.HasPrefix(n, strings.ToLower(word)) {
				cands = append(cands, n)
			}
		}
	} else {
		switch strings.Fields(v)[0] {
		case "reassign":
			cands = m.staffCandidates(word)
		case "tab":
			cands = prefixed(tabNames[:], word)
		case "lang":
			cands = prefixed([]string{"zh", "en"}, word)
		}
	}
	m.cl.cands = nil
	switch len(cands) {
	case 0:
		return
	case 1:
		word = cands[0]
		if cut == 0 {
			word += " "
		}
	default:
		word = commonPrefix(cands, word)
		m.cl.cands = cands
	}
	m.cmd.SetValue(v[:cut] + word)
	m.cmd.CursorEnd()
}

// staffCandidates are the active case handlers a word can name: by login name, display
// name or pinyin. They complete to the login name, or to the display name when the word
// is Chinese.
func (m *Model) staffCandidates(word string) []string {
	var list []workflow.Staff
	for _, s := range m.c.staffList() {
		if s.Active && s.Role.CanWork() {
			list = append(list, s)
		}
	}
	han := word != "" && !isASCII(word)
	var out []string
	seen := map[string]bool{}
	add := func(s workflow.Staff) {
		c := s.Name
		if han {
			c = s.Display
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, s := range list {
		if strings.HasPrefix(strings.ToLower(s.Name), strings.ToLower(word)) || strings.HasPrefix(s.Display, word) {
			add(s)
		}
	}
	if word != "" {
		for _, s := range matchStaff(list, word) {
			add(s)
		}
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func prefixed(list []string, word string) []string {
	var out []string
	for _, s := range list {
		if strings.HasPrefix(s, strings.ToLower(word)) {
			out = append(out, s)
		}
	}
	return out
}

// commonPrefix is the longest prefix the candidates share, if it extends word.
func commonPrefix(cands []string, word string) string {
	p := cands[0]
	for _, c := range cands[1:] {
		for !strings.HasPrefix(c, p) {
			p = p[:len(p)-1]
		}
	}
	if len(p) > len(word) && strings.HasPrefix(strings.ToLower(p), strings.ToLower(word)) {
		return strings.ToValidUTF8(p, "")
	}
	return word
}

// commandView is the ':' line, with the candidates of the last tab after it.
func (m *Model) commandView(w int) string {
	m.cmd.Width = w - width(m.cmd.Prompt) - 2
	if len(m.cl.cands) == 0 {
		return m.cmd.View()
	}
	list := safe(strings.Join(m.cl.cands, " "))
	m.cmd.Width = max(width(m.cmd.Value())+1, m.cmd.Width-width(list)-2)
	return m.cmd.View() + "  " + m.c.Styles.Faint.Render(list)
}

// staffArg resolves a name given to a command (display name, login name or pinyin) to a
// login name; when it names nobody, or several, the status says so and ok is false.
func (m *Model) staffArg(name string) (login string, ok bool) {
	who, several := resolveStaff(m.c.staffList(), name)
	switch {
	case who.Name != "":
		return who.Name, true
	case len(several) > 0:
		var names []string
		for _, s := range several {
			names = append(names, s.Shown()+"("+s.Name+")")
		}
		m.setStatus(m.c.T("cmd.staff_several", safe(name), safe(strings.Join(names, "、"))), true)
	default:
		m.setStatus(m.c.T("cmd.staff_none", safe(name)), true)
	}
	return "", false
}
