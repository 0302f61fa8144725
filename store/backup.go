package store

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"repairdesk/store/kv"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Verification is what VerifyFile found.
type Verification struct {
	Cases    int
	Problems []Problem
	// KeyFile is the key file the personal data was checked against; KeyProblem is the
	// *KeyError if that key is missing or is not the one the file was sealed with.
	KeyFile    string
	KeyProblem error
}

// VerifyFile opens a database file read-only (which checks its schema) and runs Check()
// on it. A file that does not open — not a repairdesk database, damaged, a newer schema —
// is an error; an open file's findings are in Problems. keyFile ("" = the default beside
// path) is the key its personal data should be sealed with.
//
// The anchor log beside the file ("<path>.anchors", as BackupFile writes it) is checked
// too, with the public key beside it; a loose copy without one is checked without anchors.
func VerifyFile(path, keyFile string) (v Verification, err error) {
	opts := Options{KeyFile: keyFile}
	if _, err := os.Stat(AnchorLogPath(path, opts)); err != nil {
		opts.NoAnchors = true
	}
	return verifyFile(path, opts)
}

func verifyFile(path string, opts Options) (v Verification, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return v, err
	}
	if !fi.Mode().IsRegular() {
		return v, fmt.Errorf("%s is not a regular file", path)
	}
	// A damaged file can make bbolt touch memory beyond the end of its mapping; turn
	// that fault into an error instead of a crash.
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	var st *Store
	defer func() {
		if r := recover(); r != nil {
			if st != nil {
				func() {
					defer func() { _ = recover() }()
					st.Close()
				}()
			}
			d := damageOf(nil, path, r, "", 0, debug.Stack())
			if d == nil {
				d = damaged(path, -1, "", "%v", "%v", r)
			}
			v, err = Verification{}, d
		}
	}()
	opts.ReadOnly = true
	opts.IndexOnDemand = true // a check never searches
	opts.NoSummaries = true   // nor shows a queue: it reads every case itself
	if opts.Timeout == 0 {
		opts.Timeout = time.Second
	}
	st, err = Open(path, opts)
	if err != nil {
		return v, err
	}
	defer st.Close()
	v.Problems = st.Check()
	v.KeyFile, v.KeyProblem = st.KeyFile(), st.KeyProblem()
	for _, p := range v.Problems {
		if p.Damage != nil { // the count would walk the damaged pages: the cases the check met
			v.Cases = int(st.walkedKeys.Load())
			return v, nil
		}
	}
	if n := st.checkedKeys.Load(); n >= 0 { // the check walked every case: its count
		v.Cases = int(n)
		return v, nil
	}
	err = st.view(func(tx kv.Tx) error {
		v.Cases = tx.Bucket(bCases).Stats().KeyN
		return nil
	})
	return v, err
}

// BackupResult describes a backup written by BackupFile.
type BackupResult struct {
	Bytes  int64
	Remote bool // taken through the control socket of the process holding the database
	// Anchors: the anchor log matching the copy was written beside it ("<dest>.anchors").
	Anchors bool
	Verification
}

// BackupLocalTimeout is how long BackupFile waits for the file lock before asking the
// process that holds it.
var BackupLocalTimeout = 500 * time.Millisecond

// BackupFile writes a consistent copy of the database at dbPath to dest, which must not
// exist. If another process holds the database, the copy comes through its control
// socket. The copy is written to a temporary file beside dest, synced, verified
// (opened read-only and checked) and only then given its name, so dest is never a half
// file. A copy that opens but has problems is kept and its problems returned; one that
// does not open is removed and an error returned.
func BackupFile(dbPath, dest string) (BackupResult, error) {
	return BackupFileWith(dbPath, dest, Work{})
}

