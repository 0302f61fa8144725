package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"repairdesk/internal/office"
	"repairdesk/store"
)

// demoCmd: repairdesk demo --cases N --db PATH generates a demo database.
func (a *app) demoCmd() *cobra.Command {
	c := a.command("demo", "demo")
	c.Args = a.noArgs
	n := c.Flags().Int("cases", 1000, a.t("flag.cases"))
	seed := c.Flags().Uint64("seed", 1, a.t("flag.seed"))
	c.RunE = a.run(func([]string) int {
		if a.db == "" { // never the real default
			return a.errf("demo", exitUsage, a.t("cli.demo_db_required"))
		}
		if *n < 1 || *n > 5_000_000 {
			return a.errf("demo", exitUsage, a.t("cli.demo_cases_range"))
		}
		st, ok := a.openStore(a.db, store.Options{})
		if !ok {
			return exitFail
		}
		defer st.Close()
		if st.Snapshot().Len() > 0 {
			return a.errf("demo", exitFail, a.t("cli.demo_not_empty", a.db, st.Snapshot().Len()))
		}
		start := time.Now()
		if err := office.GenerateDemo(st, *n, *seed); err != nil {
			return a.errf("demo", exitFail, messageIn(err, a.lang))
		}
		fmt.Fprintln(a.stdout, a.t("cli.demo_done", *n, time.Since(start).Round(time.Millisecond).String(), a.db))
		return exitOK
	})
	return c
}
