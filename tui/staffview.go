package tui

import (
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

// staffView lets an admin manage staff accounts and their SSH keys in the console.
type staffView struct {
	c       *Common
	list    []workflow.Staff
	pins    map[string]string // name -> PIN state label, read with the list
	sel     int
	keySel  int // the chosen key of the selected person
	loading bool
	notice  string
}

func newStaffView(c *Common) *staffView { return &staffView{c: c, loading: true} }

// staffLoadedMsg brings the staff list and their PIN states, read off the UI loop.
type staffLoadedMsg struct {
	v    *staffView
	list []workflow.Staff
	pins map[string]string
}

// staffSavedMsg reports a staff change saved (or refused).
type staffSavedMsg struct {
	v      *staffView
	notice string
	err    error
}

// load reads the list and the PIN states in a command.
func (v *staffView) load() tea.Cmd {
	st, c := v.c.Store, v.c
	return func() tea.Msg {
		r := staffLoadedMsg{v: v, list: st.ListStaff()}
		r.pins = make(map[string]string, len(r.list))
		for _, s := range r.list {
			switch set, fails := st.HasPIN(s.Name); {
			case !set:
				r.pins[s.Name] = c.T("staff.pin_none")
			case fails >= store.MaxPINFails:
				r.pins[s.Name] = c.T("staff.pin_stopped")
			default:
				r.pins[s.Name] = c.T("staff.pin_set")
			}
		}
		return r
	}
}

// save runs a change to the staff in a command and reports it.
func (v *staffView) save(notice string, do func(st *store.Store) error) tea.Cmd {
	st := v.c.Store
	return func() tea.Msg { return staffSavedMsg{v: v, notice: notice, err: do(st)} }
}

func (v *staffView) Typing() bool { return false }

func (v *staffView) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case staffLoadedMsg:
		if msg.v != v {
			return nil
		}
		v.list, v.pins, v.loading = msg.list, msg.pins, false
		v.sel = max(0, min(v.sel, len(v.list)-1))
		v.clampKey()
	case staffSavedMsg:
		if msg.v != v {
			return nil
		}
		if msg.err != nil {
			v.notice = errMessage(v.c, msg.err)
			return nil
		}
		v.notice = msg.notice
		return v.load()
	}
	return nil
}

// onChange reads the list again when staff change (here or in another session).
func (v *staffView) onChange(ch store.Change) tea.Cmd {
	if ch.Topic == "staff" {
		return v.load()
	}
	return nil
}

