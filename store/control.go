package store

// The control socket. bbolt holds an exclusive lock on the database file for as long as
// the console or the server has it open, so a second process can neither back it up nor
// check it. The owning process therefore answers a few requests on a unix socket beside
// the database ("<db>.sock", mode 0600, so only the same OS user can connect):
//
//	"backup\n" → "ok <size>\n" and exactly <size> bytes: a consistent copy taken inside one
//	             read transaction (writers carry on meanwhile); or "error <message>\n"
//	"check\n"  → one line per problem Check() finds, then "ok" or "problems N"
//	"ping\n"   → "pong"
//
// One request per connection; the server closes the connection after answering.

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/workflow"
)

// SocketPath is where the process holding dbPath answers control requests.
func SocketPath(dbPath string) string { return dbPath + ".sock" }

// maxSocketPath: sun_path is 108 bytes on Linux and 104 on the BSDs and macOS.
const maxSocketPath = 103

// Timeouts of the control protocol; variables so tests can shorten them.
var (
	ControlDialTimeout = 2 * time.Second
	// ControlIdleTimeout: a stalled peer (no byte moved for this long) is dropped, so a
	// client that stops reading cannot hold a read transaction open for ever.
	ControlIdleTimeout = 30 * time.Second
	// ControlCheckTimeout bounds the wait for Check() on the server (a full replay).
	ControlCheckTimeout = 30 * time.Minute
	// maxControlConns bounds concurrent requests (each holds a read transaction).
	maxControlConns = 4
)

// ErrNoControl: nobody answers on the control socket.
var ErrNoControl = errors.New("no repairdesk process answers on the control socket")

var (
	controlMu      sync.Mutex
	controlServing = map[*Store]bool{}
)

// ServeControl answers control requests for this store until ctx ends or stop is called.
// It may run once per store at a time; stop is idempotent, closes open requests, waits for
// them and removes the socket file. A stale socket left by a crashed process (nobody
// answers) is replaced; an answering one, or a non-socket file in the way, is an error.
func (s *Store) ServeControl(ctx context.Context) (stop func(), err error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if s.opts.ReadOnly {
		return nil, errors.New("the control socket is served only by the process that opened the database for writing")
	}
	controlMu.Lock()
	if controlServing[s] {
		controlMu.Unlock()
		return nil, errors.New("the control socket is already being served for this database")
	}
	controlServing[s] = true
	controlMu.Unlock()
	release := func() {
		controlMu.Lock()
		delete(controlServing, s)
		controlMu.Unlock()
	}

	path := SocketPath(s.path)
	ln, err := listenControl(path)
	if err != nil {
		release()
		return nil, err
	}
	mine, _ := os.Lstat(path)

	c := &controlServer{s: s, ln: ln, conns: map[net.Conn]bool{}, done: make(chan struct{})}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			close(c.done)
			ln.Close()
			c.mu.Lock()
			for conn := range c.conns {
				conn.Close()
			}
			c.mu.Unlock()
			c.wg.Wait()
			// Remove the socket only if it is still ours (not a later process's).
			if fi, err := os.Lstat(path); err == nil && mine != nil && os.SameFile(fi, mine) {
				_ = os.Remove(path)
			}
			release()
		})
	}
	c.wg.Add(1)
	go c.accept()
	// The store closes every subscription when it closes: then the socket goes too.
	changes, unsubscribe := s.Subscribe()
	if s.closed.Load() { // closed meanwhile: its subscriptions are no longer closed for us
		unsubscribe()
		stop()
		return nil, ErrClosed
	}
	go func() {
		defer unsubscribe()
		for {
			select {
			case <-ctx.Done():
				stop()
				return
			case <-c.done:
				return
			case _, ok := <-changes:
				if !ok {
					stop()
					return
				}
			}
		}
	}()
	return stop, nil
}

