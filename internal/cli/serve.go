package cli

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/charmbracelet/log"
	"github.com/spf13/cobra"

	"repairdesk/server"
	"repairdesk/store"
)

// serveCmd: repairdesk serve shares the database with the whole office over SSH.
func (a *app) serveCmd() *cobra.Command {
	c := a.command("serve", "serve")
	c.Args = a.noArgs
	f := c.Flags()
	listen := f.String("listen", "127.0.0.1:23234", a.t("flag.listen"))
	hostKey := f.String("host-key", "", a.t("flag.host_key"))
	idle := f.Duration("idle-lock", 15*time.Minute, a.t("flag.idle_lock"))
	anchorCopy := f.String("anchor-copy", "", a.t("flag.anchor_copy"))
	maxSessions := f.Int("max-sessions", server.DefaultMaxSessions, a.t("flag.max_sessions"))
	maxPerStaff := f.Int("max-sessions-per-staff", server.DefaultMaxSessionsPerStaff, a.t("flag.max_sessions_per_staff"))
	c.RunE = a.run(func([]string) int {
		if *maxSessions < 1 || *maxPerStaff < 1 {
			return a.errf("serve", exitUsage, a.t("cli.serve_bad_limits"))
		}
		if *hostKey == "" {
			*hostKey = filepath.Join(dataDir(), "host_ed25519")
		}
		db := a.dbPath()
		st, ok := a.openStore(db, store.Options{Mode: "serve", Listen: *listen, AnchorCopy: *anchorCopy})
		if !ok {
			return exitFail
		}
		defer st.Close()

		logger := log.NewWithOptions(a.stderr, log.Options{ReportTimestamp: true, TimeFormat: time.DateTime, Prefix: "repairdesk"})
		withKeys := 0
		for _, s := range st.ListStaff() {
			if s.Active && len(s.Keys) > 0 {
				withKeys++
			}
		}
		if withKeys == 0 {
			// staff commands need the database, which the server holds: say so before starting.
			logger.Warn(a.t("cli.serve_no_keys", db))
		}

		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		// repairdesk backup and check reach the served database through this socket.
		if stopCtl, err := st.ServeControl(ctx); err != nil {
			logger.Warn(a.t("cli.no_control"), "err", err)
		} else {
			defer stopCtl()
			// …and so do letter, export, report, import, staff, sla, calendar and letters.
			defer st.HandleCommands(CommandHandler(a.version, st))()
		}
		err := server.Serve(ctx, server.Options{Store: st, Listen: *listen, HostKeyPath: *hostKey, IdleLock: *idle, Logger: logger,
			MaxSessions: *maxSessions, MaxSessionsPerStaff: *maxPerStaff})
		if err != nil {
			return a.errf("serve", exitFail, messageIn(err, a.lang))
		}
		return exitOK
	})
	return c
}
