package store

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"repairdesk/store/kv"
	"runtime/debug"
	"sync"
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
// socket. The copy is written to a temporary file beside dest, synced, verified and
// only then given its name, so dest is never a half file. Verified: through the socket,
// the copy is opened read-only and checked; from a file no process holds, the source's
// snapshot is checked while the copy is written, and the synced copy read back must be
// that snapshot byte for byte (backupLocal). A copy that opens but has problems is kept
// and its problems returned; one that does not open, or differs, is removed and an
// error returned.
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
	// The anchor log beside the copy, cut to the entry the copy names ("<dest>.anchors").
	anchors := AnchorLogPath(dest, Options{})
	vopts := Options{KeyFile: keyFilePath(dbPath, Options{}), AnchorLog: anchors, AnchorKey: AnchorKeyPath(dbPath, Options{}),
		Context: w.Context, Progress: w.Progress}
	if _, err := os.Lstat(anchors); err == nil {
		return res, fmt.Errorf("%s already exists; a backup never overwrites a file — choose a new name: %w", anchors, os.ErrExist)
	}
	// The file itself, not a Store: a backup needs no summaries, index or settings.
	var db *bolt.DB
	err = shieldDB(nil, dbPath, "", 0, func() error {
		var err error
		db, err = bolt.Open(dbPath, 0o600, &bolt.Options{ReadOnly: true, Timeout: BackupLocalTimeout})
		return err
	})
	var (
		dmg *DamageError
		v   Verification
	)
	switch {
	case errors.As(err, &dmg):
		return res, err
	case err == nil:
		// No process holds the file: nothing can change it while this one holds it. The
		// copy is written while the source's snapshot is checked, and proved to be that
		// snapshot's bytes (backupLocal).
		res.Bytes, res.Anchors, v, err = backupLocal(db, dbPath, tmp, dest, out, vopts)
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
		res.Anchors, v, err = verifyRemoteCopy(dbPath, tmp, dest, vopts)
		if err != nil {
			return res, err
		}
	default:
		return res, fmt.Errorf("open %s: %w", dbPath, err)
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

// carryAnchors writes beside dest the anchor log cut to the entry the database file from
// names ("<dest>.anchors") and the anchor public key, and sets vopts to check against
// them (or without anchors, when the database has no log).
func carryAnchors(dbPath, from, dest string, vopts *Options) (bool, error) {
	carried, err := CopyAnchors(AnchorLogPath(dbPath, Options{}), from, AnchorLogPath(dest, Options{}))
	if err != nil {
		return false, fmt.Errorf("copy the anchor log: %w", err)
	}
	if !carried {
		vopts.NoAnchors = true
	} else if pub, _ := anchorPubOf(AnchorKeyPath(dbPath, Options{})); pub != nil {
		// And its public key, so that the backup can be checked on its own.
		_ = os.WriteFile(AnchorKeyPath(dest, Options{})+".pub", []byte(hex.EncodeToString(pub)+"\n"), 0o644)
	}
	return carried, nil
}

// removeAnchorsIf removes what carryAnchors wrote beside dest when *err is set: the
// backup is not kept.
func removeAnchorsIf(err *error, dest string) {
	if *err != nil {
		os.Remove(AnchorLogPath(dest, Options{}))
		os.Remove(AnchorKeyPath(dest, Options{}) + ".pub")
	}
}

// verifyRemoteCopy syncs the copy tmp that came through the control socket while it is
// verified (opened read-only and checked, from the page cache: the bytes verified are
// those being synced), with the anchor log cut to the entry the copy names. The copy
// is the only snapshot this process can read: the source is another process's.
func verifyRemoteCopy(dbPath string, tmp *os.File, dest string, vopts Options) (carried bool, v Verification, err error) {
	synced := make(chan error, 1)
	go func() {
		err := tmp.Sync()
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		synced <- err
	}()
	wrote := false // carryAnchors wrote beside dest
	defer func() { // never leave with the sync still running; its error counts
		if serr := <-synced; err == nil && serr != nil {
			v, err = Verification{}, serr
		}
		if wrote {
			removeAnchorsIf(&err, dest)
		}
	}()
	if carried, err = carryAnchors(dbPath, tmp.Name(), dest, &vopts); err != nil {
		return false, v, err
	}
	wrote = true
	// Checked against the database's own key: the backup holds no key, only sealed data.
	v, err = verifyFile(tmp.Name(), vopts)
	var dmg *DamageError
	if errors.As(err, &dmg) { // the copy is the source's pages: the source is damaged
		dmg.Path = dbPath
		return carried, v, dmg
	}
	if err != nil {
		return carried, v, fmt.Errorf("the copy does not open as a database, so it was not kept: %w", err)
	}
	return carried, v, nil
}

// backupLocal copies the snapshot of db (a file no other process holds: this one holds
// it read-only, so no writer can open it until it is closed) into tmp, and checks that
// snapshot — the source file itself, opened read-only beside the copy — while the copy
// is written and synced; then reads the synced copy back and compares it byte for byte
// with what the check read: the copy's two meta pages with the snapshot's meta page as
// bbolt's WriteTo wrote it twice, and every later page with the source's, read again.
// The check's findings are a function of those bytes (the meta page it reads is the
// snapshot's, see scanTx), so they are the findings a check of the copy would give —
// which is what this did before, after the copy, one after the other. A copy that
// differs by one byte is refused and removed (TestBackupRefusesACopyThatDiffers).
func backupLocal(db *bolt.DB, dbPath string, tmp *os.File, dest string, out *workWriter, vopts Options) (n int64, carried bool, v Verification, err error) {
	// One progress line: the copy's bytes, then the check's cases (the check's reports
	// are held back until the copy is done; the last one is passed on then).
	gate := &progressGate{w: out.work}
	out.work.Progress, vopts.Progress = gate.first, gate.second
	ps := db.Info().PageSize
	head := &headWriter{w: out.w, want: 2 * ps}
	out.w = head
	copied := make(chan error, 1)
	go func() {
		err := shieldDB(db, dbPath, "", 0, func() error {
			return db.View(func(tx *bolt.Tx) error {
				var err error
				out.total = tx.Size()
				n, err = tx.WriteTo(out)
				return err
			})
		})
		gate.firstDone()
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			if backupSyncedHook != nil {
				backupSyncedHook(tmp.Name())
			}
			err = sameAsSource(tmp.Name(), dbPath, head.head, ps, n)
		}
		copied <- err
	}()
	// The anchor log (a hundred megabytes at 100,000 cases) is copied while the file
	// is, cut to the entry the source names: the copy's bytes are the source's.
	if carried, err = carryAnchors(dbPath, dbPath, dest, &vopts); err != nil {
		<-copied
		return n, false, v, err
	}
	defer removeAnchorsIf(&err, dest)
	v, err = verifyFile(dbPath, vopts)
	cerr := <-copied
	gate.flush()
	var dmg *DamageError
	switch {
	case errors.As(err, &dmg):
		return n, carried, v, err
	case err != nil:
		return n, carried, v, fmt.Errorf("the copy does not open as a database, so it was not kept: %w", err)
	case cerr != nil:
		return n, carried, v, cerr
	}
	return n, carried, v, nil
}

