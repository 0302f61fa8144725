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
	"repairdesk/workflow"
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

// backupRun is the scheduler's memory between runs: when the last one started, and
// whether it left a problem that only an on-time success clears.
type backupRun struct {
	db, dir string
	every   time.Duration
	keep    int
	clock   func() time.Time // wall clock (tests set it)

	last time.Time // when the previous run started (zero: none yet)
	good time.Time // when the last good backup was taken
}

// missedSince counts the slots of period every that passed without a run between a run
// started at last and one starting at now (wall clock: a machine that slept does not
// count its sleep on Go's monotonic clock, but the wall clock moved on). A run up to a
// quarter period late is on time.
func missedSince(last, now time.Time, every time.Duration) int {
	if last.IsZero() || every <= 0 {
		return 0
	}
	gap := now.Round(0).Sub(last.Round(0))
	n := int((gap+every/4)/every) - 1
	return max(n, 0)
}

// once takes the backup of one slot and says how it went: failed, late (slots missed
// before it), slow (it took longer than the period), or fine. A failure or a miss stays
// in the answer until a later run, on time, succeeds.
func (b *backupRun) once() store.BackupHealth {
	start := b.clock()
	missed := missedSince(b.last, start, b.every)
	var late time.Duration
	if missed > 0 {
		late = start.Round(0).Sub(b.last.Round(0)) - b.every
	}
	b.last = start
	path, err := takeScheduledBackup(b.db, b.dir, b.keep, start)
	end := b.clock()
	h := store.BackupHealth{At: end, Every: b.every, Missed: missed, Late: late}
	if took := end.Round(0).Sub(start.Round(0)); took > b.every {
		h.Slow = took
	}
	if err != nil {
		h.Failed, h.Err = true, workflow.CleanLine(err.Error())
		if _, serr := os.Stat(path); serr == nil {
			h.File = path // the copy with problems, kept as evidence
		}
	} else {
		h.File = path
		b.good = end
	}
	h.LastGood = b.good
	return h
}

// lastScheduled is when the newest scheduled backup in dir was taken, when that is before
// now (a server that was off for hours then counts the runs it missed at its first run);
// else now.
func lastScheduled(dir string, now time.Time) time.Time {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return now
	}
	var newest time.Time
	for _, e := range ents {
		n, ok := strings.CutPrefix(e.Name(), backupPrefix)
		if !ok {
			continue
		}
		n, ok = strings.CutSuffix(n, ".db")
		if t, err := time.ParseInLocation("20060102-150405", n, time.UTC); ok && err == nil && t.After(newest) {
			newest = t
		}
	}
	if newest.IsZero() || !newest.Before(now) {
		return now
	}
	return newest
}

// scheduleBackups takes a backup every `every` until ctx ends; report hears each result
// (its Problem(): failed, missed or slow; else a good backup at File).
func scheduleBackups(ctx context.Context, db, dir string, every time.Duration, keep int, report func(store.BackupHealth)) {
	b := &backupRun{db: db, dir: dir, every: every, keep: keep, clock: time.Now, last: lastScheduled(dir, time.Now())}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			report(b.once())
		}
	}
}
