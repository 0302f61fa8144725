package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/charmbracelet/log"

	"repairdesk/server"
	"repairdesk/store"
	"repairdesk/tui"
)

func cmdServe(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("repairdesk serve", stderr, "repairdesk serve [--listen 127.0.0.1:23234] [--db PATH] [--host-key PATH] [--idle-lock 15m] [--max-sessions 200] [--max-sessions-per-staff 8]")
	listen := fs.String("listen", "127.0.0.1:23234", "address to listen on; 0.0.0.0:23234 serves the whole office network")
	db := fs.String("db", DefaultDBPath(), "database file")
	hostKey := fs.String("host-key", "", "SSH host key, created on the first start and kept (default host_ed25519 in the data directory)")
	idle := fs.Duration("idle-lock", 15*time.Minute, "lock a console after this long without a key (0 = never)")
	maxSessions := fs.Int("max-sessions", server.DefaultMaxSessions, "consoles open at once, in total")
	maxPerStaff := fs.Int("max-sessions-per-staff", server.DefaultMaxSessionsPerStaff, "consoles open at once per staff member")
	keyFile := fs.String("key-file", "", "key for personal fields (default $REPAIRDESK_KEY, else DB.key beside the database)")
	pos, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) > 0 {
		fs.Usage()
		return 2
	}
	if *maxSessions < 1 || *maxPerStaff < 1 {
		msg := "--max-sessions 和 --max-sessions-per-staff 须为正整数"
		if tui.LangFromEnv("") == "en" {
			msg = "--max-sessions and --max-sessions-per-staff must be positive whole numbers"
		}
		fmt.Fprintln(stderr, "repairdesk serve:", msg)
		return 2
	}
	if *hostKey == "" {
		*hostKey = filepath.Join(dataDir(), "host_ed25519")
	}
	lang := tui.LangFromEnv("")
	st, ok := openStore(*db, store.Options{Mode: "serve", Listen: *listen, KeyFile: *keyFile}, stderr, lang)
	if !ok {
		return 1
	}
	defer st.Close()

	logger := log.NewWithOptions(stderr, log.Options{ReportTimestamp: true, TimeFormat: time.DateTime, Prefix: "repairdesk"})
	withKeys := 0
	for _, s := range st.ListStaff() {
		if s.Active && len(s.Keys) > 0 {
			withKeys++
		}
	}
	if withKeys == 0 {
		// staff commands need the database, which the server holds: say so before starting.
		logger.Warn("no active staff member has an SSH key, so nobody can log in; stop the server and run: repairdesk staff key add NAME FILE --db " + *db)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// repairdesk backup and check reach the served database through this socket.
	if stopCtl, err := st.ServeControl(ctx); err != nil {
		logger.Warn("hot backup and check unavailable", "err", err)
	} else {
		defer stopCtl()
	}
	err = server.Serve(ctx, server.Options{Store: st, Listen: *listen, HostKeyPath: *hostKey, IdleLock: *idle, Logger: logger,
		MaxSessions: *maxSessions, MaxSessionsPerStaff: *maxPerStaff})
	if err != nil {
		fmt.Fprintln(stderr, "repairdesk serve:", err)
		return 1
	}
	return 0
}
