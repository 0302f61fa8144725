package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/tui"
	"repairdesk/workflow"
)

// Scheduled backups of a served database: hot (through its control socket), verified,
// with the anchor log beside each, the oldest removed beyond keep with their files; a
// failure is an error for the log.
func TestScheduledBackupsHotVerifiedRotated(t *testing.T) {
	dbDir := officeDB(t, workflow.RoleAdmin, true)
	db := filepath.Join(dbDir, "r.db")
	holdDB(t, db)
	dir := filepath.Join(t.TempDir(), "backups")
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var made []string
	for i := range 3 {
		path, err := takeScheduledBackup(db, dir, 2, t0.Add(time.Duration(i)*time.Hour))
		if err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		made = append(made, path)
	}
	var dbs []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".db") {
			dbs = append(dbs, e.Name())
		}
		if strings.HasPrefix(e.Name(), filepath.Base(made[0])) {
			t.Errorf("the oldest backup's %s was left", e.Name())
		}
	}
	want := []string{filepath.Base(made[1]), filepath.Base(made[2])}
	if !slices.Equal(dbs, want) {
		t.Fatalf("kept %v, want %v", dbs, want)
	}
	for _, p := range made[1:] {
		v, err := store.VerifyFile(p, filepath.Join(dbDir, "r.db.key"))
		if err != nil || len(v.Problems) > 0 || v.Cases == 0 {
			t.Fatalf("%s does not verify: %v %+v", p, err, v)
		}
		if _, err := os.Stat(store.AnchorLogPath(p, store.Options{})); err != nil {
			t.Errorf("%s has no anchor log beside it: %v", p, err)
		}
	}
	// A backup that cannot be taken is an error (the server logs it).
	if _, err := takeScheduledBackup(filepath.Join(dbDir, "missing.db"), dir, 2, t0.Add(5*time.Hour)); err == nil {
		t.Fatal("a failed backup reported no error")
	}
}

func TestServeBackupFlagsChecked(t *testing.T) {
	var out, errb strings.Builder
	if code := Run("test", []string{"serve", "--backup-every", "1h"}, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "--backup-dir") {
		t.Fatalf("serve --backup-every without --backup-dir: %d %s", code, errb.String())
	}
}

