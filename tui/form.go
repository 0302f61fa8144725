package tui

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/workflow"
)

type fieldKind int

const (
	fText fieldKind = iota
	fChoice
	fMulti
	fArea // several lines of free text (explanation, findings, comments, reasons)
)

type option struct{ key, label string }

// field is one line of a form: free text, one choice, or several.
type field struct {
	key      string
	label    string
	kind     fieldKind
	required bool
	input    textinput.Model
	area     textarea.Model
	limit    int // characters the field takes; typing or pasting stops there
	options  []option
	sel      int
	checked  map[int]bool
	validate func(v string) (msg string, warn bool)
	visible  func(f *form) bool
	// optionsOf, when set, gives the options as the rest of the form now stands (a
	// draft's restore asks it before setting the field, so nothing ticked is lost).
	optionsOf func(f *form) []option
	msg       string
	warn      bool
	over      int // characters the last typing or paste had beyond the limit (not taken)
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
	case fArea:
		return strings.TrimSpace(fd.area.Value())
	}
	return strings.TrimSpace(fd.input.Value())
}

// raw is the field as typed (for a draft): text untrimmed, choices by key.
func (fd *field) raw() string {
	switch fd.kind {
	case fText:
		return fd.input.Value()
	case fArea:
		return fd.area.Value()
	}
	return fd.value()
}

// text reports whether the field takes typed text.
func (fd *field) text() bool { return fd.kind == fText || fd.kind == fArea }

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
	case fArea:
		fd.area.SetValue(v)
	case fMulti:
		fd.checked = map[int]bool{}
		for _, k := range strings.Split(v, ",") {
			for i, o := range fd.options {
				if o.key == k {
					fd.checked[i] = true
				}
			}
		}
	}
}

func (fd *field) focus() {
	switch fd.kind {
	case fText:
		fd.input.Focus()
	case fArea:
		fd.area.Focus()
	}
}

