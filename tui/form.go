package tui

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/workflow"
)

type fieldKind int

const (
	fText fieldKind = iota
	fChoice
	fMulti
)

type option struct{ key, label string }

// field is one line of a form: free text, one choice, or several.
type field struct {
	key      string
	label    string
	kind     fieldKind
	required bool
	input    textinput.Model
	options  []option
	sel      int
	checked  map[int]bool
	validate func(v string) (msg string, warn bool)
	visible  func(f *form) bool
	msg      string
	warn     bool
}

func (fd *field) value() string {
	switch fd.kind {
	case fChoice:
		if fd.sel >= 0 && fd.sel < len(fd.options) {
			return fd.options[fd.sel].key
		}
		return ""
	case fMulti:
		var keys []string
		for i, o := range fd.options {
			if fd.checked[i] {
				keys = append(keys, o.key)
			}
		}
		return strings.Join(keys, ",")
	}
	return strings.TrimSpace(fd.input.Value())
}

func (fd *field) setValue(v string) {
	switch fd.kind {
	case fChoice:
		for i, o := range fd.options {
			if o.key == v {
				fd.sel = i
			}
		}
	case fText:
		fd.input.SetValue(v)
	}
}

// form is a small keyboard form used by intake and every action.
type form struct {
	c        *Common
	title    string
	fields   []*field
	focus    int
	err      string
	info     string
	dirty    bool
	confirm  bool // asking whether to discard
	onChange func(f *form, changed *field)
}

// structured text fields: the numbers they hold are meant to be there.
var numberFields = map[string]bool{"phone": true, "id_number": true, "credit_code": true, "amount": true, "date": true}

// numberTarget is the field a number found in free text belongs in, when the form has it.
func numberTarget(m workflow.PIIMatch) string {
	if m.Kind == workflow.PIIIDNumber {
		return "id_number"
	}
	return "phone"
}

// numberWarning: an ID or mobile number typed into a free-text field. With an empty field
// for it on the form, ctrl+o moves it there; otherwise the user is told it will be sealed
// in the file and masked wherever shown.
func (f *form) numberWarning(fd *field, v string) string {
	ms := workflow.FindPII(v)
	if len(ms) == 0 {
		return ""
	}
	what := f.c.T("pii.id")
	if ms[0].Kind == workflow.PIIMobile {
		what = f.c.T("pii.mobile")
	}
	if t := f.get(numberTarget(ms[0])); t != nil && t.value() == "" {
		return f.c.T("pii.move", fd.label, what, t.label)
	}
	return f.c.T("pii.sealed", fd.label, what)
}

// moveNumbers moves the ID and mobile numbers typed into free-text fields (the focused one
// first) into the empty fields they belong in, and says what it did.
func (f *form) moveNumbers() string {
	order := append([]*field{f.fields[f.focus]}, f.fields...)
	moved := 0
	for _, fd := range order {
		if fd.kind != fText || numberFields[fd.key] || !f.shown(fd) {
			continue
		}
		v := fd.value()
		ms := workflow.FindPII(v)
		for i := len(ms) - 1; i >= 0; i-- { // from the end, so earlier offsets hold
			m := ms[i]
			t := f.get(numberTarget(m))
			if t == nil || t.value() != "" {
				continue
			}
			t.setValue(m.Number)
			v = strings.TrimSpace(v[:m.Start] + v[m.End:])
			moved++
			f.check(t)
		}
		if v != fd.value() {
			fd.setValue(v)
			f.changed(fd)
			f.check(fd)
		}
	}
	if moved == 0 {
		return f.c.T("pii.not_moved")
	}
	return f.c.T("pii.moved", moved)
}

func newForm(c *Common, title string) *form { return &form{c: c, title: title} }

func (f *form) text(key, label string, required bool, validate func(string) (string, bool)) *field {
	in := newInput()
	in.Prompt = ""
	in.CharLimit = 400
	in.Cursor.Style = f.c.R.NewStyle().Reverse(true)
	in.TextStyle = f.c.R.NewStyle()
	in.PlaceholderStyle = f.c.Styles.Faint
	fd := &field{key: key, label: label, kind: fText, required: required, input: in, validate: validate}
	f.fields = append(f.fields, fd)
	if len(f.fields) == 1 {
		fd.input.Focus()
	}
	return fd
}

func (f *form) choice(key, label string, opts []option, required bool) *field {
	fd := &field{key: key, label: label, kind: fChoice, options: opts, required: required}
	if !required {
		fd.options = append([]option{{"", "—"}}, opts...)
	}
	f.fields = append(f.fields, fd)
	return fd
}

