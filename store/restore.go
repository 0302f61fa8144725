package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"repairdesk/internal/msg"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RestoreReport describes a restore.
type RestoreReport struct {
	Cases    int
	Previous string // where the replaced database was kept (its anchor log beside it); "" if there was none
	Anchors  bool   // the backup's anchor log was checked and put in place
}

// RestoreError: the backup file failed verification; nothing was changed.
type RestoreError struct {
	File     string
	Problems []Problem
}

func (e *RestoreError) Error() string {
	return fmt.Sprintf("%s fails its check with %d problem(s); the database was not changed", e.File, len(e.Problems))
}

// RestoreKeyError: the backup's personal data is sealed with a key that is not at the
// database's key path; restored, the database would open read-only. Nothing was changed.
type RestoreKeyError struct {
	File string
	Key  error // *KeyError
}

func (e *RestoreKeyError) Error() string { return e.Message("en") }

func (e *RestoreKeyError) Unwrap() error { return e.Key }

// Message says what to do, in lang.
func (e *RestoreKeyError) Message(lang string) string {
	var ke *KeyError
	keyFile := ""
	if errors.As(e.Key, &ke) {
		keyFile = ke.KeyFile
	}
	return msg.T(lang, "store.restore_key", e.File, keyFile, KeyEnv)
}

// RestoreLockTimeout is how long Restore waits for the target's lock.
var RestoreLockTimeout = 500 * time.Millisecond

// Restore replaces the database at dbPath with the backup file. It refuses (a
// *LockedError) while any process has the database open. The backup is copied beside
// the database, and the copy is verified — it opens read-only with this schema and
// Check() finds nothing — before anything is replaced; the replaced database is kept as
// "<db>.before-restore-<timestamp>", and the copy takes its name by an atomic rename.
func Restore(dbPath, backup string) (RestoreReport, error) {
	return RestoreWith(dbPath, backup, Work{})
}

