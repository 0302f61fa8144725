package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"repairdesk/store"
	"repairdesk/store/kv"
)

// migrateCmd: repairdesk migrate --from office.db --to postgres://… (and the other way).
func (a *app) migrateCmd() *cobra.Command {
	c := a.command("migrate", "migrate")
	c.Args = a.noArgs
	from := c.Flags().String("from", "", a.t("flag.migrate_from"))
	to := c.Flags().String("to", "", a.t("flag.migrate_to"))
	c.RunE = a.run(func(args []string) int {
		if *from == "" || *to == "" {
			return a.errf("migrate", exitUsage, a.t("migrate.need"))
		}
		// The key that sealed the personal fields reads them on both sides: --key-file
		// or REPAIRDESK_KEY, else the one beside the bbolt file.
		key := a.keyFile
		if key == "" {
			key = os.Getenv(store.KeyEnv)
		}
		if key == "" {
			for _, side := range []string{*from, *to} {
				if !kv.IsPostgres(side) {
					key = side + ".key"
					break
				}
			}
		}
		ctx, stop := a.interruptible()
		defer stop()
		rep, err := store.MigrateWith(*from, *to, key, store.Work{Context: ctx})
		if rep.Resumed > 0 {
			fmt.Fprintln(a.stdout, a.t("migrate.resumed", rep.Resumed))
		}
		if err != nil && ctx.Err() != nil {
			if kv.IsPostgres(*to) {
				return a.errf("migrate", exitInterrupted, a.t("migrate.interrupted", kv.Redact(*to)))
			}
			return a.errf("migrate", exitInterrupted, a.t("migrate.interrupted_file", *to))
		}
		if err != nil {
			return a.errf("migrate", exitFail, messageIn(err, a.lang))
		}
		if rep.Already {
			fmt.Fprintln(a.stdout, a.t("migrate.already", kv.Redact(*to), rep.Cases))
			return exitOK
		}
		fmt.Fprintln(a.stdout, a.t("migrate.done", rep.Buckets, rep.Keys, rep.Cases, rep.Took.Round(1e6)))
		if secs := rep.CopyTook.Seconds(); secs > 0 {
			n := rep.Keys - rep.Resumed
			fmt.Fprintln(a.stdout, a.t("migrate.rate", n, float64(rep.Bytes)/1e6, rep.CopyTook.Round(1e6), int(float64(n)/secs), float64(rep.Bytes)/1e6/secs))
		}
		if rep.Recoded > 0 {
			fmt.Fprintln(a.stdout, a.t("migrate.recoded", rep.Recoded, *from))
		}
		return exitOK
	})
	return c
}