// A scheduled backup that fails, or runs that were missed, show in the header of every
// admin's console (and on its status line when it happens) until a later backup, on
// time, succeeds; a specialist's console shows nothing of it.
func TestScheduledBackupProblemsShownToAdmins(t *testing.T) {
	dbDir := officeDB(t, workflow.RoleAdmin, true)
	db := filepath.Join(dbDir, "r.db")
	st := holdDB(t, db)
	admin := workflow.Staff{Name: "lin", Display: "林静", Role: workflow.RoleAdmin, Active: true}
	spec := workflow.Staff{Name: "wu", Display: "吴明", Role: workflow.RoleSpecialist, Active: true}
	for _, s := range []workflow.Staff{admin, spec} {
		if err := st.PutStaff(workflow.Staff{}, s); err != nil {
			t.Fatal(err)
		}
	}
	console := func(me workflow.Staff) *tui.Model {
		m := tui.New(tui.Options{Store: st, Me: me, Lang: "en"})
		t.Cleanup(m.Close)
		m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		return m
	}
	adm, sp := console(admin), console(spec)
	// The next change the console hears, as its program would deliver it.
	deliver := func(m *tui.Model) {
		t.Helper()
		batch, ok := m.Init()().(tea.BatchMsg)
		if !ok {
			t.Fatal("Init is not a batch")
		}
		got := make(chan tea.Msg, 1)
		go func() { got <- batch[0]() }()
		select {
		case msg := <-got:
			m.Update(msg)
		case <-time.After(5 * time.Second):
			t.Fatal("the console heard no change")
		}
	}

	// A backup folder that cannot be made (a file stands where it should be): unwritable
	// even for root.
	blocker := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	every := time.Hour
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var clock []time.Time // what the clock says next; after the list, now
	b := &backupRun{db: db, dir: filepath.Join(blocker, "backups"), every: every, keep: 3, last: now.Add(-every),
		clock: func() time.Time {
			if len(clock) > 0 {
				c := clock[0]
				clock = clock[1:]
				return c
			}
			return now
		}}
	run := func() store.BackupHealth {
		h := b.once()
		st.SetBackupHealth(h) // as serve does
		return h
	}

	if h := run(); !h.Failed || h.Err == "" {
		t.Fatalf("a backup into an impossible folder: %+v", h)
	}
	deliver(adm)
	deliver(sp)
	if v := adm.View(); !strings.Contains(v, "BACKUP FAILED") || !strings.Contains(v, "Scheduled backup failed (") {
		t.Fatalf("the admin's console does not show the failed backup:\n%s", v)
	}
	if v := sp.View(); strings.Contains(v, "BACKUP") || strings.Contains(v, "backup") {
		t.Fatalf("a specialist's console shows the backup problem:\n%s", v)
	}
	// It stays: another key, another screen, the marker is still in the header.
	adm.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'j'}})
	if v := adm.View(); !strings.Contains(v, "BACKUP FAILED") {
		t.Fatalf("the marker went away before a backup succeeded:\n%s", v)
	}

	// The folder can be made now; the next run, on time, succeeds and clears it.
	b.dir = filepath.Join(t.TempDir(), "backups")
	now = now.Add(every)
	if h := run(); h.Problem() {
		t.Fatalf("a good backup on time: %+v", h)
	}
	deliver(adm)
	if v := adm.View(); strings.Contains(v, "BACKUP") {
		t.Fatalf("a good backup did not clear the marker:\n%s", v)
	}

	// The machine slept for three periods: two runs never started. Said so, though the
	// catch-up run succeeded; cleared by the next run on time.
	now = now.Add(3 * every)
	if h := run(); h.Failed || h.Missed != 2 {
		t.Fatalf("after three periods asleep: %+v", h)
	}
	deliver(adm)
	if v := adm.View(); !strings.Contains(v, "BACKUP MISSED") || !strings.Contains(v, "missed 2 runs") {
		t.Fatalf("the admin's console does not say backups were missed:\n%s", v)
	}
	if v := sp.View(); strings.Contains(v, "BACKUP") {
		t.Fatalf("a specialist's console shows the missed backups:\n%s", v)
	}
	now = now.Add(every)
	if h := run(); h.Problem() {
		t.Fatalf("on time again: %+v", h)
	}
	if v := adm.View(); strings.Contains(v, "BACKUP") {
		t.Fatalf("an on-time backup did not clear the missed marker:\n%s", v)
	}

	// A run that takes longer than the period: the next slot is skipped, and said so.
	now = now.Add(every)
	clock = []time.Time{now, now.Add(every + 20*time.Minute)}
	if h := run(); h.Slow != every+20*time.Minute {
		t.Fatalf("a run of 80 minutes every hour: %+v", h)
	}
	if v := adm.View(); !strings.Contains(v, "BACKUP MISSED") {
		t.Fatalf("the admin's console does not say the backup overran:\n%s", v)
	}
}

func TestMissedSince(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	h := time.Hour
	for _, c := range []struct {
		gap  time.Duration
		want int
	}{{0, 0}, {h, 0}, {h + 14*time.Minute, 0}, {h + 50*time.Minute, 1}, {2 * h, 1}, {5 * h, 4}} {
		if got := missedSince(t0, t0.Add(c.gap), h); got != c.want {
			t.Errorf("a gap of %v: %d missed, want %d", c.gap, got, c.want)
		}
	}
	if missedSince(time.Time{}, t0, h) != 0 {
		t.Error("the first run missed something")
	}
}

// A server started again after hours off counts the runs it missed meanwhile from the
// newest backup in the folder.
func TestLastScheduledFromTheFolder(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 2, 15, 0, 30, 0, time.UTC)
	if got := lastScheduled(dir, now); !got.Equal(now) {
		t.Fatalf("an empty folder: %v", got)
	}
	for _, n := range []string{backupName(now.Add(-9 * time.Hour)), backupName(now.Add(-5 * time.Hour)), "notes.txt", "repairdesk-junk.db"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	last := lastScheduled(dir, now)
	if !last.Equal(now.Add(-5 * time.Hour).Truncate(time.Second)) {
		t.Fatalf("the newest backup: %v", last)
	}
	// The first run, an hour after the start: five runs were missed (hours 11 to 15).
	if got := missedSince(last, now.Add(time.Hour), time.Hour); got != 5 {
		t.Fatalf("missed after 5 hours off: %d", got)
	}
}