// BackupFileWith is BackupFile reporting its progress ("backup": bytes copied; then
// "check": cases verified) and stopping when w's context ends, with nothing left behind.
func BackupFileWith(dbPath, dest string, w Work) (BackupResult, error) {
	var res BackupResult
	if _, err := os.Lstat(dest); err == nil {
		return res, fmt.Errorf("%s already exists; a backup never overwrites a file — choose a new name: %w", dest, os.ErrExist)
	}
	fi, err := os.Stat(dbPath)
	if err != nil {
		return res, fmt.Errorf("database: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), filepath.Base(dest)+".*.tmp")
	if err != nil {
		return res, err
	}
	out := &workWriter{w: tmp, work: w, what: "backup", total: fi.Size()}
	tmpName := tmp.Name()
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()

	// A damaged source is said to be so, before anything is copied (see damage.go); one
	// that another process holds was validated when that process opened it.
	if err := validateUnlocked(dbPath); err != nil {
		return res, err
	}
	// The file itself, not a Store: a backup needs no summaries, index or settings.
	var db *bolt.DB
	err = shieldDB(nil, dbPath, "", 0, func() error {
		var err error
		db, err = bolt.Open(dbPath, 0o600, &bolt.Options{ReadOnly: true, Timeout: BackupLocalTimeout})
		return err
	})
	var dmg *DamageError
	switch {
	case errors.As(err, &dmg):
		return res, err
	case err == nil:
		err = shieldDB(db, dbPath, "", 0, func() error {
			return db.View(func(tx *bolt.Tx) error {
				var err error
				out.total = tx.Size()
				res.Bytes, err = tx.WriteTo(out)
				return err
			})
		})
		db.Close()
		if err != nil {
			return res, err
		}
	case errors.Is(err, bolt.ErrTimeout):
		le := lockedBy(dbPath)
		res.Remote = true
		res.Bytes, err = RemoteBackup(dbPath, out)
		if err != nil {
			if errors.Is(err, ErrNoControl) {
				return res, fmt.Errorf("%s; and it does not answer on its control socket, so no hot backup can be taken (%v)", le.Message("en"), err)
			}
			return res, err
		}
	default:
		return res, fmt.Errorf("open %s: %w", dbPath, err)
	}
	// The copy goes to disk (fsync: hundreds of megabytes, seconds on a large file) while
	// it is verified from the page cache: the bytes verified are those being synced, and
	// the copy gets its name only when both are done and the sync succeeded.
	synced := make(chan error, 1)
	go func() {
		err := tmp.Sync()
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		synced <- err
	}()
	syncErr := func() error {
		if synced == nil {
			return nil
		}
		err := <-synced
		synced = nil
		return err
	}
	defer func() { _ = syncErr() }() // never leave with the sync still running
	// The anchor log, cut to the entry the copy names, goes beside it ("<dest>.anchors"),
	// so that the backup — and a database restored from it — can be checked against it.
	anchors := AnchorLogPath(dest, Options{})
	vopts := Options{KeyFile: keyFilePath(dbPath, Options{}), AnchorLog: anchors, AnchorKey: AnchorKeyPath(dbPath, Options{}),
		Context: w.Context, Progress: w.Progress}
	if _, err := os.Lstat(anchors); err == nil {
		return res, fmt.Errorf("%s already exists; a backup never overwrites a file — choose a new name: %w", anchors, os.ErrExist)
	}
	carried, err := CopyAnchors(AnchorLogPath(dbPath, Options{}), tmpName, anchors)
	if err != nil {
		return res, fmt.Errorf("copy the anchor log: %w", err)
	}
	if !carried {
		vopts.NoAnchors = true
	} else if pub, _ := anchorPubOf(AnchorKeyPath(dbPath, Options{})); pub != nil {
		// And its public key, so that the backup can be checked on its own.
		_ = os.WriteFile(AnchorKeyPath(dest, Options{})+".pub", []byte(hex.EncodeToString(pub)+"\n"), 0o644)
	}
	res.Anchors = carried
	// Checked against the database's own key: the backup holds no key, only sealed data.
	v, err := verifyFile(tmpName, vopts)
	if errors.As(err, &dmg) { // the copy is the source's pages: the source is damaged
		os.Remove(anchors)
		dmg.Path = dbPath
		return res, dmg
	}
	if err != nil {
		os.Remove(anchors)
		return res, fmt.Errorf("the copy does not open as a database, so it was not kept: %w", err)
	}
	if err := syncErr(); err != nil {
		os.Remove(anchors)
		os.Remove(AnchorKeyPath(dest, Options{}) + ".pub")
		return res, err
	}
	res.Verification = v
	if err := w.err(); err != nil { // stopped while verifying: nothing is kept
		os.Remove(anchors)
		os.Remove(AnchorKeyPath(dest, Options{}) + ".pub")
		return res, err
	}
	if err := placeNoClobber(tmpName, dest); err != nil {
		os.Remove(anchors)
		return res, err
	}
	keep = true
	return res, nil
}

// placeNoClobber gives tmp the name dest without ever replacing an existing dest.
func placeNoClobber(tmp, dest string) error {
	if err := os.Link(tmp, dest); err == nil {
		os.Remove(tmp)
		syncDir(filepath.Dir(dest))
		return nil
	} else if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s appeared while the backup was written; it was left alone: %w", dest, os.ErrExist)
	}
	// No hard links here (some file systems): check, then rename.
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("%s appeared while the backup was written; it was left alone: %w", dest, os.ErrExist)
	}
	if err := os.Rename(tmp, dest); err != nil {
		return err
	}
	syncDir(filepath.Dir(dest))
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// lockedBy describes who holds path, from the lock info beside it.
func lockedBy(path string) *LockedError {
	le := &LockedError{Path: path}
	if b, err := os.ReadFile(lockPath(path)); err == nil {
		var li lockInfo
		if json.Unmarshal(b, &li) == nil {
			le.PID, le.Mode, le.Listen = li.PID, li.Mode, li.Listen
		}
	}
	return le
}
