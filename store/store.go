// Package store keeps repairdesk's data in one bbolt file: cases, their immutable events,
// staff, enterprise filings, settings and sequences. Every change to a case goes through
// one write path (Apply) that checks the expected version, lets the workflow engine apply
// the action and saves the case with its event in the same transaction.
package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

	"repairdesk/internal/msg"
	"repairdesk/store/kv"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/workflow"
	"repairdesk/workflow/search"
)

// SchemaVersion is the layout this program writes. Older files are migrated at open;
// newer ones are refused.
const SchemaVersion = 5

// oldestReadable is the oldest schema a read-only open reads as it is (schemas 2 to 4
// differ from 5 only in how values are encoded and events keyed, and all are read).
const oldestReadable = 2

var (
	bMeta        = []byte("meta")
	bCases       = []byte("cases")
	bEvents      = []byte("events")
	bSums        = []byte("summaries")
	bStaff       = []byte("staff")
	bEnterprises = []byte("enterprises")
	bSettings    = []byte("settings")
	bAudit       = []byte("audit")
	allBuckets   = [][]byte{bMeta, bCases, bEvents, bSums, bStaff, bEnterprises, bSettings, bAudit}
)

// Options for Open.
type Options struct {
	// Timeout for the file lock; a second process fails after it instead of hanging.
	Timeout  time.Duration
	ReadOnly bool
	// Mode and Listen describe this process for a second one that finds the file locked.
	Mode   string // "console" or "serve"
	Listen string
	// ControlGroup, when set, is the OS group whose members may use the control socket
	// too (serve --control-group): the socket is then that group's, mode 0660. Who runs a
	// command is still the peer's uid from the kernel, mapped to a staff member.
	ControlGroup string
	// Now overrides the clock (tests, demo generation).
	Now func() time.Time
	// KeyFile seals personal data (crypto.go); default $REPAIRDESK_KEY, else "<path>.key".
	KeyFile string
	// The anchor log (anchor.go): AnchorLog, default "<path>.anchors"; AnchorKey, its
	// signing key, default "<path>.anchor-key"; AnchorPub, the public key Check uses,
	// default "<AnchorKey>.pub"; AnchorCopy, a directory that receives a copy of every
	// entry. NoAnchors writes no anchors (benchmarks that measure their cost).
	AnchorLog, AnchorKey, AnchorPub, AnchorCopy string
	NoAnchors                                   bool
	// AnchorsIfFree: on a shared case base, a command run beside a node of this machine
	// that writes the same anchor log goes on without anchoring (its writes are staff and
	// settings, or an import that the node's check does not vouch for).
	AnchorsIfFree bool
	// AnchorBesideCommit: on a shared (PostgreSQL) case base, a group's anchor entry is
	// written and fsynced while its COMMIT is under way, instead of after it (README,
	// "Several offices: the anchor entry written beside the commit"). It saves one disk wait
	// per group, at a cost in evidence: a node's last group before a stop is then taken on
	// the case base's word in both directions (SECURITY.md). Off by default.
	AnchorBesideCommit bool
	// NoNotify: a shared (PostgreSQL) store's engine has no LISTEN/NOTIFY; the change
	// feed is then only polled (FeedPoll, default 250 ms).
	NoNotify bool
	FeedPoll time.Duration
	// Memory lets the program tune the garbage collector around loads (see MemoryHints).
	// The store never changes process-wide settings itself: many stores, and tests, may
	// share one process.
	Memory MemoryHints
	// Progress hears how far long work goes: at open, the one-time conversion of a bbolt
	// file of an older schema ("convert": bytes of the old file copied, of its size),
	// cutting the long case histories of a PostgreSQL case base of schema 4 into chunks
	// ("chunks": cases, by id),
	// building the results table's aggregates of a file written before they existed
	// ("results"), and Check ("check"): done of total cases, from 0 to total. At open it
	// is called from the goroutine of Open.
	Progress func(what string, done, total int64)
	// Context stops Check early (Ctrl+C); nil never does.
	Context context.Context
	// OpenContext stops a long Open — the one-time conversion of an older file — with the
	// file left as it was (ErrConvertInterrupted); nil never does.
	OpenContext context.Context
	// LoadFirst is how many of the newest cases Open loads before it returns; the rest are
	// loaded behind (sumload.go). 0: 16,384. LoadPause, when set (tests), is called by
	// that loader after it read each later batch and before it installs it, with the
	// number of cases installed so far.
	LoadFirst int
	LoadPause func(done int)
	// IndexOnDemand builds the search index at the first search instead of after the
	// load at open: the bulk tools (export, check, backup's verification) never search,
	// and at 100,000 cases the build was about a CPU-second of each.
	IndexOnDemand bool
	// NoSummaries loads no summaries at open: Snapshot is empty. For check (the command,
	// and backup's check of its copy), which reads every case itself and never shows a
	// queue: at a million cases the summaries were about 430 MB of its heap.
	NoSummaries bool
	// anchorLogReady, when set, is waited for by Check before it reads the anchor log;
	// false: there is no log to read (as with NoAnchors). BackupFile writes the log it
	// checks the snapshot against beside the check's start.
	anchorLogReady func() bool
}

