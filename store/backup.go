package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"repairdesk/store/kv"
	"runtime/debug"
	"sync"
	"sync/atomic"
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
	return verifyFile(path, opts, nil)
}

// verifyFile is VerifyFile with the options given. beside, when set, is called once the
// file is open, before the check: it starts work on the open store to run beside the
// check, and returns the function that waits for that work (called before the store is
// closed, however the check ends).
func verifyFile(path string, opts Options, beside func(st *Store) (wait func())) (v Verification, err error) {
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
	if beside != nil {
		wait := sync.OnceFunc(beside(st))
		defer wait() // before Close, after a panic too
		v.Problems = st.Check()
		wait()
	} else {
		v.Problems = st.Check()
	}
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
// socket. The copy is written to a temporary file beside dest, synced, verified and only
// then given its name, so dest is never a half file. A copy whose check finds problems
// is kept and its problems returned; one that cannot be shown to be the snapshot that
// was checked is removed and an error returned.
//
// What "verified" means (SECURITY.md, "Backup and restore"): the check ran on exactly the
// bytes that are in the copy. Taken locally, the snapshot is written to the copy and
// checked at the same time, in one read-only open of the source that no writer can
// share (bbolt's lock): the bytes written are hashed (SHA-256), and after the sync the
// copy is read back and must hash the same; the snapshot the check saw must be the one
// copied (the same transaction before and after both); and the copy must open as a
// database of this schema whose meta page names the same transaction, size and bucket
// roots. Taken through the control socket, the copy itself is opened and checked, as
// before.
func BackupFile(dbPath, dest string) (BackupResult, error) {
	return BackupFileWith(dbPath, dest, Work{})
}

// BackupFileWith is BackupFile reporting its progress ("backup": bytes copied; then
// "check": cases verified) and stopping when w's context ends, with nothing left behind.
func BackupFileWith(dbPath, dest string, w Work) (res BackupResult, err error) {
	anchors := AnchorLogPath(dest, Options{})
	for _, p := range []string{dest, anchors} {
		if _, err := os.Lstat(p); err == nil {
			return res, fmt.Errorf("%s already exists; a backup never overwrites a file — choose a new name: %w", p, os.ErrExist)
		}
	}
	fi, err := os.Stat(dbPath)
	if err != nil {
		return res, fmt.Errorf("database: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), filepath.Base(dest)+".*.tmp")
	if err != nil {
		return res, err
	}
	tmpName := tmp.Name()
	keep := false
	var besides []string // written beside the copy: removed with it
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmpName)
			for _, p := range besides {
				os.Remove(p)
			}
		}
	}()

	// A damaged source is said to be so, before anything is copied (see damage.go); one
	// that another process holds was validated when that process opened it.
	if err := validateUnlocked(dbPath); err != nil {
		return res, err
	}
	// The file itself, not a Store, first: it tells whether another process holds it.
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
		// Held open (a shared lock) until the backup is done: no process can write the
		// file meanwhile.
		defer db.Close()
	case errors.Is(err, bolt.ErrTimeout):
		res.Remote = true
		return backupRemote(dbPath, dest, tmp, &besides, &keep, fi.Size(), w, res)
	default:
		return res, fmt.Errorf("open %s: %w", dbPath, err)
	}

	// The anchor log, cut to the entry the snapshot names, goes beside the copy
	// ("<dest>.anchors"), so that the backup — and a database restored from it — can be
	// checked against it; the snapshot is checked against it here. It is written beside
	// the check's read-ahead and structure scan (at 100,000 cases, about 100 MB written
	// and synced: half a second before the check began), and the check reads it once it
	// is written (anchorLogReady; the check's workers do not wait for the log). Its
	// outcome comes first, as when it was written before the check.
	var (
		carry     = make(chan struct{})
		carried   bool
		carryErr  error
		carryKeep []string // what it wrote, removed with the copy
	)
	go func() {
		defer close(carry)
		if hold := backupCarryHold.Load(); hold != nil {
			(*hold)()
		}
		_, carried, carryErr = carryAnchors(dbPath, dbPath, dest, &carryKeep)
	}()
	joined := false
	join := func() {
		<-carry
		if !joined {
			joined = true
			besides = append(besides, carryKeep...)
		}
	}
	defer join() // before the removal above, however the backup ends
	vopts := carryOptions(dbPath, dest)
	vopts.anchorLogReady = func() bool {
		<-carry
		return carryErr == nil && carried
	}
	vopts.Context = w.Context
	prog := &backupProgress{w: w, copying: true}
	vopts.Progress = prog.check
	var (
		cp   snapshotCopy
		done = make(chan struct{})
	)
	ctx, cancel := context.WithCancel(cmp.Or(w.Context, context.Background()))
	defer cancel()
	v, err := verifyFile(dbPath, vopts, func(st *Store) func() {
		// The copy's read transaction begins before the check's and ends after it: no
		// transaction begins or ends beside the check, whose bbolt check loads the
		// freelist of a file opened read-only, which must not happen then (bbolt's
		// loadFreelist; the race detector caught it).
		var (
			tx  *bolt.Tx
			end func()
		)
		cp.err = st.shield("", 0, func() error {
			ktx, e, err := kv.BeginView(st.db)
			if err != nil {
				return err
			}
			end = e
			var ok bool
			if tx, ok = kv.BoltTx(ktx); !ok {
				return &FileOnlyError{What: "backup"}
			}
			cp.before = snapshotOfTx(tx)
			return nil
		})
		if cp.err != nil {
			if end != nil {
				end()
			}
			close(done)
			return func() { <-done }
		}
		go func() {
			defer close(done)
			cp.copy(ctx, st, tx, tmp, Work{Context: ctx, Progress: prog.copy})
			prog.copied()
		}()
		return func() {
			<-done
			end()
			if cp.err == nil {
				var after snapshotID
				if after, cp.err = snapshotOf(st); cp.err == nil && !after.equal(cp.before) {
					cp.err = fmt.Errorf("the database changed while it was checked (%v, then %v): the backup was not kept; take it again", cp.before, after)
				}
			}
		}
	})
	// Here the copy has ended: verifyFile waited for it (when the source opened at all).
	join()
	if carryErr != nil {
		return res, carryErr
	}
	res.Anchors = carried
	if err != nil {
		return res, err // a damage names the source; a file that does not open says why
	}
	if err := w.err(); err != nil { // stopped while copying or checking: nothing is kept
		return res, err
	}
	if cp.err != nil {
		return res, cp.err
	}
	res.Bytes = cp.n
	if err := sameSnapshot(tmpName, vopts.KeyFile, cp.before); err != nil {
		return res, err
	}
	res.Verification = v
	if err := placeNoClobber(tmpName, dest); err != nil {
		return res, err
	}
	keep = true
	return res, nil
}