func (v *staffView) Bindings() []Binding {
	k := v.c.Keys
	c := v.c
	some := func() string {
		if len(v.list) == 0 {
			return c.T("case.loading")
		}
		return ""
	}
	noKeys := func() string {
		if len(v.list) == 0 || len(v.list[v.sel].Keys) == 0 {
			return c.T("staff.no_keys")
		}
		return ""
	}
	return []Binding{
		on(k.Up, func(tea.KeyMsg) tea.Cmd { v.sel = max(0, v.sel-1); v.keySel = 0; return nil }),
		on(k.Down, func(tea.KeyMsg) tea.Cmd { v.sel = max(0, min(len(v.list)-1, v.sel+1)); v.keySel = 0; return nil }),
		on(k.PrevKey, func(tea.KeyMsg) tea.Cmd { v.keySel--; v.clampKey(); return nil }).when(noKeys),
		on(k.NextKey, func(tea.KeyMsg) tea.Cmd { v.keySel++; v.clampKey(); return nil }).when(noKeys),
		on(k.AddStaff, func(tea.KeyMsg) tea.Cmd {
			c.send(pushMsg{v.addForm()})
			return nil
		}).main(),
		on(k.AddKey, func(tea.KeyMsg) tea.Cmd { c.send(pushMsg{v.keyForm(v.list[v.sel])}); return nil }).main().when(some),
		on(k.RemoveKey, func(tea.KeyMsg) tea.Cmd {
			who := v.list[v.sel]
			v.clampKey()
			gone := who.Keys[v.keySel]
			st := who
			st.Keys = slices.Delete(slices.Clone(who.Keys), v.keySel, v.keySel+1)
			fp := store.Fingerprint(gone)
			remove := func() tea.Cmd { return v.putNotice(st, c.T("staff.key_removed", who.Name, fp)) }
			if len(st.Keys) == 0 && who.Active {
				// Their last key: every session of theirs ends and they cannot log in.
				c.send(pushMsg{newConfirm(c, v, c.T("staff.confirm_last_key", who.Name, whoDisplay(who), fp), remove)})
				return nil
			}
			return remove()
		}).when(noKeys),
		on(k.Toggle, func(tea.KeyMsg) tea.Cmd {
			who := v.list[v.sel]
			st := who
			st.Active = !st.Active
			if !st.Active {
				c.send(pushMsg{newConfirm(c, v, c.T("staff.confirm_disable", who.Name, whoDisplay(who)), func() tea.Cmd {
					return v.putNotice(st, c.T("staff.now_disabled", who.Name))
				})})
				return nil
			}
			return v.putNotice(st, c.T("staff.now_enabled", who.Name))
		}).when(func() string {
			if len(v.list) > 0 && v.list[v.sel].Name == c.Me.Name {
				return c.T("staff.not_self")
			}
			return some()
		}),
		on(k.ResetPIN, func(tea.KeyMsg) tea.Cmd {
			// The person chooses a new PIN at their next login; a console of theirs that
			// is locked now cannot be unlocked (it says so and offers to end the session).
			name, me := v.list[v.sel].Name, c.Me
			return v.save(c.T("staff.pin_reset", name), func(st *store.Store) error { return st.ResetPIN(me, name) })
		}).when(some),
		on(k.Close, func(tea.KeyMsg) tea.Cmd { c.send(popMsg{v}); return nil }).main(),
	}
}

func (v *staffView) addForm() *formScreen {
	c := v.c
	f := newForm(c, c.T("staff.add"))
	f.text("name", c.T("staff.login"), true, func(s string) (string, bool) {
		if !store.ValidStaffName(s) {
			return c.T("staff.bad_login"), false
		}
		return "", false
	})
	f.text("display", c.T("staff.display"), true, nil)
	var roles []option
	for _, r := range []workflow.Role{workflow.RoleSpecialist, workflow.RoleSupervisor, workflow.RoleAdmin, workflow.RoleAuditor} {
		roles = append(roles, option{string(r), r.Label(c.Lang)})
	}
	f.choice("role", c.T("staff.role"), roles, true)
	f.text("key", c.T("staff.key"), false, keyCheck(c))
	f.setFocus(0)
	s := &formScreen{c: c, kind: "staff", f: f}
	me := c.Me
	s.submit = func(f *form) tea.Cmd {
		name := f.val("name")
		st := workflow.Staff{Name: name, Display: f.val("display"), Role: workflow.Role(f.val("role")), Active: true}
		if k := f.val("key"); k != "" {
			st.Keys, _ = store.ParseKeys([]byte(k))
		}
		return func() tea.Msg {
			if _, exists := c.Store.Staff(name); exists {
				return formSavedMsg{s: s, refused: c.T("staff.exists", name)}
			}
			return formSavedMsg{s: s, err: c.Store.PutStaff(me, st)}
		}
	}
	s.result = v.formResult(s)
	return s
}

func (v *staffView) keyForm(who workflow.Staff) *formScreen {
	c := v.c
	f := newForm(c, c.T("staff.key_add", who.Name))
	f.text("key", c.T("staff.key"), true, keyCheck(c))
	f.setFocus(0)
	s := &formScreen{c: c, kind: "staff", f: f}
	me := c.Me
	s.submit = func(f *form) tea.Cmd {
		keys, _ := store.ParseKeys([]byte(f.val("key")))
		st := who
		st.Keys = slices.Clone(st.Keys)
		for _, k := range keys {
			if !slices.Contains(st.Keys, k) {
				st.Keys = append(st.Keys, k)
			}
		}
		return func() tea.Msg { return formSavedMsg{s: s, err: c.Store.PutStaff(me, st)} }
	}
	s.result = v.formResult(s)
	return s
}

