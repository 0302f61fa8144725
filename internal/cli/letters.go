package cli

// repairdesk letters templates DIR | use DIR | use --default: adapt the letter templates.

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"repairdesk/store"
	"repairdesk/workflow"
)

func (a *app) lettersCmd() *cobra.Command {
	tpl := a.command("templates", "letters_templates")
	tpl.Args = a.exactArgs(1)
	tpl.RunE = a.run(func(args []string) int {
		if err := writeTemplates(args[0]); err != nil {
			return a.errf("letters", exitFail, err.Error())
		}
		fmt.Fprintln(a.stdout, a.t("cli.letters_written", args[0]))
		return exitOK
	})
	use := a.command("use", "letters_use")
	def := use.Flags().Bool("default", false, a.t("flag.default_templates"))
	use.RunE = func(_ *cobra.Command, args []string) error {
		switch {
		case *def && len(args) == 0, !*def && len(args) == 1:
		default:
			return a.usage("cli.letters_use_args")
		}
		a.code = a.useTemplates(args)
		return nil
	}
	return a.group("letters", "letters", tpl, use)
}

func (a *app) useTemplates(args []string) int {
	dir := ""
	if len(args) == 1 {
		abs, err := a.abs(args[0])
		if err != nil {
			return a.errf("letters", exitFail, err.Error())
		}
		// Check them before they are used for any letter.
		if _, err := workflow.ParseLetterTemplates(os.DirFS(abs)); err != nil {
			return a.errf("letters", exitFail, a.t("cli.letters_invalid", abs)+" "+messageIn(err, a.lang))
		}
		dir = abs
	}
	st, done, ok := a.useStore(a.dbPath(), store.Options{})
	if !ok {
		return exitFail
	}
	defer done()
	if err := st.UpdateSettings(a.admin(), func(s *store.Settings) error { s.LetterDir = dir; return nil }); err != nil {
		return a.errf("letters", exitFail, messageIn(err, a.lang))
	}
	if dir == "" {
		fmt.Fprintln(a.stdout, a.t("cli.letters_default"))
	} else {
		fmt.Fprintln(a.stdout, a.t("cli.letters_used", dir))
	}
	return exitOK
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