func (fd *field) blur() {
	switch fd.kind {
	case fText:
		fd.input.Blur()
	case fArea:
		fd.area.Blur()
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

	// name and caseID identify the form's draft ("intake", or the action kind); token is
	// this form instance's idempotency token, recorded by the store with what it creates.
	name   string
	caseID uint32
	token  string
	// busy: a submit is in flight; more submits are ignored until it is answered.
	busy bool
	// gen counts changes; a draft is saved when it stops changing (drafts.go).
	gen int
	// quitting: the discard question came from ctrl+c, and "y" ends the session.
	quitting bool
}

func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
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
		if !fd.text() || numberFields[fd.key] || !f.shown(fd) {
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

func newForm(c *Common, title string) *form { return &form{c: c, title: title, token: newToken()} }

// fieldLimits: how many characters each field takes, the engine's limits where it has
// them (workflow.ValidateIntake), so that what the form takes the engine accepts.
var fieldLimits = map[string]int{
	"name": 100, "legal_rep": 40, "address": 200, "agent": 40, "phone": 20, "id_number": 20,
	"credit_code": 24, "auth": 100, "institution": 100, "date": 10, "expiry": 10, "amount": 20,
	"reference": 100, "evidence": 80,
}

// areaFields are the long texts: several lines, bubbles/textarea.
var areaFields = map[string]bool{"detail": true, "explanation": true, "checked": true, "conclusion": true,
	"plan": true, "note": true, "comment": true}

const (
	textLimit  = 400
	areaLimit  = 1000
	areaHeight = 3
)

func (f *form) text(key, label string, required bool, validate func(string) (string, bool)) *field {
	fd := &field{key: key, label: label, kind: fText, required: required, validate: validate}
	if areaFields[key] {
		fd.kind, fd.limit = fArea, areaLimit
		ta := textarea.New()
		ta.Prompt = ""
		ta.ShowLineNumbers = false
		ta.CharLimit = areaLimit
		ta.MaxHeight = 0
		ta.SetHeight(areaHeight)
		ta.Cursor.SetMode(cursor.CursorStatic)
		ta.Cursor.Style = cursorStyle(f.c.R.NewStyle())
		ta.FocusedStyle = textarea.Style{Base: f.c.R.NewStyle(), Text: f.c.R.NewStyle(), CursorLine: f.c.R.NewStyle(), Placeholder: f.c.Styles.Faint, EndOfBuffer: f.c.Styles.Faint}
		ta.BlurredStyle = ta.FocusedStyle
		ta.EndOfBufferCharacter = ' '
		ta.KeyMap.InsertNewline.SetKeys("enter", "ctrl+j")
		ta.Blur()
		fd.area = ta
	} else {
		in := newInput()
		in.Prompt = ""
		fd.limit = textLimit
		if l, ok := fieldLimits[key]; ok {
			fd.limit = l
		}
		in.CharLimit = fd.limit
		in.Cursor.Style = cursorStyle(f.c.R.NewStyle())
		in.TextStyle = f.c.R.NewStyle()
		in.PlaceholderStyle = f.c.Styles.Faint
		fd.input = in
	}
	f.fields = append(f.fields, fd)
	if len(f.fields) == 1 {
		fd.focus()
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
		fd.over = 0
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
	if fd.msg == "" && fd.over > 0 {
		fd.msg, fd.warn = f.c.T("f.too_long", fd.label, fd.limit, fd.over), true
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

// move takes the focus to the next (d=1) or previous (d=-1) field shown, checking the
// field the person leaves: live validation as they go.
func (f *form) move(d int) {
	n := len(f.fields)
	for i := 1; i <= n; i++ {
		j := (f.focus + d*i + n*n) % n
		if f.shown(f.fields[j]) {
			if cur := f.fields[f.focus]; cur.text() {
				f.check(cur)
			}
			f.setFocus(j)
			return
		}
	}
}

// setFocus gives field i the keyboard. It checks nothing: a field's error shows only
// once the person has left it (move) or tried to save (submit), never as a form opens.
func (f *form) setFocus(i int) {
	if cur := f.fields[f.focus]; cur.text() {
		cur.blur()
	}
	f.focus = i
	f.fields[i].focus()
}

type formResult int

const (
	formNone formResult = iota
	formSubmit
	formCancel
)

// typing: the focused field takes text (not while asking whether to discard).
func (f *form) typing() bool {
	return !f.confirm && f.focus < len(f.fields) && f.fields[f.focus].text()
}

func (f *form) Update(msg tea.Msg) (formResult, tea.Cmd) {
	gen := f.gen
	res, cmd := f.update(msg)
	if f.gen != gen && res == formNone {
		cmd = tea.Batch(cmd, f.draftTick())
	}
	return res, cmd
}

// submit answers a save: once, while no other submit of this form is in flight.
func (f *form) submit() formResult {
	if f.busy {
		return formNone // a held key, a paste, a laggy link: the first submit stands
	}
	if !f.checkAll() {
		f.err = f.c.T("form.invalid")
		return formNone
	}
	f.busy = true
	f.err = ""
	return formSubmit
}

// failed: the submit was refused; the form may be submitted again.
func (f *form) failed(text string) {
	f.busy = false
	f.err = text
}

// askLeave: a way out of a form with input asks first. quit: ctrl+c, "y" ends the session.
func (f *form) askLeave(quit bool) bool {
	if !f.dirty {
		return false
	}
	f.confirm, f.quitting = true, quit
	return true
}

func (f *form) update(msg tea.Msg) (formResult, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		var cmd tea.Cmd
		switch fd := f.fields[f.focus]; fd.kind {
		case fText:
			fd.input, cmd = fd.input.Update(msg)
		case fArea:
			fd.area, cmd = fd.area.Update(msg)
		}
		return formNone, cmd
	}
	if f.confirm {
		switch km.String() {
		case "y", "Y":
			return formCancel, nil
		case "n", "N", "esc":
			f.confirm, f.quitting = false, false
			return formNone, nil
		}
		// Any other key withdraws the question and does what it does: it is not lost.
		f.confirm, f.quitting = false, false
	}
	k := f.c.Keys
	fd := f.fields[f.focus]
	switch {
	case km.String() == "esc":
		if f.askLeave(false) {
			return formNone, nil
		}
		return formCancel, nil
	case key.Matches(km, k.Save):
		return f.submit(), nil
	case km.String() == "tab":
		f.move(1)
		return formNone, nil
	case km.String() == "shift+tab":
		f.move(-1)
		return formNone, nil
	case km.String() == "down" && !(fd.kind == fArea && fd.area.Line() < fd.area.LineCount()-1):
		f.move(1)
		return formNone, nil
	case km.String() == "up" && !(fd.kind == fArea && fd.area.Line() > 0):
		f.move(-1)
		return formNone, nil
	case km.String() == "ctrl+o":
		f.info = f.moveNumbers()
		return formNone, nil
	case km.String() == "enter" && fd.kind != fArea:
		if f.lastVisible() == f.focus {
			return f.submit(), nil
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
	case fText, fArea:
		before := fd.raw()
		room := fd.limit - utf8.RuneCountInString(before)
		var cmd tea.Cmd
		if fd.kind == fText {
			fd.input, cmd = fd.input.Update(msg)
		} else {
			fd.area, cmd = fd.area.Update(msg)
		}
		// Typing or a paste past the field's limit stops at it, and the field says so.
		fd.over = 0
		if km.Type == tea.KeyRunes && len(km.Runes) > room {
			fd.over = len(km.Runes) - max(room, 0)
		}
		if fd.raw() != before || fd.over > 0 {
			if fd.raw() != before {
				f.changed(fd)
			}
			if fd.msg != "" || fd.over > 0 { // re-check a field already marked, so the mark clears as it is fixed
				f.check(fd)
			}
		}
		return formNone, cmd
	}
	return formNone, nil
}

// limitTo sets how many characters a text field takes (the store's own limit for it,
// where it is not in fieldLimits). Typing or a paste stops there, and the field says
// so, naming itself (f.too_long).
func (fd *field) limitTo(n int) *field {
	fd.limit = n
	fd.input.CharLimit = n
	fd.area.CharLimit = n
	return fd
}

func (f *form) changed(fd *field) {
	f.dirty = true
	f.gen++
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
		pad := strings.Repeat(" ", labelW+3)
		var vs []string // the value, one or more lines
		switch fd.kind {
		case fText:
			fd.input.Width = inW - 1
			vs = []string{fd.input.View()}
		case fArea:
			fd.area.SetWidth(inW)
			vs = strings.Split(fd.area.View(), "\n")
		case fChoice:
			lab := fd.options[fd.sel].label
			if i == f.focus {
				vs = []string{st.Highlight.Render("◀ " + lab + " ▶")}
			} else {
				vs = []string{lab}
			}
		case fMulti:
			// A checklist wraps: every option is seen, as every option takes focus.
			line, lw := "", 0
			for j, o := range fd.options {
				box := "☐ "
				if fd.checked[j] {
					box = "☑ "
				}
				s := box + o.label
				sw := width(s)
				if i == f.focus && j == fd.sel {
					s = st.Highlight.Render(s)
				}
				if lw > 0 && lw+2+sw > inW {
					vs = append(vs, line)
					line, lw = "", 0
				}
				if lw > 0 {
					line += "  "
					lw += 2
				}
				line += s
				lw += sw
			}
			vs = append(vs, line)
		}
		lines = append(lines, mark+ls.Render(fit(fd.label, labelW-1))+req+cut(vs[0], inW+20))
		for _, l := range vs[1:] {
			lines = append(lines, pad+cut(l, inW+20))
		}
		if fd.msg != "" {
			ms := st.Err
			if fd.warn {
				ms = st.Warn
			}
			for _, l := range wrap("↳ "+fd.msg, inW) {
				lines = append(lines, pad+ms.Render(l))
			}
		}
		if fd.kind == fMulti && i == f.focus {
			lines = append(lines, pad+st.Faint.Render(f.c.T("form.space_toggle")))
		}
	}
	lines = append(lines, "")
	// What the form says under its fields (a notice, an error, the question whether to
	// discard the input) stays on screen however tall the form: the fields give way.
	var tail []string
	if f.info != "" {
		for _, l := range wrap(f.info, w-2) {
			tail = append(tail, st.Warn.Render(l))
		}
	}
	if f.err != "" {
		for _, l := range wrap(f.err, w-2) {
			tail = append(tail, st.Err.Render(l))
		}
	}
	if f.confirm {
		q := f.c.T("form.discard")
		if f.quitting {
			q = f.c.T("form.discard_quit")
		}
		tail = append(tail, st.Warn.Render(q))
	}
	if n := len(tail) - max(h-1, 0); n > 0 { // a window shorter than the messages: their end
		tail = tail[n:]
	}
	// No key hints here: the footer, generated from the form's bindings, is their one
	// source (formScreen.Bindings).
	// Keep the focused field on screen in a short terminal.
	bh := max(h-len(tail), 0)
	if len(lines) > bh && focusLine > bh/2 {
		drop := focusLine - bh/2
		if drop > len(lines)-bh {
			drop = len(lines) - bh
		}
		lines = lines[drop:]
	}
	if len(lines) > bh {
		lines = lines[:bh]
	}
	return clampLines(append(lines, tail...), w, h)
}

func optionsOf(kind, lang string) []option {
	var out []option
	for _, k := range keysOf(kind) {
		out = append(out, option{k, labelOf(kind, k, lang)})
	}
	return out
}
