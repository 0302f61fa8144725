package cli

// Scheduled backups of the served database (serve --backup-every): hot copies through the
// process's own control socket (store.BackupFile), verified and carrying the anchor log,
// named by time, the oldest removed beyond --keep.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"repairdesk/store"
)

const backupPrefix = "repairdesk-"

// backupName is the scheduled backup's file name for t: sortable, one per second.
func backupName(t time.Time) string {
	return backupPrefix + t.UTC().Format("20060102-150405") + ".db"
}

// takeScheduledBackup writes one verified backup of db into dir and removes the oldest
// beyond keep. A copy with problems is kept (it is evidence) but reported as a failure.
func takeScheduledBackup(db, dir string, keep int, now time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	dest := filepath.Join(dir, backupName(now))
	res, err := store.BackupFile(db, dest)
	if err != nil {
		return dest, err
	}
	if res.KeyProblem != nil {
		return dest, res.KeyProblem
	}
	if len(res.Problems) > 0 {
		return dest, fmt.Errorf("%d problems, first: %s", len(res.Problems), res.Problems[0])
	}
	return dest, rotateBackups(dir, keep)
}

// rotateBackups removes the oldest scheduled backups in dir beyond keep, with the files
// beside each (its anchor log and public key).
func rotateBackups(dir string, keep int) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var dbs []string
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, ".db") && e.Type().IsRegular() {
			dbs = append(dbs, n)
		}
	}
	slices.Sort(dbs) // names sort by time
	var errs []error
	for len(dbs) > keep {
		old := dbs[0]
		dbs = dbs[1:]
		for _, e := range ents {
			if n := e.Name(); n == old || (strings.HasPrefix(n, old+".") && !strings.HasSuffix(n, ".tmp")) {
				if err := os.Remove(filepath.Join(dir, n)); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// scheduleBackups takes a backup every `every` until ctx ends; report hears each result
// (err nil: a good backup at path).
func scheduleBackups(ctx context.Context, db, dir string, every time.Duration, keep int, report func(path string, err error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			path, err := takeScheduledBackup(db, dir, keep, now)
			report(path, err)
		}
	}
}
