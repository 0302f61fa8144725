package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"repairdesk/store"
	"repairdesk/tui"
	"repairdesk/workflow"
)

func cmdStaff(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, "usage: repairdesk staff add|list|disable|enable|key|pin-reset …\n")
		return 2
	}
	fs := newFlags("repairdesk staff "+args[0], stderr, "repairdesk staff "+args[0]+" …")
	db := fs.String("db", DefaultDBPath(), "database file")
	role := fs.String("role", "specialist", "specialist | supervisor | admin | auditor")
	display := fs.String("display", "", "name shown on screen and on letters (姓名)")
	keyFile := fs.String("key", "", "OpenSSH public key file (.pub or authorized_keys) for logging in over ssh")
	lang := fs.String("lang", "", "preferred interface language for this person: zh or en")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return 2
	}
	l := tui.LangFromEnv("")
	st, ok := openStore(*db, store.Options{}, stderr, l)
	if !ok {
		return 1
	}
	defer st.Close()
	fail := func(err error) int {
		if r, ok := err.(*workflow.Refusal); ok {
			fmt.Fprintln(stderr, "repairdesk staff:", r.Message(l))
		} else {
			fmt.Fprintln(stderr, "repairdesk staff:", err)
		}
		return 1
	}
	readKeys := func(path string) ([]string, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return store.ParseKeys(b)
	}
	switch args[0] {
	case "list":
		for _, s := range st.ListStaff() {
			state := "active"
			if !s.Active {
				state = "disabled"
			}
			fmt.Fprintf(stdout, "%-12s %-8s %-10s %-8s %s\n", s.Name, workflow.CleanLine(s.Display), s.Role, state, tui.T(l, "staff.keys", len(s.Keys)))
			for _, k := range s.Keys {
				fmt.Fprintf(stdout, "             %s\n", store.Fingerprint(k))
			}
		}
		return 0
	case "add":
		if len(pos) != 1 {
			fs.Usage()
			return 2
		}
		if _, exists := st.Staff(pos[0]); exists {
			return fail(errors.New(tui.T(l, "cli.staff_exists", pos[0])))
		}
		s := workflow.Staff{Name: pos[0], Display: *display, Role: workflow.Role(*role), Active: true, Lang: *lang}
		if *keyFile != "" {
			keys, err := readKeys(*keyFile)
			if err != nil {
				return fail(err)
			}
			s.Keys = keys
		}
		if err := st.PutStaff(workflow.Staff{}, s); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, tui.T(l, "cli.staff_added", s.Name, s.Role.Label(l), len(s.Keys)))
		return 0
	case "disable", "enable":
		if len(pos) != 1 {
			fs.Usage()
			return 2
		}
		s, found := st.Staff(pos[0])
		if !found {
			return fail(errors.New(tui.T(l, "cli.staff_missing", pos[0])))
		}
		s.Active = args[0] == "enable"
		if err := st.PutStaff(workflow.Staff{}, s); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, tui.T(l, "cli.staff_"+args[0]+"d", s.Name))
		return 0
	case "pin-reset":
		// Clears the PIN and its count of wrong tries; the person chooses a new PIN at
		// their next login (a console of theirs that is locked now cannot be unlocked).
		if len(pos) != 1 {
			fmt.Fprintln(stderr, "usage: repairdesk staff pin-reset NAME")
			return 2
		}
		if _, found := st.Staff(pos[0]); !found {
			return fail(errors.New(tui.T(l, "cli.staff_missing", pos[0])))
		}
		if err := st.ResetPIN(workflow.Staff{}, pos[0]); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, tui.T(l, "cli.staff_pin_reset", pos[0]))
		return 0
	case "key":
		if len(pos) != 3 || (pos[0] != "add" && pos[0] != "remove") {
			fmt.Fprintln(stderr, "usage: repairdesk staff key add NAME FILE | repairdesk staff key remove NAME FINGERPRINT")
			return 2
		}
		s, found := st.Staff(pos[1])
		if !found {
			return fail(errors.New(tui.T(l, "cli.staff_missing", pos[1])))
		}
		if pos[0] == "add" {
			keys, err := readKeys(pos[2])
			if err != nil {
				return fail(err)
			}
			for _, k := range keys {
				if !slices.Contains(s.Keys, k) {
					s.Keys = append(s.Keys, k)
				}
			}
		} else {
			before := len(s.Keys)
			s.Keys = slices.DeleteFunc(s.Keys, func(k string) bool {
				return store.Fingerprint(k) == pos[2] || strings.TrimPrefix(store.Fingerprint(k), "SHA256:") == pos[2]
			})
			if len(s.Keys) == before {
				return fail(errors.New(tui.T(l, "cli.staff_no_key", s.Name, pos[2])))
			}
		}
		if err := st.PutStaff(workflow.Staff{}, s); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, tui.T(l, "cli.staff_keys_now", s.Name, len(s.Keys)))
		return 0
	}
	fmt.Fprintf(stderr, "repairdesk staff: unknown subcommand %q\n", args[0])
	return 2
}
