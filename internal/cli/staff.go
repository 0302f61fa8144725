package cli

// repairdesk staff add | list | disable | enable | pin-reset | key add | key remove.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mattn/go-runewidth"
	"github.com/spf13/cobra"

	"repairdesk/store"
	"repairdesk/workflow"
)

func (a *app) staffCmd() *cobra.Command {
	return a.group("staff", "staff",
		a.staffAddCmd(), a.staffListCmd(), a.staffSwitchCmd("disable"), a.staffSwitchCmd("enable"), a.staffPINResetCmd(),
		a.group("key", "staff_key", a.staffKeyCmd("add"), a.staffKeyCmd("remove")))
}

// withStaff opens the database for a staff command and reports its failures.
func (a *app) withStaff(f func(st *store.Store) error) int {
	st, done, ok := a.useStore(a.dbPath(), store.Options{})
	if !ok {
		return exitFail
	}
	defer done()
	if err := f(st); err != nil {
		return a.errf("staff", exitFail, workflow.CleanLine(messageIn(err, a.lang)))
	}
	return exitOK
}

// parseRole reads --role, refusing anything that is not a role.
func (a *app) parseRole(s string) (workflow.Role, error) {
	r := workflow.Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		var names []string
		for _, v := range workflow.Roles {
			names = append(names, a.t("cli.item_label", v, v.Label(a.lang)))
		}
		return "", a.usage("cli.bad_role", workflow.CleanLine(s), strings.Join(names, a.t("cli.list_sep")))
	}
	return r, nil
}

func (a *app) readKeys(path string) ([]string, error) {
	b, err := a.readFile(path)
	if err != nil {
		return nil, err
	}
	return store.ParseKeys(b)
}

func (a *app) staffAddCmd() *cobra.Command {
	c := a.command("add", "staff_add")
	c.Args = a.exactArgs(1)
	f := c.Flags()
	role := f.String("role", "specialist", a.t("flag.role"))
	display := f.String("display", "", a.t("flag.display"))
	keyFile := f.String("key", "", a.t("flag.key"))
	personLang := f.String("person-lang", "", a.t("flag.person_lang"))
	c.RunE = func(_ *cobra.Command, args []string) error {
		r, err := a.parseRole(*role)
		if err != nil {
			return err
		}
		pl := strings.ToLower(strings.TrimSpace(*personLang))
		if pl != "" && pl != "zh" && pl != "en" {
			return a.usage("cli.bad_person_lang", workflow.CleanLine(*personLang))
		}
		a.code = a.withStaff(func(st *store.Store) error {
			if _, exists := st.Staff(args[0]); exists {
				return fmt.Errorf("%s", a.t("cli.staff_exists", args[0]))
			}
			s := workflow.Staff{Name: args[0], Display: *display, Role: r, Active: true, Lang: pl}
			me := a.me()
			if st.StaffCount() == 0 {
				// A new database always gets an admin: its first member is one, or whoever
				// runs this is registered as one too.
				if s.Name == me && r != workflow.RoleAdmin {
					return fmt.Errorf("%s", a.t("cli.staff_first_not_admin", me))
				}
				if s.Name != me {
					first := workflow.Staff{Name: me, Display: me, Role: workflow.RoleAdmin, Active: true}
					if err := st.PutStaff(workflow.Staff{}, first); err != nil {
						return err
					}
					fmt.Fprintln(a.stdout, a.t("cli.staff_first_admin", me))
				}
			}
			if *keyFile != "" {
				keys, err := a.readKeys(*keyFile)
				if err != nil {
					return err
				}
				s.Keys = keys
			}
			if err := st.PutStaff(a.by(st), s); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, a.t("cli.staff_added", s.Name, s.Role.Label(a.lang), len(s.Keys)))
			return nil
		})
		return nil
	}
	return c
}