// work is the store's Progress and Context as a Work.
func (s *Store) work() Work { return Work{Context: s.opts.Context, Progress: s.opts.Progress} }

// MemoryHints are called around the loads that allocate much and keep all of it (the
// summaries at open, and again after a demo load). Either may be nil.
type MemoryHints struct {
	// Hold is called as a load of the summaries starts, which allocates about 1 KB per
	// case that all stays live; the function it returns is called as the load ends.
	// Holding the collector off meanwhile (debug.SetGCPercent(-1)) saves it marking the
	// growing heap again and again.
	Hold func() (release func())
	// Settled is called once a big load (20,000 cases and more) is indexed: the garbage
	// it left could be handed back to the OS (debug.FreeOSMemory).
	Settled func()
}

// Store is safe for concurrent use by many sessions of one process.
type Store struct {
	db    kv.DB
	path  string
	opts  Options
	rules workflow.Rules
	cat   workflow.Catalogue
	keys  *keyring  // seals personal fields (crypto.go)
	anch  *anchorer // the anchor log (anchor.go); nil when read-only

	// anchorFail: the last anchor append that failed (reported by Check).
	anchorFail atomic.Pointer[string]
	// anchorsSeen: how far the last Check read the anchor log, for Anchors (anchor.go).
	anchorsSeen atomic.Pointer[anchorsSeen]
	// anchorBusy: the anchor log a node of this machine holds, so that this store (a
	// command beside it, Options.AnchorsIfFree) writes without anchoring; unanchored
	// counts the case writes it made so (AnchorsSkipped).
	anchorBusy string
	unanchored atomic.Int64

	writeMu  sync.Mutex // serialises Apply so version checks and sequences are exact
	importMu sync.Mutex // one import at a time (BeginImport)

	// Group commit (Apply): actions waiting to be written, and the writer's turn.
	commitMu   sync.Mutex
	commitQ    []*applyReq
	commitTurn chan struct{} // capacity 1: whoever sends into it writes the queue
	turnsTaken atomic.Uint64 // times the turn was taken (tests: nobody spins on it)
	// gather (a shared case base): the node's last group, and, while the turn's holder
	// waits for company, the queue's length it waits for and the channel closed then.
	lastGroup    *answering
	gatherWant   int
	gathered     chan struct{}
	gatherWait   time.Duration              // gatherWait; tests change it
	gathers      atomic.Uint64              // turns that waited in gather
	groupSplits  atomic.Uint64              // group commits split after losing a serialization race (applyGroup)
	serialGroups atomic.Uint64              // group commits run SERIALIZABLE after REPEATABLE READ was not enough (applyAll)
	ctimes       commitTimes                // where group commits spend their time (CommitTimes)
	afterSave    func(*workflow.Case) error // tests: fail a transaction after a case was written
	wrote        wroteMemo                  // what this node's commits wrote last, for its next ones

	settings atomic.Pointer[Settings]
	judge    atomic.Pointer[judgeFor] // the late judge of the settings a transaction read (lateJudgeIn)
	// aggNode prefixes the results rows this node writes on a shared case base (nodeTag);
	// nil on a file.
	aggNode []byte
	health  atomic.Pointer[BackupHealth] // the scheduled backups' last word (backuphealth.go)
	snap    atomic.Pointer[Snapshot]
	sumMu   sync.Mutex // guards rebuilding snap
	index   *search.Index
	// loadWait, while the summaries are still loading at open, is closed when they are all
	// in (sumload.go).
	loadWait atomic.Pointer[chan struct{}]
	// The search index's build: until ixReady, commits' index updates wait in ixPending.
	ixMu      sync.Mutex
	ixReady   bool
	ixPending []uint32
	reindexed atomic.Uint64 // cases whose index entry commits and the feed changed (tests)
	// With Options.IndexOnDemand: the build the load left for the first search
	// (ixLater), and whether a search has asked for the index (ixWanted).
	// checkedKeys: the keys of the cases bucket the last whole walk of Check met
	// (-1 before one), the count VerifyFile reports without walking the file again.
	checkedKeys atomic.Int64
	// walkedKeys: the keys the last walk of Check met, whole or stopped by a damage
	// (the count a check without summaries reports of a damaged file).
	walkedKeys  atomic.Int64
	ixLater     func()
	ixLaterDone chan struct{}
	ixWanted    bool

	// The change feed of a shared (PostgreSQL) store: feed.go.
	feed feedState

	subMu  sync.Mutex
	subs   map[int]chan Change
	nextID int
	closed atomic.Bool
}