// listenControl binds the socket with mode 0600 from the first moment: it is bound in a
// private directory, restricted, then renamed into place (which also replaces a stale one).
func listenControl(path string) (*net.UnixListener, error) {
	if len(path) > maxSocketPath {
		return nil, fmt.Errorf("the control socket path %s is too long for a unix socket (%d bytes, at most %d); hot backup needs a shorter database path", path, len(path), maxSocketPath)
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("%s exists and is not a socket; remove it so the control socket can be created", path)
		}
		if controlAlive(path) {
			return nil, fmt.Errorf("another process already answers on %s", path)
		}
		// Stale: left by a process that ended without cleaning up. Replaced below.
	}
	dir, err := os.MkdirTemp(filepath.Dir(path), ".repairdesk-sock-")
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "s")
	if len(tmp) > maxSocketPath {
		// The private directory makes the path too long: bind in place instead. The
		// database's directory is private (0700) when repairdesk created it.
		_ = os.Remove(path)
		tmp = path
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	ln.SetUnlinkOnClose(false)
	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	if tmp != path {
		if err := os.Rename(tmp, path); err != nil {
			ln.Close()
			return nil, fmt.Errorf("control socket %s: %w", path, err)
		}
	}
	return ln, nil
}

// controlAlive reports whether a live server answers "pong" on path (one whose store has
// closed answers an error and counts as gone).
func controlAlive(path string) bool {
	conn, err := net.DialTimeout("unix", path, 500*time.Millisecond)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(conn, "ping\n"); err != nil {
		return false
	}
	l, err := readLine(bufio.NewReader(conn))
	return err == nil && l == "pong"
}

type controlServer struct {
	s     *Store
	ln    *net.UnixListener
	mu    sync.Mutex
	conns map[net.Conn]bool
	wg    sync.WaitGroup
	done  chan struct{}
}

func (c *controlServer) accept() {
	defer c.wg.Done()
	sem := make(chan struct{}, maxControlConns)
	for {
		conn, err := c.ln.Accept()
		if err != nil {
			select {
			case <-c.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(50 * time.Millisecond) // e.g. too many open files: retry, do not spin
			continue
		}
		select {
		case sem <- struct{}{}:
		default:
			_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
			fmt.Fprintln(conn, "error busy: too many control requests at once, try again")
			conn.Close()
			continue
		}
		c.mu.Lock()
		select {
		case <-c.done:
			c.mu.Unlock()
			conn.Close()
			<-sem
			return
		default:
		}
		c.conns[conn] = true
		c.wg.Add(1)
		c.mu.Unlock()
		go func() {
			defer c.wg.Done()
			defer func() { <-sem }()
			defer func() {
				c.mu.Lock()
				delete(c.conns, conn)
				c.mu.Unlock()
				conn.Close()
			}()
			c.handle(conn)
		}()
	}
}

// idleWriter pushes the write deadline forward before every write.
type idleWriter struct{ conn net.Conn }

func (w idleWriter) Write(p []byte) (int, error) {
	_ = w.conn.SetWriteDeadline(time.Now().Add(ControlIdleTimeout))
	return w.conn.Write(p)
}

func (c *controlServer) handle(conn net.Conn) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(idleWriter{conn}, "error internal: %v\n", r)
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	req, err := bufio.NewReaderSize(io.LimitReader(conn, 64), 64).ReadString('\n')
	if err != nil {
		return
	}
	w := bufio.NewWriterSize(idleWriter{conn}, 64<<10)
	defer w.Flush()
	s := c.s
	if s.closed.Load() {
		fmt.Fprintln(w, "error", ErrClosed)
		return
	}
	switch strings.TrimSpace(req) {
	case "ping":
		fmt.Fprintln(w, "pong")
	case "backup":
		sent := false
		err := s.view(func(tx *bolt.Tx) error {
			if _, err := fmt.Fprintf(w, "ok %d\n", tx.Size()); err != nil {
				return err
			}
			sent = true
			_, err := tx.WriteTo(w)
			return err
		})
		if err != nil && !sent {
			fmt.Fprintln(w, "error", workflow.CleanLine(err.Error()))
		}
		// After the header a failure just ends the stream: the client sees a short copy.
	case "cmd":
		c.command(conn)
	case "check":
		probs := s.Check()
		if s.closed.Load() { // Check on a closed database finds nothing: say so instead
			fmt.Fprintln(w, "error", ErrClosed)
			return
		}
		for _, p := range probs {
			fmt.Fprintln(w, workflow.CleanLine(p.String()))
		}
		if len(probs) == 0 {
			fmt.Fprintln(w, "ok")
		} else {
			fmt.Fprintf(w, "problems %d\n", len(probs))
		}
	default:
		fmt.Fprintln(w, "error unknown request (backup, check or ping)")
	}
}

