package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"repairdesk/store"
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
