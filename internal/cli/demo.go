package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"repairdesk/internal/office"
	"repairdesk/internal/progress"
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
		// What this command creates (the database and the files beside it) is removed
		// again after Ctrl+C; a database that was there stays, with the cases written.
		var created []string
		for _, p := range demoFiles(a.db, a.keyFile, a.anchorKey) {
			if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
				created = append(created, p)
			}
		}
		st, ok := a.openStore(a.db, store.Options{})
		if !ok {
			return exitFail
		}
		defer func() { a.noteUnanchored(st); st.Close() }()
		if st.Snapshot().Len() > 0 {
			return a.errf("demo", exitFail, a.t("cli.demo_not_empty", a.db, st.Snapshot().Len()))
		}
		ctx, stop := a.interruptible()
		defer stop()
		w := a.work("progress.demo", progress.Cases)
		defer batchGC()()
		start := time.Now()
		err := office.GenerateDemoWith(st, *n, *seed, store.Work{Context: ctx, Progress: func(_ string, done, total int64) { w.update(done, total) }})
		w.done()
		if err != nil && ctx.Err() != nil {
			written := st.Snapshot().Len()
			st.Close()
			if len(created) > 0 && created[0] == a.db {
				for _, p := range created {
					os.Remove(p)
				}
				return a.errf("demo", exitInterrupted, a.t("cli.interrupted"))
			}
			return a.errf("demo", exitInterrupted, a.t("cli.demo_interrupted", written))
		}
		if err != nil {
			return a.errf("demo", exitFail, messageIn(err, a.lang))
		}
		fmt.Fprintln(a.stdout, a.t("cli.demo_done", *n, time.Since(start).Round(time.Millisecond).String(), a.db))
		return exitOK
	})
	return c
}

// demoFiles are the files a store opened at db may create: the database first, then its
// key, anchor log, anchor key and its public half, lock and control socket.
func demoFiles(db, keyFile, anchorKey string) []string {
	if keyFile == "" {
		keyFile = db + ".key"
	}
	if anchorKey == "" {
		anchorKey = db + ".anchor-key"
	}
	return []string{db, keyFile, db + ".anchors", anchorKey, anchorKey + ".pub", db + ".lock", db + ".sock"}
}