// idleConn pushes the read deadline forward before every read.
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c idleConn) Read(p []byte) (int, error) {
	_ = c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	return c.Conn.Read(p)
}

func dialControl(dbPath, req string) (net.Conn, error) {
	path := SocketPath(dbPath)
	conn, err := net.DialTimeout("unix", path, ControlDialTimeout)
	if err != nil {
		return nil, fmt.Errorf("%w (%s): %v", ErrNoControl, path, err)
	}
	_ = conn.SetWriteDeadline(time.Now().Add(ControlDialTimeout))
	if _, err := io.WriteString(conn, req+"\n"); err != nil {
		conn.Close()
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	return conn, nil
}

// RemoteBackup asks the process holding dbPath for a consistent copy and writes it to w.
// It fails, never returning a short copy as success, if the answer is cut off.
func RemoteBackup(dbPath string, w io.Writer) (int64, error) {
	conn, err := dialControl(dbPath, "backup")
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	r := bufio.NewReader(idleConn{conn, ControlIdleTimeout})
	head, err := readLine(r)
	if err != nil {
		return 0, fmt.Errorf("control socket: no answer to backup: %w", err)
	}
	size, err := parseHead(head)
	if err != nil {
		return 0, err
	}
	n, err := io.CopyN(w, r, size)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return n, fmt.Errorf("control socket: the copy was cut off after %d of %d bytes", n, size)
		}
		return n, fmt.Errorf("control socket: backup after %d of %d bytes: %w", n, size, err)
	}
	return n, nil
}

func parseHead(head string) (int64, error) {
	if msg, ok := strings.CutPrefix(head, "error "); ok {
		return 0, fmt.Errorf("the running repairdesk refused: %s", workflow.CleanLine(msg))
	}
	v, ok := strings.CutPrefix(head, "ok ")
	if !ok {
		return 0, fmt.Errorf("control socket: unexpected answer %q", workflow.CleanLine(truncRunes(head, 60)))
	}
	size, err := strconv.ParseInt(v, 10, 64)
	if err != nil || size <= 0 {
		return 0, fmt.Errorf("control socket: unexpected size %q", workflow.CleanLine(truncRunes(v, 30)))
	}
	return size, nil
}

func readLine(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		part, isPrefix, err := r.ReadLine()
		if err != nil {
			return "", err
		}
		if b.Len()+len(part) > 4096 {
			return "", errors.New("control socket: answer line too long")
		}
		b.Write(part)
		if !isPrefix {
			return b.String(), nil
		}
	}
}

