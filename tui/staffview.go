package tui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

// staffView lets an admin manage staff accounts and their SSH keys in the console.
type staffView struct {
	c      *Common
	list   []workflow.Staff
	pins   map[string]string // name -> PIN state label, read with the list
	sel    int
	form   *form
	formK  string // "add" or "key"
	notice string
}

func newStaffView(c *Common) *staffView {
	v := &staffView{c: c}
	v.reload()
	return v
}

func (v *staffView) reload() {
	v.list = v.c.Store.ListStaff()
	v.pins = make(map[string]string, len(v.list))
	for _, s := range v.list {
		switch set, fails := v.c.Store.HasPIN(s.Name); {
		case !set:
			v.pins[s.Name] = v.c.T("staff.pin_none")
		case fails >= store.MaxPINFails:
			v.pins[s.Name] = v.c.T("staff.pin_stopped")
		default:
			v.pins[s.Name] = v.c.T("staff.pin_set")
		}
	}
	if v.sel >= len(v.list) {
		v.sel = len(v.list) - 1
	}
	if v.sel < 0 {
		v.sel = 0
	}
}

// Update returns true when the view should close.
func (v *staffView) Update(km tea.KeyMsg) bool {
	if v.form != nil {
		res, _ := v.form.Update(km)
		switch res {
		case formCancel:
			v.form = nil
		case formSubmit:
			v.submit()
		}
		return false
	}
	k := v.c.Keys
	switch {
	case km.String() == "esc" || km.String() == "q":
		return true
	case key.Matches(km, k.Down):
		if v.sel < len(v.list)-1 {
			v.sel++
		}
	case key.Matches(km, k.Up):
		if v.sel > 0 {
			v.sel--
		}
	case km.String() == "n":
		f := newForm(v.c, v.c.T("staff.add"))
		f.text("name", v.c.T("staff.login"), true, func(s string) (string, bool) {
			if !store.ValidStaffName(s) {
				return v.c.T("staff.bad_login"), false
			}
			return "", false
		})
		f.text("display", v.c.T("staff.display"), true, nil)
		var roles []option
		for _, r := range []workflow.Role{workflow.RoleSpecialist, workflow.RoleSupervisor, workflow.RoleAdmin, workflow.RoleAuditor} {
			roles = append(roles, option{string(r), r.Label(v.c.Lang)})
		}
		f.choice("role", v.c.T("staff.role"), roles, true)
		f.text("key", v.c.T("staff.key"), false, keyCheck(v.c))
		f.setFocus(0)
		v.form, v.formK = f, "add"
	case km.String() == "k" && len(v.list) > 0:
		f := newForm(v.c, v.c.T("staff.key_add", v.list[v.sel].Name))
		f.text("key", v.c.T("staff.key"), true, keyCheck(v.c))
		f.setFocus(0)
		v.form, v.formK = f, "key"
	case km.String() == "d" && len(v.list) > 0:
		st := v.list[v.sel]
		if st.Name == v.c.Me.Name {
			v.notice = v.c.T("staff.not_self")
			return false
		}
		st.Active = !st.Active
		v.put(st)
	case km.String() == "p" && len(v.list) > 0:
		// The person chooses a new PIN at their next login; a console of theirs that is
		// locked now cannot be unlocked (it says so and offers to end the session).
		name := v.list[v.sel].Name
		if err := v.c.Store.ResetPIN(v.c.Me, name); err != nil {
			v.notice = errMessage(v.c, err)
			return false
		}
		v.notice = v.c.T("staff.pin_reset", name)
		v.reload()
	case km.String() == "x" && len(v.list) > 0 && len(v.list[v.sel].Keys) > 0:
		st := v.list[v.sel]
		st.Keys = st.Keys[:len(st.Keys)-1]
		v.put(st)
	}
	return false
}

func keyCheck(c *Common) func(string) (string, bool) {
	return func(s string) (string, bool) {
		if _, err := store.ParseKeys([]byte(s)); err != nil {
			return c.T("staff.bad_key"), false
		}
		return "", false
	}
}

func (v *staffView) put(st workflow.Staff) {
	if err := v.c.Store.PutStaff(v.c.Me, st); err != nil {
		v.notice = errMessage(v.c, err)
		return
	}
	v.notice = v.c.T("form.saved")
	v.reload()
}

func (v *staffView) submit() {
	f := v.form
	switch v.formK {
	case "add":
		name := f.val("name")
		if _, exists := v.c.Store.Staff(name); exists {
			f.err = v.c.T("staff.exists", name)
			return
		}
		st := workflow.Staff{Name: name, Display: f.val("display"), Role: workflow.Role(f.val("role")), Active: true}
		if k := f.val("key"); k != "" {
			st.Keys, _ = store.ParseKeys([]byte(k))
		}
		if err := v.c.Store.PutStaff(v.c.Me, st); err != nil {
			f.err = errMessage(v.c, err)
			return
		}
	case "key":
		st := v.list[v.sel]
		keys, _ := store.ParseKeys([]byte(f.val("key")))
		for _, k := range keys {
			if !slices.Contains(st.Keys, k) {
				st.Keys = append(st.Keys, k)
			}
		}
		if err := v.c.Store.PutStaff(v.c.Me, st); err != nil {
			f.err = errMessage(v.c, err)
			return
		}
	}
	v.form = nil
	v.notice = v.c.T("form.saved")
	v.reload()
}

func (v *staffView) View(w, h int) string {
	if v.form != nil {
		return v.form.View(w, h)
	}
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
			for _, k := range s.Keys {
				lines = append(lines, "      "+st.Muted.Render(cut(store.Fingerprint(k), w-8)))
			}
		}
	}
	lines = append(lines, "", st.Faint.Render(cut(v.c.T("staff.hint"), w)))
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
