package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"repairdesk/store"
	"repairdesk/tui"
	"repairdesk/workflow"
)

// cmdLetters: repairdesk letters templates DIR | use DIR | use --default.
func cmdLetters(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("repairdesk letters", stderr, "repairdesk letters templates DIR | use DIR | use --default  [--db PATH]")
	db := fs.String("db", DefaultDBPath(), "database file")
	def := fs.Bool("default", false, "with use: go back to the shipped templates")
	pos, err := parse(fs, args)
	if err != nil {
		return 2
	}
	l := tui.LangFromEnv("")
	switch {
	case len(pos) == 2 && pos[0] == "templates":
		if err := writeTemplates(pos[1]); err != nil {
			fmt.Fprintln(stderr, "repairdesk letters:", err)
			return 1
		}
		fmt.Fprintln(stdout, tui.T(l, "cli.letters_written", pos[1]))
		return 0
	case pos != nil && pos[0] == "use" && (len(pos) == 2 || (len(pos) == 1 && *def)):
	default:
		fs.Usage()
		return 2
	}
	dir := ""
	if len(pos) == 2 {
		abs, err := filepath.Abs(pos[1])
		if err != nil {
			fmt.Fprintln(stderr, "repairdesk letters:", err)
			return 1
		}
		// Check them before they are used for any letter.
		if _, err := workflow.ParseLetterTemplates(os.DirFS(abs)); err != nil {
			fmt.Fprintln(stderr, "repairdesk letters:", tui.T(l, "cli.letters_invalid", abs), err)
			return 1
		}
		dir = abs
	}
	st, ok := openStore(*db, store.Options{}, stderr, l)
	if !ok {
		return 1
	}
	defer st.Close()
	if err := st.UpdateSettings(cliAdmin(), func(s *store.Settings) error { s.LetterDir = dir; return nil }); err != nil {
		fmt.Fprintln(stderr, "repairdesk letters:", err)
		return 1
	}
	if dir == "" {
		fmt.Fprintln(stdout, tui.T(l, "cli.letters_default"))
	} else {
		fmt.Fprintln(stdout, tui.T(l, "cli.letters_used", dir))
	}
	return 0
}

// writeTemplates copies the shipped templates into dir for an admin to adapt; it never
// overwrites a file.
func writeTemplates(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	src := workflow.DefaultLetterTemplates()
	return fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		f, err := os.OpenFile(filepath.Join(dir, filepath.Base(p)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		if _, err := f.Write(b); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
}