// carryAnchors cuts the anchor log of the database at dbPath to the entry that the
// snapshot in snapDB names and writes it beside dest, with the anchor key's public half;
// it returns the options to check the snapshot with (against that log and the database's
// own key: the backup holds no key, only sealed data) and whether a log was carried.
// What it wrote is added to besides.
func carryAnchors(dbPath, snapDB, dest string, besides *[]string) (Options, bool, error) {
	anchors := AnchorLogPath(dest, Options{})
	vopts := carryOptions(dbPath, dest)
	carried, err := CopyAnchors(AnchorLogPath(dbPath, Options{}), snapDB, anchors)
	if err != nil {
		return vopts, false, fmt.Errorf("copy the anchor log: %w", err)
	}
	if !carried {
		vopts.NoAnchors = true
		return vopts, false, nil
	}
	*besides = append(*besides, anchors)
	if pub, _ := anchorPubOf(AnchorKeyPath(dbPath, Options{})); pub != nil {
		// And its public key, so that the backup can be checked on its own.
		p := AnchorKeyPath(dest, Options{}) + ".pub"
		if os.WriteFile(p, []byte(hex.EncodeToString(pub)+"\n"), 0o644) == nil {
			*besides = append(*besides, p)
		}
	}
	return vopts, true, nil
}

// carryOptions is what carryAnchors returns when it carries a log: the options to check
// a snapshot of the database at dbPath with, against the log carried beside dest.
func carryOptions(dbPath, dest string) Options {
	return Options{KeyFile: keyFilePath(dbPath, Options{}), AnchorLog: AnchorLogPath(dest, Options{}), AnchorKey: AnchorKeyPath(dbPath, Options{})}
}