// LockedError: the file is open in another process.
type LockedError struct {
	Path   string
	PID    int
	Mode   string
	Listen string
}

func (e *LockedError) Error() string { return e.Message("en") }

// Message says where the database is in use and what to do, in lang.
func (e *LockedError) Message(lang string) string {
	if e.Mode == "serve" {
		host, port := splitHostPort(e.Listen)
		return msg.T(lang, "store.locked_serve", e.Path, e.PID, port, host)
	}
	if e.PID > 0 {
		return msg.T(lang, "store.locked_console", e.Path, e.PID)
	}
	return msg.T(lang, "store.locked_other", e.Path)
}

func splitHostPort(listen string) (string, string) {
	i := strings.LastIndex(listen, ":")
	if i < 0 {
		return listen, "23234"
	}
	host := listen[:i]
	if host == "" || host == "0.0.0.0" || host == "::" || host == "[::]" {
		if h, err := os.Hostname(); err == nil {
			host = h
		}
	}
	return host, listen[i+1:]
}

// lockInfo sits beside the database so a second process can say who holds it.
type lockInfo struct {
	PID    int    `json:"pid"`
	Mode   string `json:"mode"`
	Listen string `json:"listen,omitempty"`
}

func lockPath(path string) string { return path + ".lock" }

// holderAlive reports whether the lock info beside path names another process that is
// still running.
func holderAlive(path string) bool {
	b, err := os.ReadFile(lockPath(path))
	if err != nil {
		return false
	}
	var li lockInfo
	if json.Unmarshal(b, &li) != nil || li.PID <= 0 || li.PID == os.Getpid() {
		return false
	}
	p, err := os.FindProcess(li.PID)
	if err != nil {
		return false
	}
	return p.Signal(syscall.Signal(0)) == nil
}

// Open opens or creates the database at path. A damaged file is a *DamageError: it is
// validated before bbolt maps it (damage.go), and the reads of the open itself run
// shielded, so a damage they meet is reported instead of crashing.
func Open(path string, opts Options) (st *Store, err error) {
	if kv.IsPostgres(path) {
		return openPG(path, opts)
	}
	if err := validateUnlocked(path); err != nil {
		return nil, err
	}
	var db *bolt.DB
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			d := damageOf(db, path, r, "", 0, debug.Stack())
			if db != nil {
				func() {
					defer func() { _ = recover() }()
					db.Close()
				}()
			}
			if d == nil {
				panic(r)
			}
			st, err = nil, d
		}
	}()
	return open(path, opts, &db)
}