// RemoteCheck asks the process holding dbPath to run Check(); it returns the problems
// (none: the database is sound).
func RemoteCheck(dbPath string) ([]string, error) {
	conn, err := dialControl(dbPath, "check")
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(ControlCheckTimeout))
	r := bufio.NewReader(conn)
	var lines []string
	for {
		l, err := readLine(r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("control socket: %w", err)
		}
		lines = append(lines, workflow.CleanLine(l))
		if len(lines) > 1_000_000 {
			return nil, errors.New("control socket: answer too long")
		}
	}
	if len(lines) == 0 {
		return nil, errors.New("control socket: no answer to check")
	}
	last := lines[len(lines)-1]
	probs := lines[:len(lines)-1]
	switch {
	case last == "ok" && len(probs) == 0:
		return nil, nil
	case strings.HasPrefix(last, "problems "):
		if n, err := strconv.Atoi(strings.TrimPrefix(last, "problems ")); err == nil && n == len(probs) {
			return probs, nil
		}
	case strings.HasPrefix(last, "error "):
		return nil, fmt.Errorf("the running repairdesk refused: %s", strings.TrimPrefix(last, "error "))
	}
	return nil, errors.New("control socket: the check answer was cut off or malformed")
}

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
		if p.Damage != nil { // the count would walk the damaged pages: the cases loaded
			v.Cases = st.Snapshot().Len()
			return v, nil
		}
	}
	err = st.view(func(tx *bolt.Tx) error {
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
	var res BackupResult
	if _, err := os.Lstat(dest); err == nil {
		return res, fmt.Errorf("%s already exists; a backup never overwrites a file — choose a new name: %w", dest, os.ErrExist)
	}
	if _, err := os.Stat(dbPath); err != nil {
		return res, fmt.Errorf("database: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), filepath.Base(dest)+".*.tmp")
	if err != nil {
		return res, err
	}
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
				res.Bytes, err = tx.WriteTo(tmp)
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
		res.Bytes, err = RemoteBackup(dbPath, tmp)
		if err != nil {
			if errors.Is(err, ErrNoControl) {
				return res, fmt.Errorf("%s; and it does not answer on its control socket, so no hot backup can be taken (%v)", le.Message("en"), err)
			}
			return res, err
		}
	default:
		return res, fmt.Errorf("open %s: %w", dbPath, err)
	}
	if err := tmp.Sync(); err != nil {
		return res, err
	}
	if err := tmp.Close(); err != nil {
		return res, err
	}
	// The anchor log, cut to the entry the copy names, goes beside it ("<dest>.anchors"),
	// so that the backup — and a database restored from it — can be checked against it.
	anchors := AnchorLogPath(dest, Options{})
	vopts := Options{KeyFile: keyFilePath(dbPath, Options{}), AnchorLog: anchors, AnchorKey: AnchorKeyPath(dbPath, Options{})}
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
	res.Verification = v
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
	if lang == "en" {
		return fmt.Sprintf("%s was sealed with another key than %s (or that key file is missing): restored, its agents' ID numbers and phones could not be read; put the key file kept with the backup at %s (or point %s at it) and restore again — the database was not changed",
			e.File, keyFile, keyFile, KeyEnv)
	}
	return fmt.Sprintf("%s 使用的密钥与 %s 不一致（或该密钥文件不存在）：恢复后经办人身份证号和电话将无法解密；请把与备份一同保存的密钥文件放到 %s（或用 %s 指向它）后再恢复——数据库未作任何改动",
		e.File, keyFile, keyFile, KeyEnv)
}

// RestoreLockTimeout is how long Restore waits for the target's lock.
var RestoreLockTimeout = 500 * time.Millisecond

// Restore replaces the database at dbPath with the backup file. It refuses (a
// *LockedError) while any process has the database open. The backup is copied beside
// the database, and the copy is verified — it opens read-only with this schema and
// Check() finds nothing — before anything is replaced; the replaced database is kept as
// "<db>.before-restore-<timestamp>", and the copy takes its name by an atomic rename.
func Restore(dbPath, backup string) (RestoreReport, error) {
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

	tmpName, err := copyBeside(backup, dbPath)
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
	v, err := verifyFile(tmpName, vopts)
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
		if anchorsTmp, err = copyBeside(bAnchors, dbPath); err != nil {
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
func copyBeside(src, dst string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".restore-*.tmp")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(out, in)
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