// formSavedMsg reports a staff form saved off the UI loop.
type formSavedMsg struct {
	s       *formScreen
	refused string // why it was not saved, already in words
	err     error
}

func (v *staffView) formResult(s *formScreen) func(tea.Msg) (bool, tea.Cmd) {
	return func(msg tea.Msg) (bool, tea.Cmd) {
		r, ok := msg.(formSavedMsg)
		if !ok || r.s != s {
			return false, nil
		}
		if r.refused != "" {
			s.f.err = r.refused
			return true, nil
		}
		if r.err != nil {
			s.f.err = errMessage(v.c, r.err)
			return true, nil
		}
		v.notice = v.c.T("form.saved")
		v.c.send(popMsg{s})
		return true, v.load()
	}
}

func keyCheck(c *Common) func(string) (string, bool) {
	return func(s string) (string, bool) {
		keys, err := store.ParseKeys([]byte(s))
		if err != nil {
			return c.T("staff.bad_key"), false
		}
		if len(keys) == 0 {
			return "", false
		}
		// A valid key: its fingerprint, to compare with what the person reads out.
		var fps []string
		for _, k := range keys {
			fps = append(fps, store.Fingerprint(k))
		}
		return c.T("staff.key_fingerprint", strings.Join(fps, " ")), true
	}
}

func (v *staffView) putNotice(st workflow.Staff, notice string) tea.Cmd {
	me := v.c.Me
	return v.save(notice, func(s *store.Store) error { return s.PutStaff(me, st) })
}

// clampKey keeps the chosen key within the selected person's keys.
func (v *staffView) clampKey() {
	n := 0
	if v.sel < len(v.list) {
		n = len(v.list[v.sel].Keys)
	}
	v.keySel = max(0, min(v.keySel, n-1))
}

// whoDisplay is a person's display name, or their login when they have none.
func whoDisplay(s workflow.Staff) string {
	if strings.TrimSpace(s.Display) == "" {
		return s.Name
	}
	return safe(s.Display)
}

func (v *staffView) View(w, h int) string {
	st := v.c.Styles
	lines := []string{st.Title.Render(v.c.T("staff.title")), ""}
	for i, s := range v.list {
		state := st.OK.Render(fit(v.c.T("staff.active"), 6))
		if !s.Active {
			state = st.Err.Render(fit(v.c.T("staff.disabled"), 6))
		}
		line := fit(s.Name, 14) + " " + fit(safe(s.Display), 10) + " " + fit(s.Role.Label(v.c.Lang), 12) + " " + state + " " + fit(v.pins[s.Name], 8) + " " + v.c.T("staff.keys", len(s.Keys))
		if i == v.sel {
			line = st.FieldFocus.Render("▸ ") + line
		} else {
			line = "  " + line
		}
		lines = append(lines, line)
		if i == v.sel {
			for j, k := range s.Keys {
				mark := "      "
				if j == v.keySel {
					mark = "    ▸ "
				}
				lines = append(lines, mark+st.Muted.Render(cut(store.Fingerprint(k), w-8)))
			}
		}
	}
	if v.notice != "" {
		lines = append(lines, st.Warn.Render(cut(v.notice, w)))
	}
	return clampLines(lines, w, h)
}

// errMessage says what went wrong in the user's language.
func errMessage(c *Common, err error) string {
	if r, ok := err.(*workflow.Refusal); ok {
		return r.Message(c.Lang)
	}
	return c.T("err.generic", strings.TrimSpace(err.Error()))
}