func (f *form) multi(key, label string, opts []option, required bool) *field {
	fd := &field{key: key, label: label, kind: fMulti, options: opts, required: required, checked: map[int]bool{}}
	f.fields = append(f.fields, fd)
	return fd
}

func (f *form) get(key string) *field {
	for _, fd := range f.fields {
		if fd.key == key {
			return fd
		}
	}
	return nil
}

func (f *form) val(key string) string {
	if fd := f.get(key); fd != nil && f.shown(fd) {
		return fd.value()
	}
	return ""
}

func (f *form) shown(fd *field) bool { return fd.visible == nil || fd.visible(f) }

// check validates one field; returns false on an error (warnings pass).
func (f *form) check(fd *field) bool {
	fd.msg, fd.warn = "", false
	if !f.shown(fd) {
		return true
	}
	v := fd.value()
	if v == "" {
		if fd.required {
			fd.msg = f.c.T("f.required")
			return false
		}
		return true
	}
	if fd.validate != nil {
		fd.msg, fd.warn = fd.validate(v)
		if fd.msg != "" {
			return fd.warn
		}
	}
	if !numberFields[fd.key] {
		if w := f.numberWarning(fd, v); w != "" {
			fd.msg, fd.warn = w, true
		}
	}
	return true
}

func (f *form) checkAll() bool {
	ok := true
	for _, fd := range f.fields {
		if !f.check(fd) {
			ok = false
		}
	}
	return ok
}

func (f *form) move(d int) {
	n := len(f.fields)
	for i := 1; i <= n; i++ {
		j := (f.focus + d*i + n*n) % n
		if f.shown(f.fields[j]) {
			f.setFocus(j)
			return
		}
	}
}

func (f *form) setFocus(i int) {
	if cur := f.fields[f.focus]; cur.kind == fText {
		cur.input.Blur()
		f.check(cur) // live validation as the user leaves a field
	}
	f.focus = i
	if nf := f.fields[i]; nf.kind == fText {
		nf.input.Focus()
	}
}

type formResult int

const (
	formNone formResult = iota
	formSubmit
	formCancel
)

// typing: the focused field takes text (not while asking whether to discard).
func (f *form) typing() bool {
	return !f.confirm && f.focus < len(f.fields) && f.fields[f.focus].kind == fText
}

func (f *form) Update(msg tea.Msg) (formResult, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		if fd := f.fields[f.focus]; fd.kind == fText {
			var cmd tea.Cmd
			fd.input, cmd = fd.input.Update(msg)
			return formNone, cmd
		}
		return formNone, nil
	}
	if f.confirm {
		switch km.String() {
		case "y", "Y":
			return formCancel, nil
		default:
			f.confirm = false
			return formNone, nil
		}
	}
	k := f.c.Keys
	fd := f.fields[f.focus]
	switch {
	case km.String() == "esc":
		if f.dirty {
			f.confirm = true
			return formNone, nil
		}
		return formCancel, nil
	case key.Matches(km, k.Save):
		if f.checkAll() {
			return formSubmit, nil
		}
		f.err = f.c.T("form.invalid")
		return formNone, nil
	case km.String() == "tab" || km.String() == "down":
		f.move(1)
		return formNone, nil
	case km.String() == "shift+tab" || km.String() == "up":
		f.move(-1)
		return formNone, nil
	case km.String() == "ctrl+o":
		f.info = f.moveNumbers()
		return formNone, nil
	case km.String() == "enter":
		if f.lastVisible() == f.focus {
			if f.checkAll() {
				return formSubmit, nil
			}
			f.err = f.c.T("form.invalid")
			return formNone, nil
		}
		f.move(1)
		return formNone, nil
	}
	switch fd.kind {
	case fChoice:
		switch km.String() {
		case "left":
			if fd.sel > 0 {
				fd.sel--
			} else {
				fd.sel = len(fd.options) - 1
			}
		case "right", " ":
			fd.sel = (fd.sel + 1) % len(fd.options)
		default:
			return formNone, nil
		}
		f.changed(fd)
	case fMulti:
		switch km.String() {
		case "left":
			fd.sel = (fd.sel - 1 + len(fd.options)) % len(fd.options)
		case "right":
			fd.sel = (fd.sel + 1) % len(fd.options)
		case " ", "x":
			fd.checked[fd.sel] = !fd.checked[fd.sel]
			f.changed(fd)
		}
	case fText:
		before := fd.input.Value()
		var cmd tea.Cmd
		fd.input, cmd = fd.input.Update(msg)
		if fd.input.Value() != before {
			f.changed(fd)
			if fd.msg != "" { // re-check a field already marked, so the mark clears as it is fixed
				f.check(fd)
			}
		}
		if f.cut(fd, before, km) {
			// Typed or pasted past the field's limit: the input kept what fits; say so,
			// naming the field, instead of dropping the rest without a word.
			fd.msg, fd.warn = f.c.T("form.cut", fd.label, fd.input.CharLimit), true
		}
		return formNone, cmd
	}
	return formNone, nil
}

