package store

// The anchor log: the history's hash chains, anchored outside the database file.
//
// The event chains in the file prove that nobody edited an event without re-hashing the
// rest of its case — but whoever can write the file can re-hash, drop the last events,
// delete a case or put back an older copy, and every chain is consistent again. The
// anchor log makes those rewrites visible:
//
//   - It is a file of its own ("<db>.anchors" beside the database by default), appended
//     to and fsynced after every transaction that writes events (Create, every group
//     commit of Apply, the demo generator), and once more at Close.
//   - Each entry (one JSON line) lists the events that transaction wrote — case id,
//     sequence and hash — with the number of cases and events anchored so far, and the
//     SHA-256 of the entry before it. Replaying the log therefore gives every case's
//     anchored chain; each entry commits to every case's head through the chain of
//     entries, at the cost of only what changed (cheap at 100,000 cases).
//   - Each entry is signed with an Ed25519 key that is not in the database: its seed is
//     in "<db>.anchor-key" (mode 0600, made on first run), its public key in
//     "<db>.anchor-key.pub". Checking needs only the public key, which may be kept
//     elsewhere (Options.AnchorPub, repairdesk check --anchor-pub).
//   - Entries may also be appended to a second file (Options.AnchorCopy, serve
//     --anchor-copy DIR).
//
// A crash between the transaction's commit and the append is covered: the unsigned
// entry is stored in the meta bucket inside the transaction ("anchor.next"), and the next
// writable Open signs and appends it if it follows the log's last entry.
//
// On a shared PostgreSQL case base every node keeps a log of its own, as a file on its
// own machine: by default beside the key file ("<key file>.anchors", signed with
// "<key file>.anchor-key"), or where --anchor-log and --anchor-key say. A node's log
// starts with the heads of every case it found and then anchors what that node commits;
// its pending entry is "anchor.next/<key fingerprint>" in the meta bucket, so nodes never
// write one row. Checked against one node's log, every event that log anchored must be
// in the case base as it was anchored (rewritten, removed or rolled back is a problem);
// events written later, or by another node, are anchored by that node's log instead.

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"repairdesk/internal/msg"
	"repairdesk/store/kv"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

var metaAnchorNext = []byte("anchor.next")

// AnchorEntry is one line of the anchor log.
type AnchorEntry struct {
	N    uint64    `json:"n"`
	At   time.Time `json:"at"`
	Kind string    `json:"kind"` // base (the file as found, in parts), commit, close
	// Restart, on a base entry: the log was started again although the database had been
	// anchored up to this entry (the earlier log was missing).
	Restart uint64 `json:"restart,omitempty"`
	Cases   int    `json:"cases"`  // cases anchored so far
	Events  uint64 `json:"events"` // events anchored so far: the last sequence of the history
	// Ahead: written beside its transaction's COMMIT (Options.AnchorBesideCommit), so a
	// crash may leave it in the log without its transaction. Only such an entry, as the
	// log's last, is forgiven for being beyond the case base; any other is a rollback.
	Ahead bool `json:"ahead,omitempty"`
	// Heads: "id/seq/hash" for every event this transaction wrote.
	Heads []string `json:"heads,omitempty"`
	Prev  string   `json:"prev"` // SHA-256 (hex) of the previous line; "" for the first
	Sig   string   `json:"sig,omitempty"`
}

func (e AnchorEntry) signed() []byte {
	e.Sig = ""
	b, _ := json.Marshal(e)
	return b
}

// anchorHead is a parsed "id/seq/hash".
type anchorHead struct {
	id   uint32
	seq  int
	hash string
}

func parseAnchorHead(h string) (anchorHead, bool) {
	a, rest, ok1 := strings.Cut(h, "/")
	b, c, ok2 := strings.Cut(rest, "/")
	if !ok1 || !ok2 || len(c) != 64 {
		return anchorHead{}, false
	}
	id, err1 := strconv.ParseUint(a, 10, 32)
	seq, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || seq < 1 {
		return anchorHead{}, false
	}
	return anchorHead{uint32(id), seq, c}, true
}

func fmtHead(id uint32, seq int, hash string) string {
	return strconv.FormatUint(uint64(id), 10) + "/" + strconv.Itoa(seq) + "/" + hash
}

// anchorFiles is the path the anchor files are named after: the database file, or for a
// shared (PostgreSQL) case base the node's key file.
func (s *Store) anchorFiles() string {
	if s.Shared() {
		return keyFilePath("", s.opts)
	}
	return s.path
}

// anchorNextKey is where the unsigned entry of the last transaction is kept: one key for
// a file; one per node's signing key on a shared case base.
func anchorNextKey(shared bool, pub ed25519.PublicKey) []byte {
	if !shared {
		return metaAnchorNext
	}
	if pub == nil {
		return nil
	}
	return []byte(string(metaAnchorNext) + "/" + KeyFingerprint(pub))
}

// AnchorLogPath: Options.AnchorLog, else "<db>.anchors".
func AnchorLogPath(dbPath string, opts Options) string {
	if opts.AnchorLog != "" {
		return opts.AnchorLog
	}
	return dbPath + ".anchors"
}

// AnchorKeyPath: Options.AnchorKey, else "<db>.anchor-key".
func AnchorKeyPath(dbPath string, opts Options) string {
	if opts.AnchorKey != "" {
		return opts.AnchorKey
	}
	return dbPath + ".anchor-key"
}

// anchorer appends to the log. Its fields are guarded by the store's writeMu.
type anchorer struct {
	next           []byte // the meta key of the pending entry (anchorNextKey)
	path, copyPath string
	priv           ed25519.PrivateKey
	f, cp          *os.File
	last           AnchorEntry // the last entry appended
	prev           string      // SHA-256 of the last line
	known          map[uint32]bool
	staged         *AnchorEntry
	beside         bool // entries are written beside their COMMIT (Options.AnchorBesideCommit)
	heads          []string
	newCases       int

	// The staged entry written ahead, beside its transaction's COMMIT (writeAhead, on a
	// shared case base): its line (signed), and the log's length before it, to cut it
	// off again should the transaction not commit. aheadErr: the write failed.
	ahead    []byte
	aheadAt  int64
	aheadErr error
	// broken: the log could not be cut back after a transaction that did not commit;
	// nothing more is appended to it (Check reports the failure).
	broken error
	// testAhead: tests stop a node here, while its COMMIT is under way: before its entry is
	// written ahead (written false) and after (true).
	testAhead func(written bool)

	// syncLater: a group commit's entry is written after its COMMIT and fsynced while
	// the node's next group runs (a shared case base, entries not written beside the
	// COMMIT): commitLater. synced is closed when the last such fsync is done (nil: none
	// under way); every transaction that stages an entry waits for it before its COMMIT
	// (stage), so that the log never lacks more than the one entry the database keeps
	// pending (anchor.next). fail records a failed fsync (the store's anchorFail);
	// testSync, when set, runs in the fsync's goroutine before it (tests hold it there).
	syncLater bool
	synced    chan struct{}
	syncWait  time.Duration // stage's waits for that fsync since the group commit last took them
	fail      func(error)
	testSync  func()
}

// note records an event written in the current transaction.
func (a *anchorer) note(id uint32, seq int, hash string) {
	if a == nil {
		return
	}
	a.heads = append(a.heads, fmtHead(id, seq, hash))
	if seq == 1 {
		a.newCases++
	}
}

// stage builds the entry for the transaction and stores it, unsigned, in the meta bucket
// of that transaction. Called last inside the transaction.
func (a *anchorer) stage(tx kv.Tx, now time.Time) error {
	if a == nil || len(a.heads) == 0 {
		return nil
	}
	// The entry before this one must be on disk before this transaction commits: its
	// anchor.next replaces the one that would otherwise append it after a crash.
	a.syncWait += a.waitSynced()
	e := AnchorEntry{N: a.last.N + 1, At: now.UTC(), Kind: "commit", Cases: a.last.Cases + a.newCases,
		Events: a.last.Events + uint64(len(a.heads)), Heads: a.heads, Ahead: a.beside, Prev: a.prev}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bMeta).Put(a.next, b); err != nil {
		return err
	}
	a.staged = &e
	return nil
}

// reset forgets what the transaction noted (it failed, or its entry was appended). An
// entry written ahead for a transaction that did not commit is cut off the log again.
func (a *anchorer) reset() {
	if a == nil {
		return
	}
	if a.ahead != nil {
		a.unwrite()
	}
	a.heads, a.newCases, a.staged, a.aheadErr = nil, 0, nil, nil
}

