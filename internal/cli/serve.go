package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/log"
	"github.com/spf13/cobra"

	"repairdesk/server"
	"repairdesk/store"
	"repairdesk/store/kv"
)

// serveCmd: repairdesk serve shares the database with the whole office over SSH.
func (a *app) serveCmd() *cobra.Command {
	c := a.command("serve", "serve")
	c.Args = a.noArgs
	f := c.Flags()
	listen := f.String("listen", "127.0.0.1:23234", a.t("flag.listen"))
	hostKey := f.String("host-key", "", a.t("flag.host_key"))
	idle := f.Duration("idle-lock", 15*time.Minute, a.t("flag.idle_lock"))
	grace := f.Duration("grace", server.DefaultGrace, a.t("flag.grace"))
	anchorCopy := f.String("anchor-copy", "", a.t("flag.anchor_copy"))
	anchorLog := f.String("anchor-log", "", a.t("flag.serve_anchor_log"))
	noNotify := f.Bool("no-notify", false, a.t("flag.no_notify"))
	beside := f.Bool("anchor-beside-commit", false, a.t("flag.anchor_beside_commit"))
	maxSessions := f.Int("max-sessions", server.DefaultMaxSessions, a.t("flag.max_sessions"))
	publicHost := f.String("public-host", "", a.t("flag.public_host"))
	maxUpload := f.String("max-upload", "20MB", a.t("flag.max_upload"))
	exports := f.String("exports", "", a.t("flag.exports"))
	backupEvery := f.Duration("backup-every", 0, a.t("flag.backup_every"))
	backupDir := f.String("backup-dir", "", a.t("flag.backup_dir"))
	keep := f.Int("keep", 48, a.t("flag.keep"))
	controlGroup := f.String("control-group", "", a.t("flag.control_group"))
	maxPerStaff := f.Int("max-sessions-per-staff", server.DefaultMaxSessionsPerStaff, a.t("flag.max_sessions_per_staff"))
	c.RunE = a.run(func([]string) int {
		if *maxSessions < 1 || *maxPerStaff < 1 {
			return a.errf("serve", exitUsage, a.t("cli.serve_bad_limits"))
		}
		if *backupEvery != 0 && (*backupEvery < time.Minute || *backupDir == "" || *keep < 1) {
			return a.errf("serve", exitUsage, a.t("cli.serve_bad_backup"))
		}
		upload, ok := parseSize(*maxUpload)
		if !ok || upload < 1<<10 || upload > store.HardMaxFile {
			return a.errf("serve", exitUsage, a.t("cli.serve_bad_upload", *maxUpload))
		}
		if *exports == "" {
			*exports = filepath.Join(dataDir(), "office-exports")
		}
		if *hostKey == "" {
			*hostKey = filepath.Join(dataDir(), "host_ed25519")
		}
		db := a.dbPath()
		if kv.IsPostgres(db) && *backupEvery > 0 {
			return a.errf("serve", exitUsage, messageIn(&store.FileOnlyError{What: "backup"}, a.lang))
		}
		gid := -1
		if *controlGroup != "" {
			g, err := store.LookupGroup(*controlGroup)
			if err != nil {
				return a.errf("serve", exitUsage, messageIn(err, a.lang))
			}
			gid = g
		}
		defer serveGC(os.Getenv)()
		st, ok := a.openStore(db, store.Options{Mode: "serve", Listen: *listen, AnchorCopy: *anchorCopy, AnchorLog: *anchorLog, ControlGroup: *controlGroup, NoNotify: *noNotify, AnchorBesideCommit: *beside,
			Memory: store.MemoryHints{Hold: holdGC, Settled: serveSettled}})
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
		if buffers, base, ok := st.ServerCache(); ok {
			if a.cacheFit != nil {
				buffers, base = a.cacheFit(buffers, base)
			}
			if buffers < base {
				// Commits then read the base's pages back in: at 100,000 cases p99 was 2–3
				// times that with the base in the cache (BENCHMARKS.md, issue 18, h18i).
				logger.Warn(a.t("cli.serve_pg_cache_small", buffers>>20, base>>20))
			}
		}

		// Ctrl+C or SIGTERM ends the server (tests: a.ctx).
		ctx, stop := a.interruptible()
		defer stop()
		// repairdesk backup and check reach the served database through this socket.
		if stopCtl, err := st.ServeControl(ctx); err != nil {
			logger.Warn(a.t("cli.no_control"), "err", err)
		} else {
			defer stopCtl()
			if gid >= 0 {
				if ds := unreachableBy(filepath.Dir(db), gid); len(ds) > 0 {
					// The socket is the group's, but its members cannot get to it.
					logger.Warn(a.t("cli.serve_group_path", *controlGroup, strings.Join(ds, " ")))
				}
			}
			// …and so do letter, export, report, import, staff, sla, calendar and letters.
			defer st.HandleCommands(CommandHandler(a.version, st))()
		}
		if *backupEvery > 0 {
			go scheduleBackups(ctx, db, *backupDir, *backupEvery, *keep, func(h store.BackupHealth) {
				switch {
				case h.Failed:
					logger.Error(a.t("cli.backup_sched_failed"), "file", h.File, "err", h.Err, "missed", h.Missed)
				case h.Missed > 0:
					logger.Warn(a.t("cli.backup_sched_missed", h.Missed), "file", h.File, "late", h.Late.Round(time.Second))
				case h.Slow > 0:
					logger.Warn(a.t("cli.backup_sched_slow", h.Slow.Round(time.Second), *backupEvery), "file", h.File)
				default:
					logger.Info(a.t("cli.backup_scheduled"), "file", h.File)
				}
				// Every console of this process reads it: admins see a problem in their
				// header until a later backup, on time, succeeds.
				st.SetBackupHealth(h)
			})
		}
		err := server.Serve(ctx, server.Options{Store: st, Listen: *listen, HostKeyPath: *hostKey, IdleLock: *idle, Grace: *grace, Logger: logger,
			MaxSessions: *maxSessions, MaxSessionsPerStaff: *maxPerStaff, ExportRoot: *exports, PublicHost: *publicHost, MaxUpload: upload,
			// Files being sent over SFTP wait, sealed, beside the database: on disk, in a
			// private folder (the system's temporary folder may be memory).
			SpoolDir: filepath.Dir(db)})
		if err != nil {
			return a.errf("serve", exitFail, messageIn(err, a.lang))
		}
		return exitOK
	})
	return c
}

// parseSize reads 20MB, 512KB, 1GB or a number of bytes (powers of 1024; case ignored).
func parseSize(s string) (int64, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(rest), u.m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, false
	}
	return n * mult, true
}