// RestoreWith is Restore reporting its progress ("restore": bytes copied; then "check":
// cases verified) and stopping when w's context ends before anything is replaced.
func RestoreWith(dbPath, backup string, w Work) (RestoreReport, error) {
	var rep RestoreReport
	bfi, err := os.Stat(backup)
	if err != nil {
		return rep, err
	}
	if !bfi.Mode().IsRegular() {
		return rep, fmt.Errorf("%s is not a regular file", backup)
	}
	// Hold the target's lock throughout, so nobody opens it while it is replaced.
	var held *bolt.DB
	if fi, err := os.Stat(dbPath); err == nil {
		if os.SameFile(fi, bfi) {
			return rep, fmt.Errorf("%s is the database itself", backup)
		}
		if fi.Size() > 0 {
			// A shared lock: it cannot be had while a console or server has the file open
			// (they hold it exclusively), and it changes nothing in the file it keeps.
			var db *bolt.DB
			err := shieldDB(nil, dbPath, "", 0, func() error {
				var err error
				db, err = bolt.Open(dbPath, 0o600, &bolt.Options{Timeout: RestoreLockTimeout, ReadOnly: true})
				return err
			})
			switch {
			case errors.Is(err, bolt.ErrTimeout):
				return rep, lockedBy(dbPath)
			case err == nil:
				held = db
			default:
				// A damaged database cannot be opened by anyone: replacing it is the point.
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return rep, err
	} else if err := os.MkdirAll(filepath.Dir(dbPath), 0o700); err != nil {
		return rep, err
	}
	defer func() {
		if held != nil {
			held.Close()
		}
	}()

	tmpName, err := copyBeside(backup, dbPath, w, bfi.Size())
	if err != nil {
		return rep, err
	}
	placed := false
	defer func() {
		if !placed {
			os.Remove(tmpName)
		}
	}()
	vopts := restoreVerifyOptions(dbPath)
	bAnchors := AnchorLogPath(backup, Options{})
	_, aerr := os.Stat(bAnchors)
	withAnchors := aerr == nil
	if withAnchors {
		// Checked with this database's anchor key when it has one, else the backup's.
		vopts.AnchorLog = bAnchors
		vopts.AnchorKey = AnchorKeyPath(dbPath, Options{})
		if pub, _ := anchorPubOf(vopts.AnchorKey); pub == nil {
			vopts.AnchorKey = AnchorKeyPath(backup, Options{})
		}
	} else {
		vopts.NoAnchors = true
	}
	vopts.Context, vopts.Progress = w.Context, w.Progress
	v, err := verifyFile(tmpName, vopts, nil)
	if werr := w.err(); werr != nil { // stopped: the copy is removed, nothing replaced
		return rep, werr
	}
	var dmg *DamageError
	if errors.As(err, &dmg) { // the copy is the backup's bytes: name the backup
		dmg.Path = backup
		return rep, dmg
	}
	if err != nil {
		return rep, fmt.Errorf("%s cannot be restored: %w", backup, err)
	}
	if v.KeyProblem != nil {
		return rep, &RestoreKeyError{File: backup, Key: v.KeyProblem}
	}
	if len(v.Problems) > 0 {
		return rep, &RestoreError{File: backup, Problems: v.Problems}
	}
	rep.Cases = v.Cases
	var anchorsTmp string
	if withAnchors {
		if anchorsTmp, err = copyBeside(bAnchors, dbPath, Work{}, 0); err != nil {
			return rep, err
		}
		defer func() {
			if !placed {
				os.Remove(anchorsTmp)
			}
		}()
	}
	rep.Anchors = withAnchors

	if _, err := os.Lstat(dbPath); err == nil {
		prev := fmt.Sprintf("%s.before-restore-%s", dbPath, time.Now().Format("20060102-150405"))
		for i := 2; ; i++ {
			if _, err := os.Lstat(prev); errors.Is(err, os.ErrNotExist) {
				break
			}
			prev = fmt.Sprintf("%s.before-restore-%s-%d", dbPath, time.Now().Format("20060102-150405"), i)
		}
		if err := os.Rename(dbPath, prev); err != nil {
			return rep, fmt.Errorf("keep the current database: %w", err)
		}
		// Its anchor log goes with it: the restored database has the backup's (or, without
		// one, starts a new log, which check reports as a restart).
		if err := os.Rename(AnchorLogPath(dbPath, Options{}), AnchorLogPath(prev, Options{})); err != nil && !errors.Is(err, os.ErrNotExist) {
			os.Rename(prev, dbPath)
			return rep, fmt.Errorf("keep the current anchor log: %w", err)
		}
		if err := os.Rename(tmpName, dbPath); err != nil {
			if rerr := os.Rename(prev, dbPath); rerr != nil {
				return rep, fmt.Errorf("restore failed (%v) and the previous database is at %s (%v)", err, prev, rerr)
			}
			return rep, fmt.Errorf("restore failed, the database was put back: %w", err)
		}
		rep.Previous = prev
	} else if err := os.Rename(tmpName, dbPath); err != nil {
		return rep, err
	}
	if anchorsTmp != "" {
		if err := os.Rename(anchorsTmp, AnchorLogPath(dbPath, Options{})); err != nil {
			placed = true
			return rep, fmt.Errorf("the database was restored, but its anchor log could not be put in place (%v); copy %s to %s", err, bAnchors, AnchorLogPath(dbPath, Options{}))
		}
	}
	placed = true
	syncDir(filepath.Dir(dbPath))
	return rep, nil
}

// copyBeside copies src to a new temporary file in dst's directory (so the final rename
// stays on one file system) and syncs it.
func copyBeside(src, dst string, w Work, size int64) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".restore-*.tmp")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(&workWriter{w: out, work: w, what: "restore", total: size}, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out.Name())
		return "", err
	}
	return out.Name(), nil
}

// restoreVerifyOptions: the backup is verified as it will be opened in dbPath's place,
// with dbPath's key.
func restoreVerifyOptions(dbPath string) Options {
	return Options{KeyFile: keyFilePath(dbPath, Options{})}
}