// backupCarryHold, when set (tests), is called before a local backup carries the anchor
// log.
var backupCarryHold atomic.Pointer[func()]

// backupRemote takes the copy through the control socket of the process holding dbPath
// and verifies the copy itself: it is opened read-only and checked (from the page cache,
// while it is synced), and named dest only when both are done.
func backupRemote(dbPath, dest string, tmp *os.File, besides *[]string, keep *bool, size int64, w Work, res BackupResult) (BackupResult, error) {
	tmpName := tmp.Name()
	le := lockedBy(dbPath)
	out := &workWriter{w: tmp, work: w, what: "backup", total: size}
	var err error
	res.Bytes, err = RemoteBackup(dbPath, out)
	if err != nil {
		if errors.Is(err, ErrNoControl) {
			return res, fmt.Errorf("%s; and it does not answer on its control socket, so no hot backup can be taken (%v)", le.Message("en"), err)
		}
		return res, err
	}
	synced := make(chan error, 1)
	go func() {
		err := tmp.Sync()
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		synced <- err
	}()
	defer func() { <-synced }() // never leave with the sync still running: re-sent below
	vopts, carried, err := carryAnchors(dbPath, tmpName, dest, besides)
	if err != nil {
		return res, err
	}
	res.Anchors = carried
	vopts.Context, vopts.Progress = w.Context, w.Progress
	v, err := verifyFile(tmpName, vopts, nil)
	var dmg *DamageError
	if errors.As(err, &dmg) { // the copy is the source's pages: the source is damaged
		dmg.Path = dbPath
		return res, dmg
	}
	if err != nil {
		return res, fmt.Errorf("the copy does not open as a database, so it was not kept: %w", err)
	}
	serr := <-synced
	synced <- nil
	if serr != nil {
		return res, serr
	}
	res.Verification = v
	if err := w.err(); err != nil { // stopped while verifying: nothing is kept
		return res, err
	}
	if err := placeNoClobber(tmpName, dest); err != nil {
		return res, err
	}
	*keep = true
	return res, nil
}

// snapshotID names one state of a bbolt file: the transaction, its size, and the root
// page of each top-level bucket.
type snapshotID struct {
	tx    int
	size  int64
	roots map[string]uint64
}

func (a snapshotID) String() string {
	return fmt.Sprintf("transaction %d, %d bytes, roots %v", a.tx, a.size, a.roots)
}

func snapshotOfTx(tx *bolt.Tx) snapshotID {
	id := snapshotID{tx: tx.ID(), size: tx.Size(), roots: map[string]uint64{}}
	_ = tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		id.roots[string(name)] = uint64(b.Root())
		return nil
	})
	return id
}

func snapshotOf(st *Store) (id snapshotID, err error) {
	err = st.viewBolt(func(tx *bolt.Tx) error {
		id = snapshotOfTx(tx)
		return nil
	})
	return id, err
}

func (a snapshotID) equal(b snapshotID) bool {
	return a.tx == b.tx && a.size == b.size && maps.Equal(a.roots, b.roots)
}

// snapshotCopy is the copy of one snapshot, taken beside its check.
type snapshotCopy struct {
	before snapshotID // the snapshot copied, as the check began
	n      int64
	err    error
}

// backupFileWriter, when set (tests), stands between the copy and its file: what it
// writes is what lands on disk, while the comparison knows what the snapshot gave.
var backupFileWriter func(io.Writer) io.Writer

// copy writes the snapshot of tx to tmp, syncs and closes it; then reads the file back
// and compares it byte for byte with the snapshot: its two meta pages with those the copy
// wrote (bbolt writes them from the transaction's meta), every later page with the
// database file's own, which no process can write meanwhile (the shared lock; the
// caller also compares the snapshot before and after). It runs beside the check of the
// same snapshot: the copy is the disk and memmove, the check the CPU.
func (cp *snapshotCopy) copy(ctx context.Context, st *Store, tx *bolt.Tx, tmp *os.File, w Work) {
	var file io.Writer = tmp
	if backupFileWriter != nil {
		file = backupFileWriter(tmp)
	}
	head := headWriter{want: 2 * tx.DB().Info().PageSize}
	out := &workWriter{w: io.MultiWriter(&head, file), work: w, what: "backup", total: tx.Size()}
	err := st.shield("", 0, func() error {
		var err error
		cp.n, err = tx.WriteTo(out)
		return err
	})
	if serr := tmp.Sync(); err == nil {
		err = serr
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		cp.err = err
		return
	}
	// Read back from the file, after the sync: what is there is the snapshot.
	if err := sameBytes(ctx, tmp.Name(), st.path, head.b, cp.n); err != nil {
		cp.err = err
	}
}