// commit appends the staged entry after its transaction committed, or confirms it when
// it was written ahead, beside the COMMIT.
func (a *anchorer) commit() error {
	if a == nil {
		return nil
	}
	defer a.reset()
	if a.staged == nil {
		return nil
	}
	if a.ahead != nil || a.aheadErr != nil {
		return a.confirm()
	}
	return a.append(*a.staged)
}

// commitLater is commit for a group commit on a shared case base: the staged entry is
// written (not fsynced) and becomes the log's last, and its fsync runs on another
// goroutine, so that the node's next group can start meanwhile (its COMMIT waits for
// that fsync: stage). The returned channel is closed when the fsync is done; the group's
// actions are answered only then. nil: nothing is pending (no entry, the entry was
// written beside its COMMIT, a store that syncs at once, or the write failed: its error
// is returned as commit's is).
func (a *anchorer) commitLater() (<-chan struct{}, error) {
	if a == nil || !a.syncLater || a.staged == nil || a.ahead != nil || a.aheadErr != nil {
		return nil, a.commit()
	}
	defer a.reset()
	line, err := a.writeLine(*a.staged, false)
	if err != nil {
		return nil, err
	}
	a.done(*a.staged, line)
	a.waitSynced() // none is under way (stage waited), but never two at once
	ch := make(chan struct{})
	a.synced = ch
	f, cp, fail, hook := a.f, a.cp, a.fail, a.testSync
	path := a.path
	go func() {
		defer close(ch)
		if hook != nil {
			hook()
		}
		if err := f.Sync(); err != nil && fail != nil {
			fail(fmt.Errorf("anchor log %s: %w", path, err))
		}
		if cp != nil {
			_ = cp.Sync() // the copy is best effort, as in done
		}
	}()
	return ch, nil
}

// waitSynced waits for the fsync commitLater started, if one is under way, and says how
// long it waited.
func (a *anchorer) waitSynced() time.Duration {
	if a == nil || a.synced == nil {
		return 0
	}
	t := time.Now()
	<-a.synced
	a.synced = nil
	return time.Since(t)
}

// append signs e and writes it to the log (and the copy), fsynced.
func (a *anchorer) append(e AnchorEntry) error {
	line, err := a.write(e)
	if err != nil {
		return err
	}
	a.done(e, line)
	return nil
}

// write signs e and writes its line to the log, fsynced; the log's state (last, prev)
// is not changed yet (done).
func (a *anchorer) write(e AnchorEntry) ([]byte, error) { return a.writeLine(e, true) }

// writeLine is write, with the fsync left to the caller when sync is false.
func (a *anchorer) writeLine(e AnchorEntry, sync bool) ([]byte, error) {
	if a.broken != nil {
		return nil, a.broken
	}
	e.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(a.priv, e.signed()))
	line, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	buf := append(line, '\n')
	if _, err := a.f.Write(buf); err != nil {
		return line, fmt.Errorf("anchor log %s: %w", a.path, err)
	}
	if !sync {
		return line, nil
	}
	if err := a.f.Sync(); err != nil {
		return line, fmt.Errorf("anchor log %s: %w", a.path, err)
	}
	return line, nil
}

// done makes e, written as line, the log's last entry, and copies it to the copy (its
// fsync left to commitLater's goroutine when that syncs the log).
func (a *anchorer) done(e AnchorEntry, line []byte) {
	if a.cp != nil {
		// The copy is best effort: losing it must not stop the office.
		if _, err := a.cp.Write(append(line, '\n')); err == nil && !a.syncLater {
			_ = a.cp.Sync()
		}
	}
	sum := sha256.Sum256(line)
	a.prev = hex.EncodeToString(sum[:])
	e.Heads = nil
	a.last = e
}

// writeAhead writes the staged entry to the log, signed and fsynced, while its
// transaction's COMMIT is under way (kv.BesideCommit, a shared case base): the two disk
// waits, PostgreSQL's WAL flush and this fsync, overlap instead of following each other.
// The entry becomes the log's last only when the transaction is known to have committed
// (confirm); otherwise reset cuts it off again. A crash between the two leaves either a
// committed transaction whose entry the log lacks (appended from the database at the next
// open, as before) or an entry whose transaction never committed (cut off at the next
// open; Check does not count it meanwhile): README, "An anchor written beside its commit".
// Runs on another goroutine than the transaction's, which waits for it before it returns.
func (a *anchorer) writeAhead() {
	if a.staged == nil {
		return
	}
	fi, err := a.f.Stat()
	if err != nil {
		a.aheadErr = fmt.Errorf("anchor log %s: %w", a.path, err)
		return
	}
	a.aheadAt = fi.Size()
	if a.testAhead != nil {
		a.testAhead(false)
	}
	line, err := a.write(*a.staged)
	if err != nil {
		a.aheadErr = err
		if line != nil {
			a.ahead = line // possibly a part of it was written: cut off
		}
		return
	}
	a.ahead = line
	if a.testAhead != nil {
		a.testAhead(true)
	}
}

// confirm makes the entry written ahead the log's last, its transaction having
// committed. A failed write is cut off and reported, as a failed append is.
func (a *anchorer) confirm() error {
	line, err := a.ahead, a.aheadErr
	if err != nil {
		if line != nil { // a write was begun, at aheadAt: cut off what it left
			a.unwrite()
		}
		a.ahead, a.aheadErr = nil, nil
		return err
	}
	a.ahead = nil
	a.done(*a.staged, line)
	return nil
}

// unwrite cuts the entry written ahead off the log (its transaction did not commit, or
// its write failed). Should that fail, nothing more is appended (broken).
func (a *anchorer) unwrite() {
	at := a.aheadAt
	a.ahead, a.aheadErr = nil, nil
	err := a.f.Truncate(at)
	if err == nil {
		_, err = a.f.Seek(at, io.SeekStart)
	}
	if err == nil {
		err = a.f.Sync()
	}
	if err != nil && a.broken == nil {
		a.broken = fmt.Errorf("anchor log %s: an entry whose transaction did not commit could not be cut off: %w", a.path, err)
	}
}

func (a *anchorer) close(now time.Time) {
	if a == nil {
		return
	}
	a.waitSynced()
	_ = a.append(AnchorEntry{N: a.last.N + 1, At: now.UTC(), Kind: "close", Cases: a.last.Cases, Events: a.last.Events, Prev: a.prev})
	a.f.Close()
	if a.cp != nil {
		a.cp.Close()
	}
}