// open is Open; *dbp is the bolt database it has open, for Open to close after a panic.
func open(path string, opts Options, dbp **bolt.DB) (*Store, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Mode == "" {
		opts.Mode = "console"
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create the data directory: %w", err)
		}
	}
	timeout := opts.Timeout
	if holderAlive(path) {
		// Another live repairdesk holds the file: say so at once instead of waiting.
		timeout = min(timeout, 150*time.Millisecond)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: opts.ReadOnly, FreelistType: bolt.FreelistMapType, PageSize: filePageSize})
	*dbp = db
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			le := &LockedError{Path: path}
			if b, rerr := os.ReadFile(lockPath(path)); rerr == nil {
				var li lockInfo
				if json.Unmarshal(b, &li) == nil {
					le.PID, le.Mode, le.Listen = li.PID, li.Mode, li.Listen
				}
			}
			return nil, le
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// The key file first: an open refused for it (missing, readable by others) must not
	// have converted the file on its way.
	keys, err := loadKeys(kv.Bolt(db), path, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	if keys.locked != nil && !opts.ReadOnly { // key missing or wrong: read-only, personal fields Locked
		db.Close()
		opts.ReadOnly = true
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, ReadOnly: true, FreelistType: bolt.FreelistMapType})
		*dbp = db
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	if !opts.ReadOnly {
		// A bbolt file of an older schema is converted once, into a new file renamed over
		// it (convert.go), while this one holds the lock.
		from, err := needsConversion(db)
		if err == nil && from == 4 {
			// Schema 4 → 5 in place: only the long histories are rewritten.
			var progress func(done, total int64)
			if opts.Progress != nil {
				progress = func(done, total int64) { opts.Progress("convert", done, total) }
			}
			if err := convertChunks(opts.OpenContext, db, progress); err != nil {
				db.Close()
				*dbp = nil
				return nil, err
			}
		} else if err == nil && from > 0 {
			var progress func(done, total int64)
			if opts.Progress != nil {
				progress = func(done, total int64) { opts.Progress("convert", done, total) }
			}
			err = convertFile(opts.OpenContext, db, path, progress)
			db.Close()
			*dbp = nil
			if err != nil {
				return nil, err
			}
			db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, FreelistType: bolt.FreelistMapType})
			*dbp = db
			if err != nil {
				return nil, fmt.Errorf("open %s: %w", path, err)
			}
		}
	}
	s := &Store{db: kv.Bolt(db), path: path, opts: opts, rules: workflow.DefaultRules(), cat: workflow.DefaultCatalogue(), commitTurn: make(chan struct{}, 1),
		index: search.New(), subs: map[int]chan Change{}, keys: keys}
	s.checkedKeys.Store(-1)
	if err := s.prepare(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.initKeys(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.openAnchors(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.loadSettings(); err != nil {
		s.closeAnchors()
		db.Close()
		return nil, err
	}
	if err := s.ensureResults(); err != nil {
		s.closeAnchors()
		db.Close()
		return nil, err
	}
	if err := s.loadSummariesInBackground(); err != nil {
		s.closeAnchors()
		db.Close()
		return nil, err
	}
	if !opts.ReadOnly {
		go warmCodec() // the first commit should not wait for the compressor's tables
		b, _ := json.Marshal(lockInfo{PID: os.Getpid(), Mode: opts.Mode, Listen: opts.Listen})
		_ = os.WriteFile(lockPath(path), b, 0o600)
	}
	return s, nil
}

// filePageSize is the page size of a file this program creates (bbolt keeps a file's
// own once it exists). A case's frame of events is about 2.5 KB (p50 at 100,000 demo
// cases, p90 3.5 KB): a 4 KB page held one frame and was 60–68% full, and a frame above
// a page spilled into overflow pages; a 16 KB page holds about six.
const filePageSize = 16 << 10

// ErrNewerSchema: the file was written by a newer repairdesk.
type SchemaError struct {
	Path       string
	File, Mine int
}

func (e *SchemaError) Error() string {
	if e.File < e.Mine {
		return fmt.Sprintf("the database %s has schema %d, older than this repairdesk (%d); open it once read-write to migrate it", e.Path, e.File, e.Mine)
	}
	return fmt.Sprintf("the database %s has schema %d, newer than this repairdesk understands (%d); upgrade repairdesk — the file was not changed", e.Path, e.File, e.Mine)
}

// migrations[n] upgrades a file from schema n to n+1.
var migrations = map[int]func(tx kv.Tx) error{
	// 1→2: summaries are stored in a compact binary layout. Old JSON summaries still
	// read and are rewritten at open, so nothing to do here; the version tells an older
	// repairdesk to upgrade instead of failing on the new layout.
	1: func(tx kv.Tx) error { return nil },
	// 2→3: cases and events compressed; convertFile rewrote a bbolt file before this. On
	// PostgreSQL (a database copied in by `repairdesk migrate` from an older file) the
	// values stay as they are: the JSON of schema 2 still reads, and new ones are written
	// compressed.
	2: func(tx kv.Tx) error { return nil },
	// 3→4: a case's events in one frame (events.go); convertFile rewrote a bbolt file
	// before this. On PostgreSQL the single events stay as they are and still read; a
	// case's next commit starts its frame.
	3: func(tx kv.Tx) error { return nil },
	// 4→5: a case's events in chunks (events.go); convertChunks rewrote a bbolt file's
	// long histories before this (nothing is left to do here). On PostgreSQL the same
	// rewrite runs here, in the open's one transaction: the cases of chunkEvents events
	// or more, and any single events of a base copied in from an older file, go into
	// chunks; a commit needs its case's events in chunks.
	4: func(tx kv.Tx) error { return chunkAll(tx, nil) },
}

func (s *Store) prepare() error {
	if s.opts.ReadOnly {
		return s.view(func(tx kv.Tx) error {
			v, err := schemaOf(tx)
			if err != nil {
				return err
			}
			if v < oldestReadable || v > SchemaVersion {
				return &SchemaError{Path: s.path, File: v, Mine: SchemaVersion}
			}
			// Every open for writing creates them: one missing is a damaged root page.
			for _, b := range allBuckets {
				if tx.Bucket(b) == nil {
					return damaged(s.path, -1, string(b), "the bucket is missing", "该桶缺失")
				}
			}
			return nil
		})
	}
	return s.update(func(tx kv.Tx) error {
		v, err := schemaOf(tx)
		if err != nil {
			return err
		}
		if v > SchemaVersion {
			return &SchemaError{Path: s.path, File: v, Mine: SchemaVersion}
		}
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if v == 0 { // a new file
			v = SchemaVersion
		}
		for ; v < SchemaVersion; v++ {
			m, ok := migrations[v]
			if !ok {
				return fmt.Errorf("no migration from schema %d", v)
			}
			if v == 4 && s.opts.Progress != nil {
				// The long histories of a PostgreSQL case base cut into chunks: a
				// progress line on a terminal ("chunks", in cases).
				m = func(tx kv.Tx) error {
					return chunkAll(tx, func(done, total int64) { s.opts.Progress("chunks", done, total) })
				}
			}
			if err := m(tx); err != nil {
				return fmt.Errorf("migrate schema %d→%d: %w", v, v+1, err)
			}
		}
		return tx.Bucket(bMeta).Put([]byte("schema"), []byte(strconv.Itoa(SchemaVersion)))
	})
}

func schemaOf(tx kv.Tx) (int, error) {
	m := tx.Bucket(bMeta)
	if m == nil {
		return 0, nil
	}
	raw := m.Get([]byte("schema"))
	if raw == nil {
		return 0, nil
	}
	v, err := strconv.Atoi(string(raw))
	if err != nil {
		return 0, fmt.Errorf("the database's schema version %q is unreadable", raw)
	}
	return v, nil
}

// Path of the database file.
func (s *Store) Path() string { return s.path }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.opts.Now() }

// Rules the engine applies.
func (s *Store) Rules() workflow.Rules { return s.rules }

// Catalogue of materials used at intake.
func (s *Store) Catalogue() workflow.Catalogue { return s.cat }

// Close releases the file. Subscribers' channels are closed.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.subMu.Lock()
	for id, ch := range s.subs {
		close(ch)
		delete(s.subs, id)
	}
	s.subMu.Unlock()
	if s.anch != nil {
		s.anch.close(s.opts.Now())
		s.anch = nil
	}
	s.feed.stop()
	if !s.opts.ReadOnly && kv.BoltDB(s.db) != nil {
		_ = os.Remove(lockPath(s.path))
	}
	return s.db.Close()
}

func u32(id uint32) []byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], id)
	return b[:]
}

func eventKey(id uint32, seq int) []byte {
	var b [8]byte
	binary.BigEndian.PutUint32(b[:4], id)
	binary.BigEndian.PutUint32(b[4:], uint32(seq))
	return b[:]
}

// ErrNotFound: no such case / staff member.
var ErrNotFound = errors.New("not found")

// ErrClosed: the store was closed (the server is stopping).
var ErrClosed = errors.New("the database is closed")