// cut: km (typed or pasted text) did not fit in the field's limit.
func (f *form) cut(fd *field, before string, km tea.KeyMsg) bool {
	limit := fd.input.CharLimit
	if limit <= 0 || km.Type != tea.KeyRunes {
		return false
	}
	return utf8.RuneCountInString(before)+len(km.Runes) > limit && utf8.RuneCountInString(fd.input.Value()) >= limit
}

// limit sets how many characters a text field takes (the store's own limit for it).
func (fd *field) limit(n int) *field {
	fd.input.CharLimit = n
	return fd
}

func (f *form) changed(fd *field) {
	f.dirty = true
	f.err = ""
	if f.onChange != nil {
		f.onChange(f, fd)
	}
}

func (f *form) lastVisible() int {
	for i := len(f.fields) - 1; i >= 0; i-- {
		if f.shown(f.fields[i]) {
			return i
		}
	}
	return 0
}

// View draws the form in w×h cells.
func (f *form) View(w, h int) string {
	st := f.c.Styles
	labelW := 0
	for _, fd := range f.fields {
		if lw := width(fd.label); lw > labelW {
			labelW = lw
		}
	}
	labelW += 2
	if labelW > 24 {
		labelW = 24
	}
	inW := w - labelW - 4
	if inW < 10 {
		inW = 10
	}
	var lines []string
	lines = append(lines, st.Title.Render(f.title), "")
	focusLine := 0
	for i, fd := range f.fields {
		if !f.shown(fd) {
			continue
		}
		mark := "  "
		ls := st.Label
		if i == f.focus {
			mark = st.FieldFocus.Render("▸ ")
			ls = st.FieldFocus
			focusLine = len(lines)
		}
		req := " "
		if fd.required {
			req = st.Err.Render("*")
		}
		var v string
		switch fd.kind {
		case fText:
			fd.input.Width = inW - 1
			v = fd.input.View()
		case fChoice:
			lab := fd.options[fd.sel].label
			if i == f.focus {
				v = st.Highlight.Render("◀ " + lab + " ▶")
			} else {
				v = lab
			}
		case fMulti:
			var parts []string
			for j, o := range fd.options {
				box := "☐ "
				if fd.checked[j] {
					box = "☑ "
				}
				s := box + o.label
				if i == f.focus && j == fd.sel {
					s = st.Highlight.Render(s)
				}
				parts = append(parts, s)
			}
			v = strings.Join(parts, "  ")
		}
		lines = append(lines, mark+ls.Render(fit(fd.label, labelW-1))+req+cut(v, inW+20))
		if fd.msg != "" {
			ms := st.Err
			if fd.warn {
				ms = st.Warn
			}
			for _, l := range wrap("↳ "+fd.msg, inW) {
				lines = append(lines, strings.Repeat(" ", labelW+3)+ms.Render(l))
			}
		}
		if fd.kind == fMulti && i == f.focus {
			lines = append(lines, strings.Repeat(" ", labelW+3)+st.Faint.Render(f.c.T("form.space_toggle")))
		}
	}
	lines = append(lines, "")
	if f.info != "" {
		lines = append(lines, st.Warn.Render(cut(f.info, w)))
	}
	if f.err != "" {
		for _, l := range wrap(f.err, w-2) {
			lines = append(lines, st.Err.Render(l))
		}
	}
	if f.confirm {
		lines = append(lines, st.Warn.Render(f.c.T("form.discard")))
	}
	lines = append(lines, st.Faint.Render(cut(f.c.T("form.submit_hint"), w)))
	// Keep the focused field on screen in a short terminal.
	if len(lines) > h && focusLine > h/2 {
		drop := focusLine - h/2
		if drop > len(lines)-h {
			drop = len(lines) - h
		}
		lines = lines[drop:]
	}
	return clampLines(lines, w, h)
}

func optionsOf(kind, lang string) []option {
	var out []option
	for _, k := range keysOf(kind) {
		out = append(out, option{k, labelOf(kind, k, lang)})
	}
	return out
}