// backupSyncedHook, in tests, hears the copy's temporary name after its sync, before it
// is read back (to change a byte of it).
var backupSyncedHook func(tmp string)

// errCopyDiffers: the copy read back is not the bytes that were checked.
var errCopyDiffers = errors.New("the copy read back from disk differs from the database it was taken from, so it was not kept; try again, and check the disk")

// sameAsSource reads the copy at path back (after its sync) and compares it with what
// was written: its first len(head) bytes with head, the rest, to size, with the source's
// same bytes.
func sameAsSource(path, src string, head []byte, ps int, size int64) error {
	cp, err := os.Open(path)
	if err != nil {
		return err
	}
	defer cp.Close()
	sf, err := os.Open(src)
	if err != nil {
		return err
	}
	defer sf.Close()
	if fi, err := cp.Stat(); err != nil {
		return err
	} else if fi.Size() != size || int64(len(head)) != min(size, int64(2*ps)) {
		return fmt.Errorf("%w (%d bytes, %d written)", errCopyDiffers, fi.Size(), size)
	}
	a, b := make([]byte, 1<<20), make([]byte, 1<<20)
	for off := int64(0); off < size; {
		k := int(min(int64(len(a)), size-off))
		if _, err := cp.ReadAt(a[:k], off); err != nil {
			return err
		}
		want := b[:k]
		if off == 0 {
			copy(want, head)
			if k > len(head) {
				if _, err := sf.ReadAt(want[len(head):], int64(len(head))); err != nil {
					return err
				}
			}
		} else if _, err := sf.ReadAt(want, off); err != nil {
			return err
		}
		if !bytes.Equal(a[:k], want) {
			return errCopyDiffers
		}
		off += int64(k)
	}
	return nil
}

// headWriter passes writes on and keeps the first want bytes.
type headWriter struct {
	w    io.Writer
	want int
	head []byte
}

func (h *headWriter) Write(p []byte) (int, error) {
	if k := min(len(p), h.want-len(h.head)); k > 0 {
		h.head = append(h.head, p[:k]...)
	}
	return h.w.Write(p)
}

// progressGate puts two parts' progress, reported from two goroutines, on one line one
// after the other: the first's as it comes; the second's once the first is done (its
// latest report then passed on at once).
type progressGate struct {
	w    Work
	mu   sync.Mutex
	done bool
	held bool
	part string
	d, t int64
}

func (g *progressGate) first(what string, done, total int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.done {
		g.w.report(what, done, total)
	}
}

func (g *progressGate) firstDone() {
	g.mu.Lock()
	g.done = true
	g.mu.Unlock()
}

func (g *progressGate) second(what string, done, total int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.done {
		g.held, g.part, g.d, g.t = true, what, done, total
		return
	}
	g.flushLocked()
	g.w.report(what, done, total)
}

// flush passes on the second part's last held report.
func (g *progressGate) flush() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.done = true
	g.flushLocked()
}

func (g *progressGate) flushLocked() {
	if g.held {
		g.held = false
		g.w.report(g.part, g.d, g.t)
	}
}