// loadAnchorKey reads the Ed25519 seed at path, creating it (and "<path>.pub") on first
// use when create is set.
func loadAnchorKey(path string, create bool) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		seed := make([]byte, ed25519.SeedSize)
		rand.Read(seed)
		priv := ed25519.NewKeyFromSeed(seed)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create the anchor key %s: %w", path, err)
		}
		_, err = f.WriteString(hex.EncodeToString(seed) + "\n")
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return nil, fmt.Errorf("create the anchor key %s: %w", path, err)
		}
		pub := priv.Public().(ed25519.PublicKey)
		_ = os.WriteFile(path+".pub", []byte(hex.EncodeToString(pub)+"\n"), 0o644)
		syncDir(filepath.Dir(path))
		return priv, nil
	}
	if err != nil {
		return nil, err
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("the anchor key %s is not a repairdesk anchor key (64 hex digits)", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// readPub reads a public key file (64 hex digits).
func readPub(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%s is not an anchor public key (64 hex digits)", path)
	}
	return ed25519.PublicKey(k), nil
}

// KeyFingerprint is a short form of an anchor public key, to compare by eye.
func KeyFingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// anchorPub finds the public key that checks the log: Options.AnchorPub, the key of a
// writable store, "<anchor key>.pub", or the anchor key itself.
func (s *Store) anchorPub() (ed25519.PublicKey, string) {
	if s.opts.AnchorPub != "" {
		k, err := readPub(s.opts.AnchorPub)
		if err != nil {
			return nil, err.Error()
		}
		return k, s.opts.AnchorPub
	}
	if s.anch != nil {
		return s.anch.priv.Public().(ed25519.PublicKey), AnchorKeyPath(s.anchorFiles(), s.opts)
	}
	return anchorPubOf(AnchorKeyPath(s.anchorFiles(), s.opts))
}

// anchorPubOf: the public key of the anchor key at kp, from "<kp>.pub" or the key itself.
func anchorPubOf(kp string) (ed25519.PublicKey, string) {
	if k, err := readPub(kp + ".pub"); err == nil {
		return k, kp + ".pub"
	}
	if priv, err := loadAnchorKey(kp, false); err == nil {
		return priv.Public().(ed25519.PublicKey), kp
	}
	return nil, fmt.Sprintf("no anchor public key at %s.pub (give one with --anchor-pub)", kp)
}

// lastLine returns the last complete line of the file and the offset just after it.
func lastLine(f *os.File) ([]byte, int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	size := fi.Size()
	var tail []byte
	for chunk := int64(64 << 10); ; chunk *= 4 {
		off := max(size-chunk, 0)
		tail = make([]byte, size-off)
		if _, err := f.ReadAt(tail, off); err != nil && err != io.EOF {
			return nil, 0, err
		}
		end := bytes.LastIndexByte(tail, '\n')
		if end < 0 {
			if off == 0 {
				return nil, 0, nil // no complete line
			}
			continue
		}
		start := bytes.LastIndexByte(tail[:end], '\n')
		if start < 0 && off > 0 {
			continue
		}
		return tail[start+1 : end], off + int64(end) + 1, nil
	}
}

// openAnchors prepares the anchor log of a writable store: the key, the log (its last
// entry), a pending entry left by a crash, and a base entry for a log that is new.
func (s *Store) openAnchors() error {
	if s.opts.ReadOnly || s.opts.NoAnchors {
		return nil
	}
	logPath := AnchorLogPath(s.anchorFiles(), s.opts)
	keyPath := AnchorKeyPath(s.anchorFiles(), s.opts)
	if !s.Shared() && (same(logPath, s.path) || same(keyPath, s.path)) {
		return fmt.Errorf("the anchor log and key must be files of their own, not the database %s", s.path)
	}
	_, logErr := os.Stat(logPath)
	logExists := logErr == nil
	if _, err := os.Stat(keyPath); errors.Is(err, fs.ErrNotExist) && logExists {
		if fi, _ := os.Stat(logPath); fi != nil && fi.Size() > 0 {
			return msg.Errorf("store.anchor_key_missing", keyPath, logPath)
		}
	}
	priv, err := loadAnchorKey(keyPath, true)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(logPath), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(logPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("anchor log: %w", err)
	}
	// One writer per log: a second process (on a shared case base, a second node given
	// the same files) is refused instead of interleaving its entries.
	if err := lockExclusive(f); err != nil {
		f.Close()
		if s.Shared() && s.opts.AnchorsIfFree {
			s.anchorBusy = logPath
			return nil
		}
		return msg.Errorf("store.anchor_in_use", logPath)
	}
	a := &anchorer{path: logPath, priv: priv, f: f, next: anchorNextKey(s.Shared(), priv.Public().(ed25519.PublicKey)),
		beside: s.Shared() && s.opts.AnchorBesideCommit}
	// On a shared case base a group's entry is fsynced while the next group runs
	// (commitLater); on bbolt, and with entries written beside their COMMIT, at once.
	a.syncLater = s.Shared() && !a.beside
	a.fail = func(err error) { msg := err.Error(); s.anchorFail.Store(&msg) }
	line, end, err := lastLine(f)
	if err != nil {
		f.Close()
		return fmt.Errorf("anchor log %s: %w", logPath, err)
	}
	// A line torn by a crash was never acknowledged: cut it off (its entry is still in the
	// database's meta bucket and is appended again below).
	if fi, _ := f.Stat(); fi != nil && fi.Size() > end {
		if err := f.Truncate(end); err != nil {
			f.Close()
			return fmt.Errorf("anchor log %s: %w", logPath, err)
		}
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return err
	}
	if line != nil {
		if err := json.Unmarshal(line, &a.last); err != nil {
			f.Close()
			return fmt.Errorf("the anchor log %s ends in an unreadable entry; run repairdesk check — %w", logPath, err)
		}
		sum := sha256.Sum256(line)
		a.prev = hex.EncodeToString(sum[:])
		a.last.Heads = nil
	}
	if s.opts.AnchorCopy != "" {
		if err := os.MkdirAll(s.opts.AnchorCopy, 0o700); err != nil {
			f.Close()
			return fmt.Errorf("anchor copy: %w", err)
		}
		a.copyPath = filepath.Join(s.opts.AnchorCopy, filepath.Base(logPath))
		if a.cp, err = os.OpenFile(a.copyPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600); err != nil {
			f.Close()
			return fmt.Errorf("anchor copy: %w", err)
		}
	}
	var pending *AnchorEntry
	_ = s.view(func(tx kv.Tx) error {
		if raw := tx.Bucket(bMeta).Get(a.next); raw != nil {
			// The staged entry holds the heads of the last transaction's events: after
			// a bulk load, megabytes of them. Only an entry the log lacks (a crash between
			// commit and append) is decoded whole; the others are checked by number.
			if n, ok := entryNumber(raw); ok && line != nil && n != a.last.N+1 {
				pending = &AnchorEntry{N: n}
				return nil
			}
			var e AnchorEntry
			if json.Unmarshal(raw, &e) == nil {
				pending = &e
			}
		}
		return nil
	})
	now := s.opts.Now()
	switch {
	case line == nil && pending != nil:
		// The database was anchored, but its log is gone: start again, saying so.
		err = s.anchorBase(a, now, pending.N)
	case line == nil:
		err = s.anchorBase(a, now, 0)
	case pending != nil && pending.N == a.last.N+1 && pending.Prev == a.prev:
		err = a.append(*pending) // committed, then a crash before its append
	case s.Shared() && pending != nil && a.last.Kind == "commit" && a.last.Ahead && a.last.N > pending.N:
		// Written beside its COMMIT (writeAhead), and the node stopped before that
		// transaction committed: the case base holds an earlier entry of this node's. The
		// entry anchors events that were never written: cut it off.
		err = a.cutLast(f, end-int64(len(line))-1)
	}
	if err != nil {
		a.f.Close()
		if a.cp != nil {
			a.cp.Close()
		}
		return err
	}
	s.anch = a
	return nil
}

// cutLast cuts the log's last line off (it starts at at) and makes the line before it
// the last entry.
func (a *anchorer) cutLast(f *os.File, at int64) error {
	if err := f.Truncate(at); err != nil {
		return fmt.Errorf("anchor log %s: %w", a.path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("anchor log %s: %w", a.path, err)
	}
	if _, err := f.Seek(at, io.SeekStart); err != nil {
		return err
	}
	line, _, err := lastLine(f)
	if err != nil {
		return fmt.Errorf("anchor log %s: %w", a.path, err)
	}
	a.last, a.prev = AnchorEntry{}, ""
	if line != nil {
		if err := json.Unmarshal(line, &a.last); err != nil {
			return fmt.Errorf("the anchor log %s ends in an unreadable entry; run repairdesk check — %w", a.path, err)
		}
		sum := sha256.Sum256(line)
		a.prev = hex.EncodeToString(sum[:])
		a.last.Heads = nil
	}
	return nil
}

// entryNumber reads an encoded entry's number from its start, where json.Marshal puts it
// ({"n":123,...}), without decoding the rest. ok is false for anything else.
func entryNumber(raw []byte) (uint64, bool) {
	rest, ok := bytes.CutPrefix(raw, []byte(`{"n":`))
	if !ok {
		return 0, false
	}
	end := bytes.IndexByte(rest, ',')
	if end <= 0 || end > 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(rest[:end]), 10, 64)
	return n, err == nil
}

// anchorBase writes the heads of every case already in the file, in parts of at most
// baseChunk cases, and records the last part's number in the meta bucket.
func (s *Store) anchorBase(a *anchorer, now time.Time, restart uint64) error {
	const baseChunk = 10000
	var heads []string
	var cases int
	var events uint64
	flush := func(force bool) error {
		if len(heads) == 0 && !force {
			return nil
		}
		e := AnchorEntry{N: a.last.N + 1, At: now.UTC(), Kind: "base", Restart: restart, Cases: a.last.Cases + cases,
			Events: a.last.Events + events, Heads: heads, Prev: a.prev}
		restart, heads, cases, events = 0, nil, 0, 0
		return a.append(e)
	}
	err := s.view(func(tx kv.Tx) error {
		var r eventReader
		err := eachCaseEntries(tx.Bucket(bEvents), 0, nil, func(id uint32, keys, vals [][]byte) error {
			err := r.each(id, keys, vals, func(seq int, js []byte) error {
				h := hashIn(js)
				if h == "" {
					return nil
				}
				heads = append(heads, fmtHead(id, seq, h))
				events++
				if seq == 1 {
					cases++
				}
				return nil
			})
			if err != nil {
				return nil // an unreadable case is not anchored; check reports it
			}
			if cases >= baseChunk {
				return flush(false)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return flush(a.last.N == 0 || restart > 0)
	})
	if err != nil {
		return err
	}
	b, _ := json.Marshal(AnchorEntry{N: a.last.N, Prev: "", Kind: "base"})
	return s.update(func(tx kv.Tx) error { return tx.Bucket(bMeta).Put(a.next, b) })
}

// ---- reading and checking the log ----

// anchored is what the log says, replayed.
type anchored struct {
	// shared: the log of one node of a shared case base, which anchors only what that
	// node wrote: a case's anchored events may have gaps (other nodes' events), kept as "".
	shared bool
	cases  map[uint32]*anchoredCase
	last   AnchorEntry
	lines  int
	pub    string // where the public key came from, or why there is none
	fp     string
	probs  []Problem
	// lastHeads: the last entry that anchored events; prevHash: SHA-256 of the last line.
	lastHeads AnchorEntry
	prevHash  string
	// lineHeads: the heads of the last line (nil when it has none); headsBefore: the
	// entry that anchored events before lastHeads (an entry written beside a COMMIT that
	// has not happened is taken back with them: anchorsFor).
	lineHeads   []string
	headsBefore AnchorEntry

	// compact: the replay keeps, per case, only what Check compares (anchorChain), not
	// every anchored hash: chains and at (case id → its chain). cases is then nil, and
	// detail gives the whole replay, read again, for a case that does not match.
	compact bool
	at      map[uint32]int32
	chains  anchorChains
	detail  func() *anchored
	// seen: where this replay stopped, when it read whole lines to the end of what it
	// was given without an unreadable one (nil otherwise).
	seen *anchorsSeen
}

// anchorsSeen is how far a replay read the log: the file, the bytes up to the end of its
// last whole line, the lines and the last entry. The log is only appended to (a file's;
// a shared case base's node may cut its last line, and is not remembered), so Anchors,
// which reports the number of lines and the last entry after a check, reads only what
// came after instead of the whole log again (at 100,000 cases a third of a second on one
// core, after the check's own work was done).
type anchorsSeen struct {
	path  string
	file  os.FileInfo
	end   int64
	lines int
	last  AnchorEntry
}

// anchorChain is one case's anchored events as a compact replay keeps them: how many,
// the entry that anchored the last, and chain, a SHA-256 chain over their hashes
// (hashChain): equal chains over equal counts are equal lists of hashes. A case whose
// stored chain matches it is verified without the list; one that does not is compared
// with the whole replay (anchored.detail), with the same findings as before. At a
// million cases the lists of hex strings were most of check's memory (BENCHMARKS.md).
type anchorChain struct {
	chain hashChain
	last  uint64
	n     uint32
}

// anchorChains is the compact replay's chains, by their index in anchored.at, in blocks
// of chainBlock: one slice grown by appending was copied and cleared again at each
// growth (40 MB moved for the 8 MB of 100,000 cases' chains; the largest part of the
// replay's allocation after the scanner's line buffer).
type anchorChains struct {
	blocks [][]anchorChain
	n      int32
}

const chainBlock = 1 << 12

// add appends a zero chain and returns its index.
func (cs *anchorChains) add() int32 {
	if int(cs.n) == len(cs.blocks)*chainBlock {
		cs.blocks = append(cs.blocks, make([]anchorChain, chainBlock))
	}
	cs.n++
	return cs.n - 1
}

// of is chain i.
func (cs *anchorChains) of(i int32) *anchorChain {
	return &cs.blocks[i/chainBlock][i%chainBlock]
}

// hashChain is a SHA-256 chain over a list of hashes (32 bytes each), two at a time:
// sum becomes SHA-256(sum ‖ a ‖ b) for each pair a, b, and the last hash of an odd
// count waits in odd for the one after it. Equal chains over equal counts are equal
// lists (short of a SHA-256 collision), as with one hash a step; but 96 bytes and their
// padding are two blocks for SHA-256 to compress, as 64 bytes and theirs were, so the
// chain costs half the compressions. Check builds it for every anchored event twice
// (the log's replay and the stored chain): one hash a step was 3.4% of its CPU.
type hashChain struct {
	sum, odd [32]byte
}

// add extends c, a chain over n hashes, by h.
func (c *hashChain) add(n uint32, h *[32]byte) {
	if n%2 == 0 {
		c.odd = *h
		return
	}
	var b [96]byte
	copy(b[:32], c.sum[:])
	copy(b[32:64], c.odd[:])
	copy(b[64:], h[:])
	c.sum = sha256.Sum256(b[:])
	c.odd = [32]byte{}
}

// hexHash decodes a hash written as 64 lowercase hex digits, the only way the store
// writes one (EventHash); anything else (upper case included) is not decoded, so that
// two hashes compare equal decoded only when their strings are equal.
func hexHash[T string | []byte](dst *[32]byte, s T) bool {
	if len(s) != 64 {
		return false
	}
	var bad byte
	for i := range 32 {
		hi, lo := lowerHex[s[2*i]], lowerHex[s[2*i+1]]
		bad |= hi | lo
		dst[i] = hi<<4 | lo&0xf
	}
	return bad&0x10 == 0
}

// lowerHex is the value of a lowercase hex digit, and 0x10 for any other byte.
var lowerHex = func() (t [256]byte) {
	for i := range t {
		switch c := byte(i); {
		case c >= '0' && c <= '9':
			t[i] = c - '0'
		case c >= 'a' && c <= 'f':
			t[i] = c - 'a' + 10
		default:
			t[i] = 0x10
		}
	}
	return t
}()

// chainOf is the anchorChain chain of n hashes (ok false: one is not a hash as the
// store writes them, so it cannot equal an anchored one read compactly).
func chainOf(n int, hash func(i int) string) (c hashChain, ok bool) {
	var h [32]byte
	for i := range n {
		if !hexHash(&h, hash(i)) {
			return c, false
		}
		c.add(uint32(i), &h)
	}
	return c, true
}

// anchoredCount says how many events of case id the log anchored, and the entry that
// anchored the last; ok is false when the log names no event of the case.
func (an *anchored) anchoredCount(id uint32) (n int, last uint64, ok bool) {
	if an.compact {
		i, ok := an.at[id]
		if !ok {
			return 0, 0, false
		}
		c := an.chains.of(i)
		return int(c.n), c.last, true
	}
	ac := an.cases[id]
	if ac == nil {
		return 0, 0, false
	}
	if len(ac.entry) == 0 {
		return 0, 0, true
	}
	return len(ac.hashes), ac.entry[len(ac.entry)-1], true
}

// eachCase calls fn with every case the log names, its number of anchored events and the
// entry that anchored the last.
func (an *anchored) eachCase(fn func(id uint32, n int, last uint64)) {
	if an.compact {
		for id, i := range an.at {
			c := an.chains.of(i)
			fn(id, int(c.n), c.last)
		}
		return
	}
	for id, ac := range an.cases {
		var last uint64
		if len(ac.entry) > 0 {
			last = ac.entry[len(ac.entry)-1]
		}
		fn(id, len(ac.hashes), last)
	}
}

// compare reports what differs between case id's stored chain (n events, hash(i) the
// hash of the (i+1)th) and what the log anchored, as checkAnchored always has. A compact
// replay settles a case that matches by its chain sum; any other is compared with the
// whole replay, read again once (detail), hash by hash.
func (an *anchored) compare(id uint32, n int, hash func(i int) string, add func(Problem)) {
	if an.compact {
		i, ok := an.at[id]
		if !ok {
			checkAnchored(id, nil, nil, an.shared, add)
			return
		}
		c := an.chains.of(i)
		if int(c.n) == n {
			if ch, ok := chainOf(n, hash); ok && ch == c.chain {
				return
			}
		}
		full := an.detail()
		if full == nil || full.compact {
			add(Problem{CaseID: id, What: fmt.Sprintf("differs from the anchor log (%d event(s) anchored, last in anchor entry #%d), which could not be read again to say where", c.n, c.last)})
			return
		}
		an = full
	}
	hashes := make([]string, n)
	for i := range hashes {
		hashes[i] = hash(i)
	}
	checkAnchored(id, hashes, an.cases[id], an.shared, add)
}

// unapply takes the heads of entry n, the last line, back out of the replay.
func (an *anchored) unapply(n uint64, heads []string) {
	for _, h := range heads {
		ah, ok := parseAnchorHead(h)
		c := an.cases[ah.id]
		if !ok || c == nil || ah.seq > len(c.hashes) || c.entry[ah.seq-1] != n {
			continue
		}
		c.hashes[ah.seq-1], c.entry[ah.seq-1] = "", 0
		for len(c.hashes) > 0 && c.hashes[len(c.hashes)-1] == "" {
			c.hashes, c.entry = c.hashes[:len(c.hashes)-1], c.entry[:len(c.entry)-1]
		}
		if len(c.hashes) == 0 {
			delete(an.cases, ah.id)
		}
	}
}

// errWholeReplay: a compact replay met what only the whole replay can judge (an event
// anchored again, or a hash not written as the store writes them): the log is read again
// whole.
var errWholeReplay = errors.New("the anchor log needs its whole replay")

// apply adds an entry's heads to the replay. A compact replay returns errWholeReplay
// when it meets a head only the whole replay can judge.
func (an *anchored) apply(e AnchorEntry, add func(Problem)) error {
	if an.compact {
		for _, h := range e.Heads {
			ah, ok := parseAnchorHead(h)
			if !ok {
				add(Problem{What: fmt.Sprintf("anchor entry #%d: malformed head %q", e.N, h)})
				continue
			}
			if err := an.applyCompact(e.N, ah.id, ah.seq, ah.hash, add); err != nil {
				return err
			}
		}
		return nil
	}
	for _, h := range e.Heads {
		ah, ok := parseAnchorHead(h)
		if !ok {
			add(Problem{What: fmt.Sprintf("anchor entry #%d: malformed head %q", e.N, h)})
			continue
		}
		c := an.cases[ah.id]
		if c == nil {
			c = &anchoredCase{}
			an.cases[ah.id] = c
		}
		if an.shared && ah.seq > len(c.hashes)+1 {
			// events of other nodes between: not this log's to anchor
			for len(c.hashes) < ah.seq-1 {
				c.hashes, c.entry = append(c.hashes, ""), append(c.entry, 0)
			}
		}
		switch {
		case ah.seq == len(c.hashes)+1:
			c.hashes = append(c.hashes, ah.hash)
			c.entry = append(c.entry, e.N)
		case an.shared && ah.seq >= 1 && ah.seq <= len(c.hashes) && c.hashes[ah.seq-1] == "":
			c.hashes[ah.seq-1], c.entry[ah.seq-1] = ah.hash, e.N
		case ah.seq <= len(c.hashes) && c.hashes[ah.seq-1] == ah.hash:
		case ah.seq <= len(c.hashes):
			add(Problem{CaseID: ah.id, Seq: ah.seq, What: fmt.Sprintf("anchored again with another hash in anchor entry #%d (first in #%d): the history was rolled back or rewritten and then written on", e.N, c.entry[ah.seq-1])})
		default:
			add(Problem{CaseID: ah.id, Seq: ah.seq, What: fmt.Sprintf("anchor entry #%d skips events %d–%d", e.N, len(c.hashes)+1, ah.seq-1)})
		}
	}
	return nil
}

// applyCompact adds one head (parsed: id, seq, hash as written) to a compact replay, as
// apply adds it to the whole one (a log of a shared case base is never read compactly).
func applyCompact[T string | []byte](an *anchored, n uint64, id uint32, seq int, hash T, add func(Problem)) error {
	i, ok := an.at[id]
	if !ok {
		i = an.chains.add()
		an.at[id] = i
	}
	c := an.chains.of(i)
	switch {
	case seq == int(c.n)+1:
		var h [32]byte
		if !hexHash(&h, hash) {
			return errWholeReplay
		}
		c.chain.add(c.n, &h)
		c.n++
		c.last = n
	case seq <= int(c.n): // anchored again: the same hash, or another (a problem)
		return errWholeReplay
	default:
		add(Problem{CaseID: id, Seq: seq, What: fmt.Sprintf("anchor entry #%d skips events %d–%d", n, c.n+1, seq-1)})
	}
	return nil
}

func (an *anchored) applyCompact(n uint64, id uint32, seq int, hash string, add func(Problem)) error {
	return applyCompact(an, n, id, seq, hash, add)
}

// parseAnchorHeadBytes is parseAnchorHead of a head as the log's own bytes (no string
// made): the same heads are accepted, with the same id, sequence and hash.
func parseAnchorHeadBytes(h []byte) (id uint32, seq int, hash []byte, ok bool) {
	i := bytes.IndexByte(h, '/')
	if i < 0 {
		return 0, 0, nil, false
	}
	a, rest := h[:i], h[i+1:]
	j := bytes.IndexByte(rest, '/')
	if j < 0 {
		return 0, 0, nil, false
	}
	b, c := rest[:j], rest[j+1:]
	if len(c) != 64 || len(a) == 0 {
		return 0, 0, nil, false
	}
	var v uint64
	for _, d := range a { // strconv.ParseUint(a, 10, 32)
		if d < '0' || d > '9' {
			return 0, 0, nil, false
		}
		v = v*10 + uint64(d-'0')
		if v > 1<<32-1 {
			return 0, 0, nil, false
		}
	}
	if len(b) > 0 && b[0] == '+' { // strconv.Atoi takes a sign; a negative one is below 1
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 { // beyond 18 digits: out of int's range or far beyond any log
		if len(b) <= 18 {
			return 0, 0, nil, false
		}
		s, err := strconv.Atoi(string(b))
		if err != nil || s < 1 {
			return 0, 0, nil, false
		}
		return uint32(v), s, c, true
	}
	s := 0
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, 0, nil, false
		}
		s = s*10 + int(d-'0')
	}
	if s < 1 {
		return 0, 0, nil, false
	}
	return uint32(v), s, c, true
}

type anchoredCase struct {
	hashes []string
	entry  []uint64 // the entry that anchored each event
}

// readAnchors replays the log at path up to limit bytes (0: all), checking every
// signature with pub (nil: signatures are not checked, which is a problem) and that every
// entry follows the one before.
//
// lite reads only what Anchors reports (the number of entries and the last one): no
// heads, no signatures, no problems but an unreadable entry.
func readAnchors(path string, limit int64, pub ed25519.PublicKey, shared, lite bool) (*anchored, error) {
	mode := anchorsWhole
	if lite {
		mode = anchorsLite
	}
	return replayAnchors(path, limit, pub, shared, mode)
}

// anchorMode is how much of the log a replay keeps.
type anchorMode int

const (
	anchorsWhole   anchorMode = iota // every anchored hash of every case (anchored.cases)
	anchorsLite                      // the number of entries and the last one (Anchors)
	anchorsCompact                   // per case what Check compares (anchorChain)
)

// replayAnchors is readAnchors in mode. A compact replay of a shared case base's log,
// or of a log with an event anchored twice, is a whole one: the same findings either way.
func replayAnchors(path string, limit int64, pub ed25519.PublicKey, shared bool, mode anchorMode) (*anchored, error) {
	if mode == anchorsCompact && shared {
		mode = anchorsWhole
	}
	an, err := replayAnchorsAs(path, limit, pub, shared, mode)
	if errors.Is(err, errWholeReplay) {
		return replayAnchorsAs(path, limit, pub, shared, anchorsWhole)
	}
	return an, err
}

func replayAnchorsAs(path string, limit int64, pub ed25519.PublicKey, shared bool, mode anchorMode) (*anchored, error) {
	lite, compact := mode == anchorsLite, mode == anchorsCompact
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	switch {
	case limit > 0:
		r = io.LimitReader(f, limit)
	case limit < 0: // not one whole line yet
		r = io.LimitReader(f, 0)
	}
	an := &anchored{shared: shared, compact: compact}
	if compact {
		an.at = map[uint32]int32{}
	} else {
		an.cases = map[uint32]*anchoredCase{}
	}
	add := func(p Problem) {
		if len(an.probs) < 1000 {
			an.probs = append(an.probs, p)
		}
	}
	read := &countingReader{r: r}
	sc := bufio.NewScanner(read)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	prev := ""
	var prevN uint64
	var cut []byte     // a line without its heads, for the decoder (withoutHeads)
	var spans [][]byte // a compact replay's heads of the line, where they stand in it
	for sc.Scan() {
		line := sc.Bytes()
		an.lines++
		var e AnchorEntry
		var err error
		signed := false // the signature is verified already (the fast path)
		inLine := false // compact: the heads are spans, not e.Heads
		if lite || pub != nil {
			var l anchorEntryLite
			strict := false // compact: the heads found in one pass (strictHeadSpans)
			if compact {
				var hi, hj int
				if spans, hi, hj, strict = strictHeadSpans(spans[:0], line); strict {
					cut = append(append(cut[:0], line[:hi]...), line[hj:]...)
				}
			}
			if !strict {
				cut = withoutHeads(cut[:0], line)
			}
			if err = decodeJSON(cut, &l); err == nil {
				e = l.entry()
			}
			if err == nil && !lite {
				if compact {
					if strict {
						if signed = signedInPlace(pub, line, e); !signed {
							spans = spans[:0]
						}
					} else {
						spans, signed = canonicalHeadSpans(spans[:0], pub, line, e)
					}
					inLine = signed
				} else {
					e.Heads, signed = canonicalHeads(pub, line, e)
				}
				if !signed {
					e = AnchorEntry{}
					err = decodeJSON(line, &e)
				}
			}
		} else {
			err = decodeJSON(line, &e)
		}
		if err != nil {
			add(Problem{What: fmt.Sprintf("anchor log %s, line %d: unreadable entry", path, an.lines)})
			return an, nil
		}
		if lite {
			e.Heads = nil
			an.last = e
			continue
		}
		sig, _ := base64.StdEncoding.DecodeString(e.Sig)
		switch {
		case pub != nil && !signed && !signedOK(pub, line, e, sig):
			add(Problem{What: fmt.Sprintf("anchor entry #%d: bad signature — the anchor log was edited, or signed with another key", e.N)})
		case e.N != prevN+1:
			add(Problem{What: fmt.Sprintf("anchor entry #%d follows #%d: entries are missing or out of order", e.N, prevN)})
		case e.Prev != prev:
			add(Problem{What: fmt.Sprintf("anchor entry #%d does not follow the entry before it (prev hash differs): the log was edited", e.N)})
		}
		if e.Restart > 0 {
			add(Problem{What: fmt.Sprintf("anchor entry #%d (%s): the anchor log was started again although the database had been anchored up to entry #%d — the earlier log was missing; history before this point is anchored only from here",
				e.N, e.At.Local().Format(time.DateTime), e.Restart)})
		}
		heads := len(e.Heads) > 0
		if inLine {
			heads = len(spans) > 0
			for _, h := range spans {
				id, seq, hash, ok := parseAnchorHeadBytes(h)
				if !ok {
					add(Problem{What: fmt.Sprintf("anchor entry #%d: malformed head %q", e.N, h)})
					continue
				}
				if err := applyCompact(an, e.N, id, seq, hash, add); err != nil {
					return nil, err
				}
			}
		} else if err := an.apply(e, add); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(line)
		prev, prevN = hex.EncodeToString(sum[:]), e.N
		an.lineHeads = e.Heads
		if heads {
			an.headsBefore = an.lastHeads
			an.lastHeads = e
			an.lastHeads.Heads = nil
		}
		e.Heads = nil
		an.last = e
	}
	an.prevHash = prev
	if err := sc.Err(); err != nil {
		add(Problem{What: fmt.Sprintf("anchor log %s: %v", path, err)})
	} else if fi, err := f.Stat(); err == nil && !shared && !lite && endsLine(f, read.n) {
		an.seen = &anchorsSeen{path: path, file: fi, end: read.n, lines: an.lines, last: an.last}
	}
	return an, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// endsLine: the file's byte before at is a newline (or at is 0): at is the end of a
// whole line.
func endsLine(f *os.File, at int64) bool {
	if at == 0 {
		return true
	}
	var b [1]byte
	n, _ := f.ReadAt(b[:], at-1)
	return n == 1 && b[0] == '\n'
}

// anchorsAfter is what Anchors reports of the log at path as a lite replay would read
// it, from what a check saw of it (seen) and the lines appended since; ok false when the
// log is not the file seen, or shorter.
func anchorsAfter(path string, seen *anchorsSeen) (an *anchored, ok bool) {
	if seen == nil || seen.path != path {
		return nil, false
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !os.SameFile(fi, seen.file) || fi.Size() < seen.end || !endsLine(f, seen.end) {
		return nil, false
	}
	an = &anchored{cases: map[uint32]*anchoredCase{}, lines: seen.lines, last: seen.last}
	sc := bufio.NewScanner(io.NewSectionReader(f, seen.end, fi.Size()-seen.end))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var cut []byte
	for sc.Scan() {
		an.lines++
		var l anchorEntryLite
		cut = withoutHeads(cut[:0], sc.Bytes())
		if decodeJSON(cut, &l) != nil {
			return an, true
		}
		an.last = l.entry()
	}
	return an, true
}

// anchorEntryLite is an AnchorEntry without its heads, which a decoder then skips.
type anchorEntryLite struct {
	N       uint64    `json:"n"`
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	Restart uint64    `json:"restart,omitempty"`
	Cases   int       `json:"cases"`
	Events  uint64    `json:"events"`
	Ahead   bool      `json:"ahead,omitempty"`
	Prev    string    `json:"prev"`
	Sig     string    `json:"sig,omitempty"`
}

// withoutHeads appends to buf the log line without its heads (`,"heads":[…]`) when they
// are written as the log writes them — quoted "id/seq/hash" of digits, slashes and hex,
// one after the other — and the whole line otherwise. Decoded into an anchorEntryLite,
// which skips the heads, both give the same entry; the short one spares the decoder
// copying and passing over a line of megabytes (one entry anchors thousands of cases).
func withoutHeads(buf, line []byte) []byte {
	const open, closing = `,"heads":["`, `"],"prev":"`
	i := bytes.Index(line, []byte(open))
	j := bytes.LastIndex(line, []byte(closing))
	if i < 0 || j < i+len(open) {
		return append(buf, line...)
	}
	span := line[i+len(open) : j] // h1","h2",…,"hn
	for k := 0; k < len(span); k++ {
		switch c := span[k]; {
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '/':
		case c == '"' && k+2 < len(span) && span[k+1] == ',' && span[k+2] == '"' && k > 0 && span[k-1] != '"':
			k += 2 // the `","` between two heads
		default:
			return append(buf, line...)
		}
	}
	if len(span) == 0 || span[len(span)-1] == '"' {
		return append(buf, line...)
	}
	return append(append(buf, line[:i]...), line[j+len(`"]`):]...)
}

func (l anchorEntryLite) entry() AnchorEntry {
	return AnchorEntry{N: l.N, At: l.At, Kind: l.Kind, Restart: l.Restart, Cases: l.Cases, Events: l.Events, Ahead: l.Ahead, Prev: l.Prev, Sig: l.Sig}
}

// signedOK reports whether sig signs the entry e, read from line. The signed bytes are
// e's JSON without its signature (AnchorEntry.signed). The log writes each line as
// exactly that JSON with `,"sig":"…"` before its closing brace, so those bytes are
// usually the line without that field: verified as they are, they spare encoding the
// entry again (most of a long log's reading). When they do not verify (a line written
// some other way), the entry is encoded again and verified, as it always was; the
// verdict is the same, since a signature that verifies over the line's own bytes is
// one made over exactly the bytes the entry was decoded from.
func signedOK(pub ed25519.PublicKey, line []byte, e AnchorEntry, sig []byte) bool {
	tail := `,"sig":"` + e.Sig + `"}`
	if e.Sig != "" && len(line) > len(tail) && string(line[len(line)-len(tail):]) == tail {
		if verifyAsSigned(pub, line, len(tail), sig) {
			return true
		}
	}
	return ed25519.Verify(pub, e.signed(), sig)
}

// verifyAsSigned verifies sig over the line without its last tail bytes (its
// `,"sig":"…"}`) closed by a '}': the bytes that were signed. They are verified where
// they stand — the byte after them is set to '}' meanwhile and put back after — instead
// of being copied (a line can be megabytes long).
func verifyAsSigned(pub ed25519.PublicKey, line []byte, tail int, sig []byte) bool {
	at := len(line) - tail
	was := line[at]
	line[at] = '}'
	ok := ed25519.Verify(pub, line[:at+1], sig)
	line[at] = was
	return ok
}

// canonicalHeads reads the heads of a log line whose signature verifies over the line's
// own bytes (see signedOK): e is the line decoded without its heads. Such a line is
// exactly the JSON the log wrote (json.Marshal of an AnchorEntry: its fields in order,
// the heads between `"heads":[` and `],"prev":"`, each a quoted "id/seq/hash" of digits,
// slashes and hex, which JSON writes without escapes). Reading them here spares
// decoding hundreds of thousands of strings one by one, the most of reading a long log.
// ok is false when the line is not such a line or its signature does not verify that
// way: the caller then decodes it whole and verifies it as it always did.
func canonicalHeads(pub ed25519.PublicKey, line []byte, e AnchorEntry) (heads []string, ok bool) {
	spans, ok := canonicalHeadSpans(nil, pub, line, e)
	if !ok || len(spans) == 0 {
		return nil, ok
	}
	// One string for all of them, each head a part of it, as the line holds them (the
	// spans are parts of line: a span starts cap(line)-cap(span) bytes into it).
	from := cap(line) - cap(spans[0])
	last := spans[len(spans)-1]
	all := string(line[from : cap(line)-cap(last)+len(last)])
	heads = make([]string, len(spans))
	for i, h := range spans {
		at := cap(line) - cap(h) - from
		heads[i] = all[at : at+len(h)]
	}
	return heads, true
}

// signedInPlace reports whether the line's signature (e.Sig, e the line decoded) verifies
// over the line's own bytes, as the log writes them (see signedOK).
func signedInPlace(pub ed25519.PublicKey, line []byte, e AnchorEntry) bool {
	sig, err := base64.StdEncoding.DecodeString(e.Sig)
	if err != nil || e.Sig == "" {
		return false
	}
	tail := `,"sig":"` + e.Sig + `"}`
	if len(line) <= len(tail) || string(line[len(line)-len(tail):]) != tail {
		return false
	}
	return verifyAsSigned(pub, line, len(tail), sig)
}

// headByte: the bytes a head is written with ("id/seq/hash": digits, slashes, hex).
var headByte = func() (t [256]bool) {
	for _, c := range []byte("0123456789abcdef/") {
		t[c] = true
	}
	return t
}()

// strictHeadSpans finds, in one pass, the heads of a line written as the log writes
// them: between `,"heads":["` (its first) and `"],"prev":"` (its last), non-empty
// heads of digits, slashes and hex separated by `","`. When it does (ok), withoutHeads
// cuts the line to line[:hi]+line[hj:] and canonicalHeadSpans, once the signature
// verifies, finds these heads: the replay reads the line once instead of twice.
// Otherwise the caller takes those two.
func strictHeadSpans(buf [][]byte, line []byte) (heads [][]byte, hi, hj int, ok bool) {
	const open, closing = `,"heads":["`, `"],"prev":"`
	i := bytes.Index(line, []byte(open))
	if i < 0 {
		return buf, 0, 0, false
	}
	j := bytes.LastIndex(line, []byte(closing))
	if j < i+len(open) {
		return buf, 0, 0, false
	}
	heads = buf
	for span := line[i+len(open) : j]; ; {
		q := bytes.IndexByte(span, '"')
		h := span
		if q >= 0 {
			h = span[:q]
		}
		if len(h) == 0 {
			return buf[:0], 0, 0, false
		}
		for _, c := range h {
			if !headByte[c] {
				return buf[:0], 0, 0, false
			}
		}
		heads = append(heads, h)
		if q < 0 {
			break
		}
		if len(span) < q+3 || span[q+1] != ',' || span[q+2] != '"' {
			return buf[:0], 0, 0, false
		}
		span = span[q+3:]
	}
	return heads, i, j + len(`"]`), true
}

// canonicalHeadSpans is canonicalHeads as parts of line (appended to buf), for a replay
// that keeps no string of them.
func canonicalHeadSpans(buf [][]byte, pub ed25519.PublicKey, line []byte, e AnchorEntry) (heads [][]byte, ok bool) {
	if !signedInPlace(pub, line, e) {
		return buf, false
	}
	const open, closing = `,"heads":["`, `"],"prev":"`
	i := bytes.Index(line, []byte(open))
	if i < 0 {
		// No heads: then the line must not name any (a line written some other way).
		if bytes.Contains(line, []byte(`"heads"`)) {
			return buf, false
		}
		return buf, true
	}
	j := bytes.LastIndex(line, []byte(closing))
	if j < i+len(open) {
		return buf, false
	}
	span := line[i+len(open) : j] // h1","h2",…,"hn
	for _, c := range span {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '/' || c == '"' || c == ',') {
			return buf, false
		}
	}
	sep := []byte(`","`)
	heads = buf
	for all := span; len(all) > 0; {
		h, rest, more := bytes.Cut(all, sep)
		if bytes.IndexByte(h, '"') >= 0 || bytes.IndexByte(h, ',') >= 0 {
			return buf[:0], false
		}
		heads = append(heads, h)
		if !more {
			break
		}
		if len(rest) == 0 {
			return buf[:0], false
		}
		all = rest
	}
	return heads, true
}

// AnchorInfo describes the anchor log, for repairdesk check.
type AnchorInfo struct {
	Log      string
	Entries  int
	Last     AnchorEntry
	PubFrom  string // the public key's file, or why there is none
	Key      string // its fingerprint; "" when signatures were not checked
	Anchored bool   // the database names an anchor entry (it was written with anchors)
	// Shared: a PostgreSQL case base, where the log is this node's; Nodes: the key
	// fingerprints of every node that anchored it.
	Shared bool
	Nodes  []string
}

// Anchors reports the anchor log as Check sees it.
func (s *Store) Anchors() AnchorInfo {
	info := AnchorInfo{Log: AnchorLogPath(s.anchorFiles(), s.opts), Shared: s.Shared()}
	pub, _ := s.anchorPub()
	_ = s.view(func(tx kv.Tx) error {
		if k := anchorNextKey(s.Shared(), pub); k != nil {
			info.Anchored = tx.Bucket(bMeta).Get(k) != nil
		}
		if s.Shared() {
			c := tx.Bucket(bMeta).Cursor()
			prefix := append(append([]byte{}, metaAnchorNext...), '/')
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				info.Nodes = append(info.Nodes, string(k[len(prefix):]))
			}
		}
		if an, _ := s.anchorsFor(tx, 0, anchorsLite); an != nil {
			info.Entries, info.Last, info.PubFrom, info.Key = an.lines, an.last, an.pub, an.fp
		}
		return nil
	})
	return info
}

// anchorLimit: the log's size now, so that a Check running beside writers reads only
// entries of transactions it can see. Called with writeMu held. A check of a shared case
// base from another process (the node appends meanwhile) takes the log's whole lines up
// to now, before its read transaction begins: an entry is appended after its
// transaction committed, so every entry within is visible to the check.
func (s *Store) anchorLimit() int64 {
	if s.anch == nil {
		if s.Shared() && !s.opts.NoAnchors {
			return wholeLines(AnchorLogPath(s.anchorFiles(), s.opts))
		}
		return 0
	}
	if fi, err := s.anch.f.Stat(); err == nil {
		return fi.Size()
	}
	return 0
}

// wholeLines is the length of the file at path up to the end of its last whole line (0
// when it cannot be read: then everything is read, as without a limit).
func wholeLines(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return 0
	}
	buf := make([]byte, 64<<10)
	for end := fi.Size(); end > 0; {
		start := max(0, end-int64(len(buf)))
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && n < int(end-start) {
			return 0
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return start + int64(i) + 1
		}
		end = start
	}
	return -1 // no whole line yet: nothing to read
}

// checkAnchored compares one case's stored chain with the anchored one.
func checkAnchored(id uint32, evs []string, ac *anchoredCase, shared bool, add func(Problem)) bool {
	if shared {
		return checkAnchoredShared(id, evs, ac, add)
	}
	if ac == nil {
		add(Problem{CaseID: id, Seq: 0, What: "this case is not in the anchor log: it was written without the anchor key (inserted behind repairdesk's back)"})
		return false
	}
	n := min(len(evs), len(ac.hashes))
	for i := range n {
		if evs[i] != ac.hashes[i] {
			add(Problem{CaseID: id, Seq: i + 1, What: fmt.Sprintf("rewritten after it was anchored: its hash differs from anchor entry #%d (the event was changed and the chain re-hashed)", ac.entry[i])})
			return false
		}
	}
	if len(evs) < len(ac.hashes) {
		add(Problem{CaseID: id, Seq: len(evs) + 1, What: fmt.Sprintf("events %d–%d were anchored (last in anchor entry #%d) but are missing: deleted, or an older copy of the file",
			len(evs)+1, len(ac.hashes), ac.entry[len(ac.entry)-1])})
		return false
	}
	if len(evs) > len(ac.hashes) {
		add(Problem{CaseID: id, Seq: len(ac.hashes) + 1, What: "not in the anchor log: written without the anchor key (inserted behind repairdesk's back)"})
		return false
	}
	return true
}

// checkAnchoredShared: one node's log of a shared case base. What it anchored must be
// there as anchored; what it did not (other nodes' events, or events after the log was
// read) is that other node's log to vouch for.
func checkAnchoredShared(id uint32, evs []string, ac *anchoredCase, add func(Problem)) bool {
	if ac == nil {
		return true
	}
	for i, h := range ac.hashes {
		if h == "" {
			continue
		}
		if i >= len(evs) {
			add(Problem{CaseID: id, Seq: i + 1, What: fmt.Sprintf("events %d–%d were anchored (last in anchor entry #%d) but are missing: deleted, or an older copy of the case base",
				i+1, len(ac.hashes), ac.entry[len(ac.entry)-1])})
			return false
		}
		if evs[i] != h {
			add(Problem{CaseID: id, Seq: i + 1, What: fmt.Sprintf("rewritten after it was anchored: its hash differs from anchor entry #%d (the event was changed and the chain re-hashed)", ac.entry[i])})
			return false
		}
	}
	return true
}

// anchorDone appends the staged entry after its transaction committed (err == nil), or
// forgets it. A failed append does not undo the transaction; Check reports it, and the
// next writable Open appends the entry from the meta bucket.
func (s *Store) anchorDone(err error) {
	if s.anch == nil {
		if err == nil && s.anchorBusy != "" {
			s.unanchored.Add(1)
		}
		return
	}
	if err != nil {
		s.anch.reset()
		return
	}
	if aerr := s.anch.commit(); aerr != nil {
		msg := aerr.Error()
		s.anchorFail.Store(&msg)
	}
}

// anchorDoneLater is anchorDone for a group commit: on a shared case base the entry's
// fsync runs while the node's next group does (anchorer.commitLater); the returned
// channel (nil: nothing pending) is closed when it is done, and the group's actions are
// answered then.
func (s *Store) anchorDoneLater(err error) <-chan struct{} {
	if s.anch == nil || err != nil || !s.anch.syncLater {
		s.anchorDone(err)
		return nil
	}
	ch, aerr := s.anch.commitLater()
	if aerr != nil {
		msg := aerr.Error()
		s.anchorFail.Store(&msg)
	}
	return ch
}

// AnchorsSkipped says whether this store writes without anchoring because a node of this
// machine holds its anchor log (Options.AnchorsIfFree): the log's path, and how many case
// writes (a new case, a group of actions, an import batch) went into no anchor log.
func (s *Store) AnchorsSkipped() (log string, writes int64) {
	return s.anchorBusy, s.unanchored.Load()
}

func (s *Store) closeAnchors() {
	if s.anch != nil {
		s.anch.waitSynced()
		s.anch.f.Close()
		if s.anch.cp != nil {
			s.anch.cp.Close()
		}
		s.anch = nil
	}
}

// anchorsFor reads the anchor log for a Check in tx: the replay (nil when the database
// was never anchored and there is no log) and the problems of the log itself, including a
// database that is behind it (an older copy put back). A compact replay (anchorsCompact)
// reads the log again whole for anchored.detail, within tx: call it before tx ends.
func (s *Store) anchorsFor(tx kv.Tx, limit int64, mode anchorMode) (*anchored, []Problem) {
	if s.opts.NoAnchors {
		return nil, nil
	}
	path := AnchorLogPath(s.anchorFiles(), s.opts)
	pub, from := s.anchorPub()
	var dbEntry *AnchorEntry
	if k := anchorNextKey(s.Shared(), pub); k != nil {
		if raw := tx.Bucket(bMeta).Get(k); raw != nil {
			var e AnchorEntry
			if decodeJSON(raw, &e) == nil {
				dbEntry = &e
			}
		}
	}
	var an *anchored
	var err error
	after, ok := (*anchored)(nil), false
	if mode == anchorsLite && limit == 0 {
		after, ok = anchorsAfter(path, s.anchorsSeen.Load())
	}
	if ok {
		an = after
	} else {
		an, err = replayAnchors(path, limit, pub, s.Shared(), mode)
	}
	if errors.Is(err, fs.ErrNotExist) {
		if dbEntry != nil {
			return nil, []Problem{{What: fmt.Sprintf("the anchor log %s is missing, but the database was anchored up to entry #%d: deleted or moved — nothing can be checked against it (use --anchor-log for a copy)", path, dbEntry.N)}}
		}
		return nil, nil // never anchored (written by an older repairdesk, or never opened for writing)
	}
	if err != nil {
		return nil, []Problem{{What: fmt.Sprintf("the anchor log %s cannot be read: %v", path, err)}}
	}
	probs := an.probs
	an.pub = from
	if pub != nil {
		an.fp = KeyFingerprint(pub)
	}
	if pub == nil {
		probs = append(probs, Problem{What: "anchor signatures not checked: " + from})
	}
	if p := s.anchorFail.Load(); p != nil {
		probs = append(probs, Problem{What: "an anchor could not be written: " + *p})
	}
	if s.Shared() && dbEntry != nil && an.last.Kind == "commit" && an.last.Ahead && an.lastHeads.N == an.last.N && an.last.N > dbEntry.N {
		// The node's last entry is beyond what the case base holds of it: written beside
		// its transaction's COMMIT (writeAhead), which is under way or never happened (the
		// node stopped; its next open cuts the entry off). Its events are not counted as
		// anchored; an older entry beyond the case base is still a rollback (below).
		an.unapply(an.last.N, an.lineHeads)
		an.lastHeads = an.headsBefore
	}
	an.lineHeads = nil
	switch {
	case dbEntry == nil:
		if an.lines > 0 {
			probs = append(probs, Problem{What: fmt.Sprintf("the database names no anchor entry, but the anchor log %s has %d: the file was replaced by one never anchored, or its record of the anchors was removed", path, an.lines)})
		}
	case dbEntry.N == an.last.N+1 && dbEntry.Prev == an.prevHash && dbEntry.Kind == "commit":
		// The last transaction committed and the process stopped before its entry was
		// appended: the next writable open appends it. Its events count as anchored.
		if err := an.apply(*dbEntry, func(p Problem) { probs = append(probs, p) }); errors.Is(err, errWholeReplay) {
			return s.anchorsFor(tx, limit, anchorsWhole)
		}
	case dbEntry.N > an.last.N:
		probs = append(probs, Problem{What: fmt.Sprintf("the database was anchored up to entry #%d, but the anchor log %s ends at #%d: the log was cut short or replaced by an older one", dbEntry.N, path, an.last.N)})
	case an.lastHeads.N > dbEntry.N:
		l := an.lastHeads
		probs = append(probs, Problem{What: fmt.Sprintf("rollback: the database is behind its anchor log — it was last written at anchor entry #%d, but entry #%d (%s) anchors %d cases and %d events: an older copy of the file was put back, or its newest transactions were removed",
			dbEntry.N, l.N, l.At.Local().Format(time.DateTime), l.Cases, l.Events)})
	}
	an.probs = nil
	if an.compact {
		an.detail = sync.OnceValue(func() *anchored {
			full, _ := s.anchorsFor(tx, limit, anchorsWhole)
			return full
		})
	}
	return an, probs
}

// CopyAnchors writes, for copyDB (a copy of the database whose anchor log is liveLog),
// the anchor log that matches it to dest: the live log's entries up to the one the copy
// names, as the copy was taken while the log went on growing. It writes nothing and
// returns false when the copy was never anchored or the live log is missing.
func CopyAnchors(liveLog, copyDB, dest string) (bool, error) {
	db, err := bolt.Open(copyDB, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return false, err
	}
	var upTo uint64
	unreadable := false // anchor state present but not readable: damaged
	// The copy may be damaged (the check of the copy that follows says where): bbolt's
	// panic on a damaged page is caught, and the anchor state counts as unreadable.
	err = shieldDB(db, copyDB, string(bMeta), 0, func() error {
		return kv.Bolt(db).View(func(tx kv.Tx) error {
			if m := tx.Bucket(bMeta); m != nil {
				var e AnchorEntry
				if raw := m.Get(metaAnchorNext); raw != nil {
					if decodeJSON(raw, &e) == nil {
						upTo = e.N
					} else {
						unreadable = true
					}
				}
			}
			return nil
		})
	})
	if err != nil {
		upTo, unreadable = 0, true
	}
	db.Close()
	in, err := os.Open(liveLog)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if upTo == 0 {
		// The copy names no entry. Either the database was never anchored (no log: handled
		// above), or its anchor state is missing or damaged while a log exists: carry the
		// whole log, so that the copy is verified as Check verifies the source — against
		// the log — and not quietly without anchors.
		if fi, serr := in.Stat(); err == nil && serr == nil && fi.Size() == 0 && !unreadable {
			in.Close()
			return false, nil
		}
		upTo = ^uint64(0)
	}
	if err != nil {
		return false, err
	}
	defer in.Close()
	out, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return false, err
	}
	w := bufio.NewWriter(out)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e struct {
			N uint64 `json:"n"`
		}
		// decodeJSON: about as strict, and it skips the heads far faster (a long log
		// took about a second here).
		if decodeJSON(sc.Bytes(), &e) != nil || e.N > upTo {
			break
		}
		w.Write(sc.Bytes())
		w.WriteByte('\n')
	}
	err = sc.Err()
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dest)
		return false, err
	}
	return true, nil
}