func (a *app) staffListCmd() *cobra.Command {
	c := a.command("list", "staff_list")
	c.Args = a.noArgs
	role := c.Flags().String("role", "", a.t("flag.role_filter"))
	c.RunE = func(_ *cobra.Command, _ []string) error {
		var only workflow.Role
		if *role != "" {
			r, err := a.parseRole(*role)
			if err != nil {
				return err
			}
			only = r
		}
		a.code = a.withStaff(func(st *store.Store) error {
			// Columns padded by display width: a Chinese character takes two cells.
			var rows [][5]string
			var keys [][]string
			for _, s := range st.ListStaff() {
				if only != "" && s.Role != only {
					continue
				}
				state := a.t("cli.staff_active")
				if !s.Active {
					state = a.t("cli.staff_off")
				}
				rows = append(rows, [5]string{s.Name, workflow.CleanLine(s.Display), string(s.Role), state, a.t("cli.staff_keys", len(s.Keys))})
				var fps []string
				for _, k := range s.Keys {
					fps = append(fps, store.Fingerprint(k))
				}
				keys = append(keys, fps)
			}
			var w [4]int
			for _, r := range rows {
				for i := range w {
					w[i] = max(w[i], runewidth.StringWidth(r[i]))
				}
			}
			for j, r := range rows {
				var b strings.Builder
				for i := range w {
					b.WriteString(r[i])
					b.WriteString(strings.Repeat(" ", w[i]-runewidth.StringWidth(r[i])+2))
				}
				b.WriteString(r[4])
				fmt.Fprintln(a.stdout, b.String())
				for _, fp := range keys[j] {
					fmt.Fprintf(a.stdout, "%s%s\n", strings.Repeat(" ", w[0]+2), fp)
				}
			}
			return nil
		})
		return nil
	}
	return c
}

// staffSwitchCmd: staff disable NAME | staff enable NAME.
func (a *app) staffSwitchCmd(verb string) *cobra.Command {
	c := a.command(verb, "staff_"+verb)
	c.Args = a.exactArgs(1)
	c.RunE = a.run(func(args []string) int {
		return a.withStaff(func(st *store.Store) error {
			s, found := st.Staff(args[0])
			if !found {
				return fmt.Errorf("%s", a.t("cli.staff_missing", args[0]))
			}
			s.Active = verb == "enable"
			if err := st.PutStaff(a.by(st), s); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, a.t("cli.staff_"+verb+"d", s.Name))
			return nil
		})
	})
	return c
}

// staffPINResetCmd: staff pin-reset NAME. It clears the PIN and its count of wrong tries;
// the person chooses a new PIN at their next login (a console of theirs that is locked now
// cannot be unlocked).
func (a *app) staffPINResetCmd() *cobra.Command {
	c := a.command("pin-reset", "staff_pin_reset")
	c.Args = a.exactArgs(1)
	c.RunE = a.run(func(args []string) int {
		return a.withStaff(func(st *store.Store) error {
			if _, found := st.Staff(args[0]); !found {
				return fmt.Errorf("%s", a.t("cli.staff_missing", args[0]))
			}
			if err := st.ResetPIN(a.by(st), args[0]); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, a.t("cli.staff_pin_reset", args[0]))
			return nil
		})
	})
	return c
}

// staffKeyCmd: staff key add NAME FILE | staff key remove NAME FINGERPRINT.
func (a *app) staffKeyCmd(verb string) *cobra.Command {
	c := a.command(verb, "staff_key_"+verb)
	c.Args = a.exactArgs(2)
	c.RunE = a.run(func(args []string) int {
		return a.withStaff(func(st *store.Store) error {
			s, found := st.Staff(args[0])
			if !found {
				return fmt.Errorf("%s", a.t("cli.staff_missing", args[0]))
			}
			if verb == "add" {
				keys, err := a.readKeys(args[1])
				if err != nil {
					return err
				}
				for _, k := range keys {
					if !slices.Contains(s.Keys, k) {
						s.Keys = append(s.Keys, k)
					}
				}
			} else {
				before := len(s.Keys)
				s.Keys = slices.DeleteFunc(s.Keys, func(k string) bool {
					return store.Fingerprint(k) == args[1] || strings.TrimPrefix(store.Fingerprint(k), "SHA256:") == args[1]
				})
				if len(s.Keys) == before {
					return fmt.Errorf("%s", a.t("cli.staff_no_key", s.Name, args[1]))
				}
			}
			if err := st.PutStaff(a.by(st), s); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, a.t("cli.staff_keys_now", s.Name, len(s.Keys)))
			return nil
		})
	})
	return c
}