// headWriter keeps the first want bytes written to it.
type headWriter struct {
	want int
	b    []byte
}

func (h *headWriter) Write(p []byte) (int, error) {
	if k := min(len(p), h.want-len(h.b)); k > 0 {
		h.b = append(h.b, p[:k]...)
	}
	return len(p), nil
}

// errCopyDiffers: a backup's copy, read back, is not the snapshot.
var errCopyDiffers = errors.New("it was not kept; check the disk and take the backup again")

// sameBytes compares the file at copyPath, n bytes long, with head followed by the
// bytes of the file at srcPath after len(head).
func sameBytes(ctx context.Context, copyPath, srcPath string, head []byte, n int64) error {
	c, err := os.Open(copyPath)
	if err != nil {
		return err
	}
	defer c.Close()
	src, err := os.Open(srcPath)
	if err != nil {
		return err
	}
	defer src.Close()
	if fi, err := c.Stat(); err != nil {
		return err
	} else if fi.Size() != n {
		return fmt.Errorf("the copy on disk has %d bytes, the snapshot %d: %w", fi.Size(), n, errCopyDiffers)
	}
	const chunk = 1 << 20
	a, b := make([]byte, chunk), make([]byte, chunk)
	for off := int64(0); off < n; {
		if err := ctx.Err(); err != nil {
			return err
		}
		k := int(min(chunk, n-off))
		if _, err := c.ReadAt(a[:k], off); err != nil {
			return fmt.Errorf("read the copy back: %w", err)
		}
		want := b[:k]
		if off < int64(len(head)) { // the meta pages, as the copy wrote them; then the file's
			h := copy(want, head[off:])
			if h < k {
				if _, err := src.ReadAt(want[h:], off+int64(h)); err != nil {
					return fmt.Errorf("read the database again: %w", err)
				}
			}
		} else if _, err := src.ReadAt(want, off); err != nil {
			return fmt.Errorf("read the database again: %w", err)
		}
		if !bytes.Equal(a[:k], want) {
			i := int64(0)
			for a[i] == want[i] {
				i++
			}
			return fmt.Errorf("the copy on disk differs from the snapshot that was checked at byte %d: %w", off+i, errCopyDiffers)
		}
		off += int64(k)
	}
	return nil
}

// sameSnapshot opens the copy at path as a database of this schema (its meta pages
// validated, the key's check, the settings read) and compares its meta page with the
// snapshot written: the same transaction, size and bucket roots.
func sameSnapshot(path, keyFile string, want snapshotID) error {
	st, err := Open(path, Options{ReadOnly: true, NoAnchors: true, IndexOnDemand: true, NoSummaries: true, KeyFile: keyFile, Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("the copy does not open as a database, so it was not kept: %w", err)
	}
	defer st.Close()
	got, err := snapshotOf(st)
	if err != nil {
		return fmt.Errorf("the copy does not open as a database, so it was not kept: %w", err)
	}
	if !got.equal(want) {
		return fmt.Errorf("the copy opens as another state of the database (%v) than the one checked (%v): it was not kept", got, want)
	}
	return nil
}

// backupProgress puts the copy's progress and the check's, which run at once, on one
// line: the copy's bytes while it runs (it ends first), then the check's cases.
type backupProgress struct {
	w        Work
	mu       sync.Mutex
	copying  bool
	held     *[2]int64 // the check's last report while the copy ran
	heldWhat string
}

func (p *backupProgress) copy(what string, done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.copying {
		p.w.report(what, done, total)
	}
}

func (p *backupProgress) check(what string, done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.copying {
		p.held, p.heldWhat = &[2]int64{done, total}, what
		return
	}
	p.w.report(what, done, total)
}

// copied ends the copy's part: the check's line follows.
func (p *backupProgress) copied() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.copying = false
	if p.held != nil {
		p.w.report(p.heldWhat, p.held[0], p.held[1])
		p.held = nil
	}
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
