package kv

// PostgreSQL as the store's database, so that several serve nodes share one case base.
//
// Three tables (created at open if missing):
//
//	rd_buckets(name text primary key, seq bigint)          one row per bucket, its sequence
//	rd_kv(bucket text, k bytea, v bytea, primary key(bucket, k))
//	rd_feed(seq bigint primary key, topic text, id bigint, node text, at timestamptz)
//	rd_feed_seq                                            the feed entries' numbers (a sequence)
//	rd_migrate(id, source, bucket, k, keys)                an unfinished migrate's mark
//
// bytea compares bytewise (shorter first on a common prefix), which is bbolt's key order,
// so cursors walk the same order on both. Update is a SERIALIZABLE transaction (lost
// updates are impossible) run again from the start on a serialization failure (SQLSTATE
// 40001) or a deadlock (40P01); UpdateRepeatableRead is the same at REPEATABLE READ, for
// the transactions whose invariants are shown to rest on rows they write or lock
// (LockShared). View is a REPEATABLE READ READ ONLY transaction: one consistent snapshot,
// as a bbolt read transaction, and never a serialization failure.
//
// SQL used, for the PostgreSQL-compatible engines (see docs): COPY … FROM STDIN (binary,
// migrate only); CREATE TABLE IF NOT EXISTS
// with text/bytea/bigint/timestamptz columns and composite primary keys; INSERT … ON
// CONFLICT … DO UPDATE / DO NOTHING; UPDATE … RETURNING; CREATE SEQUENCE, nextval; SELECT … ORDER BY … LIMIT;
// count(*); BEGIN ISOLATION LEVEL SERIALIZABLE / REPEATABLE READ [READ ONLY]; SELECT …
// FOR SHARE; pg_current_snapshot, pg_snapshot_xmin/xmax, pg_current_xact_id (the feed);
// pg_notify and LISTEN (optional: NoNotify turns them off and the feed is polled);
// BEGIN at the start and COMMIT at the end of a pipelined batch, the wake-up after that
// COMMIT in an implicit transaction with set_config('synchronous_commit', 'off', true).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"repairdesk/internal/msg"
)

// PGOptions for OpenPG.
type PGOptions struct {
	// Node names this process in the change feed, so it can skip its own commits.
	Node string
	// NoNotify: the engine has no LISTEN/NOTIFY; the feed is only polled.
	NoNotify bool
	// MaxRetries bounds the re-runs of a transaction that lost a serialization race.
	MaxRetries int
	// Timeout for connecting at open.
	Timeout time.Duration
}

// FeedChannel is the NOTIFY channel that wakes the other nodes.
const FeedChannel = "repairdesk_feed"

// PG is a DB on PostgreSQL.
type PG struct {
	pool *pgxpool.Pool
	// wpool holds the read-write transactions' connections (writeConns at most, one kept
	// open): a burst of reads (sessions opening their cases, a node's follow) that takes
	// every connection of pool and has new ones made can no longer hold up a commit
	// behind it (BENCHMARKS.md, "The closed loop's tail, round twelve").
	wpool *pgxpool.Pool
	cfg   *pgxpool.Config
	opts  PGOptions
	addr  string

	noMarks atomic.Bool   // no pg_current_snapshot: the feed's gaps are given up by time (FeedMarks)
	retries atomic.Uint64 // transactions run again after a lost race
	stmts   atomic.Uint64 // round trips to the database inside transactions

	// Buckets known to exist, looked up once per store rather than once per transaction
	// (a bucket is deleted only by the results' rebuild, which makes it again in the same
	// transaction, and by this process's DeleteBucket, which forgets it here).
	bmu     sync.Mutex
	buckets map[string]bool

	// beforeCommit, for tests (SetBeforeCommit): run just before a read-write
	// transaction's last writes and COMMIT are sent; an error rolls it back instead.
	beforeCommit atomic.Pointer[func() error]
}

// SetBeforeCommit is for tests that stop a node just before its COMMIT (nil: none): fn's
// error rolls the transaction back instead of committing it.
func (d *PG) SetBeforeCommit(fn func() error) {
	if fn == nil {
		d.beforeCommit.Store(nil)
		return
	}
	d.beforeCommit.Store(&fn)
}

// RoundTrips counts the round trips to the database made inside transactions (each
// statement, each batch, the begin and the commit): for benchmarks.
func (d *PG) RoundTrips() uint64 { return d.stmts.Load() }

// TxTimes is where one read-write transaction's time went, for benchmarks and
// diagnostics (TxTimer). What is not in a named part (Total less the parts) is the node's
// own work between statements and the reads that were not read ahead.
type TxTimes struct {
	Acquire   time.Duration // waiting for a pooled connection
	ReadAhead time.Duration // the read-ahead batches (Prefetch; the first carries BEGIN)
	Writes    time.Duration // 0: the last writes and the feed entries now go with COMMIT (Commit)
	Commit    time.Duration // the last writes, the feed entries and COMMIT (the WAL flush): one round trip
	Total     time.Duration // from the start of the attempt to the answer to COMMIT
	Trips     int           // round trips
	// Beside: the work run beside COMMIT (BesideCommit), its own time from its start
	// (with the last writes); BesideWait: how long the transaction waited for it after
	// COMMIT's answer (included in Total).
	Beside, BesideWait time.Duration
}

// TxTimer is implemented by transactions that time their parts (PostgreSQL): Times is
// filled in as the transaction goes on, to its commit.
type TxTimer interface {
	Times() *TxTimes
}

// Times is where this transaction's time went so far (filled in to its commit).
func (t *pgTx) Times() *TxTimes { return &t.times }

func (d *PG) bucketKnown(name string) bool {
	d.bmu.Lock()
	defer d.bmu.Unlock()
	return d.buckets[name]
}

func (d *PG) setBucketKnown(name string, known bool) {
	d.bmu.Lock()
	defer d.bmu.Unlock()
	if d.buckets == nil {
		d.buckets = map[string]bool{}
	}
	if known {
		d.buckets[name] = true
	} else {
		delete(d.buckets, name)
	}
}

// Retries counts the transactions run again after a serialization failure or deadlock.
func (d *PG) Retries() uint64 { return d.retries.Load() }

// Redact hides the password of a database address, for messages and logs.
func Redact(addr string) string {
	u, err := url.Parse(addr)
	if err != nil || u.User == nil {
		return addr
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// OpenPG connects to the database at addr (a postgres:// URL) and creates the tables if
// they are missing.
func OpenPG(addr string, opts PGOptions) (*PG, error) {
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 50
	}
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	cfg, err := pgxpool.ParseConfig(addr)
	if err != nil {
		return nil, fmt.Errorf("the database address %s: %w", Redact(addr), err)
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	cfg.ConnConfig.ConnectTimeout = opts.Timeout
	cfg.AfterConnect = registerByteaList
	ctx, cancel := context.WithTimeout(context.Background(), opts.Timeout)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	wcfg := cfg.Copy()
	wcfg.MaxConns, wcfg.MinConns, wcfg.MinIdleConns = writeConns, 0, 1
	wpool, err := pgxpool.NewWithConfig(ctx, wcfg)
	if err != nil {
		pool.Close()
		return nil, err
	}
	d := &PG{pool: pool, wpool: wpool, cfg: cfg, opts: opts, addr: addr}
	if err := d.schema(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// writeConns: a node's read-write transactions at once, at most. Its group commits run
// one at a time, and its other writers (staff, settings, files, the results' upkeep)
// mostly under the same lock; the other connections are for those that are not.
const writeConns = 4

var pgSchema = []string{
	`CREATE TABLE IF NOT EXISTS rd_buckets (name text PRIMARY KEY, seq bigint NOT NULL DEFAULT 0)`,
	`CREATE TABLE IF NOT EXISTS rd_kv (bucket text NOT NULL, k bytea NOT NULL, v bytea NOT NULL, PRIMARY KEY (bucket, k))`,
	`CREATE TABLE IF NOT EXISTS rd_feed (seq bigint PRIMARY KEY, topic text NOT NULL, id bigint NOT NULL, node text NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
	`CREATE SEQUENCE IF NOT EXISTS rd_feed_seq`,
	// An unfinished repairdesk migrate into this database: how far it got (store.Migrate).
	`CREATE TABLE IF NOT EXISTS rd_migrate (id int PRIMARY KEY, source text NOT NULL, bucket text NOT NULL, k bytea NOT NULL, keys bigint NOT NULL)`,
	// Entries numbered past the sequence (a database restored without it, or written by
	// a build that numbered them otherwise) would collide with the next numbers.
	`SELECT setval('rd_feed_seq', m) FROM (SELECT max(seq) AS m FROM rd_feed) f WHERE m > (SELECT last_value FROM rd_feed_seq)`,
}

func (d *PG) schema(ctx context.Context) error {
	for _, q := range pgSchema {
		var err error
		for range 5 { // two nodes starting together may race on the catalogue
			if _, err = d.pool.Exec(ctx, q); err == nil || !retryable(err) && !isUniqueViolation(err) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("prepare the tables in %s: %w", Redact(d.addr), err)
		}
	}
	return nil
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// retryable: the transaction lost a race and may simply be run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// Retryable reports whether err is a serialization failure or deadlock (for tests).
func Retryable(err error) bool { return retryable(err) }

func (d *PG) Backend() string { return "postgres" }

// Addr is the address the database was opened with.
func (d *PG) Addr() string { return d.addr }

// Pool is the connection pool (the change feed, tests).
func (d *PG) Pool() *pgxpool.Pool { return d.pool }

// WritePool is the read-write transactions' connection pool (tests).
func (d *PG) WritePool() *pgxpool.Pool { return d.wpool }

func (d *PG) Close() error { d.pool.Close(); d.wpool.Close(); return nil }

// ResetConns closes the pools' connections (one in use, when it is released). After the
// database could not be reached, a connection idle in a pool may be dead without the
// pool knowing — pgxpool pings on Acquire only a connection idle for over a second —
// and the first commit after the recovery took one and failed ("unexpected EOF").
func (d *PG) ResetConns() { d.pool.Reset(); d.wpool.Reset() }

// CacheFit is the server's shared_buffers and the size of the case base's table with
// its index and TOAST (rd_kv), in bytes: a base larger than the server's own cache has
// commits reading its pages back in (BENCHMARKS.md, "Commits at 100,000 cases on
// PostgreSQL: the stall").
func (d *PG) CacheFit(ctx context.Context) (buffers, base int64, err error) {
	err = d.pool.QueryRow(ctx, `SELECT (SELECT setting::bigint * pg_size_bytes(coalesce(unit, '1')) FROM pg_settings WHERE name = 'shared_buffers'),
		pg_total_relation_size('rd_kv')`).Scan(&buffers, &base)
	return buffers, base, err
}

// Ping checks the connection.
func (d *PG) Ping(ctx context.Context) error { return d.pool.Ping(ctx) }

func (d *PG) View(fn func(Tx) error) error {
	ctx := context.Background()
	for attempt := 0; ; attempt++ {
		err := d.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, false, fn)
		if err != nil && retryable(err) && attempt < d.opts.MaxRetries {
			backoff(attempt)
			continue
		}
		return err
	}
}

func (d *PG) Update(fn func(Tx) error) error { return d.update(fn, d.opts.MaxRetries, false) }

// UpdateOnce is Update without the re-runs: a transaction that loses a serialization
// race returns the failure (Retryable) for the caller to decide what to run again.
func (d *PG) UpdateOnce(fn func(Tx) error) error { return d.update(fn, 0, false) }

// UpdateRepeatableRead is Update at REPEATABLE READ (snapshot isolation): a concurrent
// update of a row this transaction updates, deletes or locks (LockShared), or a concurrent
// insertion of a key it inserts, still fails it (40001: "could not serialize access due
// to concurrent update"), but a row it only reads is not guarded, and an upsert of a row
// another transaction deleted meanwhile inserts it anew. Only for transactions whose
// every invariant rests on such a write or lock (README, "Several offices: REPEATABLE
// READ for an action").
func (d *PG) UpdateRepeatableRead(fn func(Tx) error) error {
	return d.update(fn, d.opts.MaxRetries, true)
}

// UpdateOnceRepeatableRead is UpdateRepeatableRead without the re-runs (UpdateOnce).
func (d *PG) UpdateOnceRepeatableRead(fn func(Tx) error) error { return d.update(fn, 0, true) }

func (d *PG) update(fn func(Tx) error, retries int, rr bool) error {
	ctx := context.Background()
	iso := pgx.Serializable
	if rr {
		iso = pgx.RepeatableRead
	}
	for attempt := 0; ; attempt++ {
		err := d.run(ctx, pgx.TxOptions{IsoLevel: iso}, true, fn)
		if err != nil && retryable(err) && attempt < retries {
			d.retries.Add(1)
			backoff(attempt)
			continue
		}
		return err
	}
}

// backoff waits a little, more after each lost race, with jitter so two nodes do not
// collide again in step.
func backoff(attempt int) {
	n := min(attempt, 6)
	time.Sleep(time.Duration(rand.IntN(1<<n)+1) * time.Millisecond)
}

// run is one attempt of a transaction.
func (d *PG) run(ctx context.Context, o pgx.TxOptions, writable bool, fn func(Tx) error) (err error) {
	var ptx pgQuerier
	var commit, rollback func(context.Context) error
	var commitWith func(context.Context, *pgx.Batch, *pgx.QueuedQuery) error
	start := time.Now()
	{
		// BEGIN goes with the transaction's first batch (a group commit's read-ahead, a
		// follower's read of the cases it heard of) rather than in a round trip of its own.
		pool := d.pool
		if writable {
			pool = d.wpool
		}
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return unavailable(err)
		}
		begin := "BEGIN ISOLATION LEVEL SERIALIZABLE"
		switch {
		case !writable:
			begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
		case o.IsoLevel == pgx.RepeatableRead:
			begin = "BEGIN ISOLATION LEVEL REPEATABLE READ"
		}
		l := &lazyTx{conn: conn, begin: begin}
		if !writable {
			l.count = d.stmts.Add // as a view's BEGIN was counted before it went with a batch
		}
		ptx, commit, rollback, commitWith = l, l.commit, l.rollback, l.commitWith
	}
	t := &pgTx{ctx: ctx, d: d, tx: ptx, writable: writable, buckets: map[string]*pgBucket{}, node: d.opts.Node, notify: !d.opts.NoNotify,
		rr: writable && o.IsoLevel == pgx.RepeatableRead}
	t.times.Acquire = time.Since(start)
	committed := false
	defer func() {
		if !committed { // an error, a read-only transaction, or a panic in fn
			_ = rollback(ctx)
		}
		t.times.Total = time.Since(start)
	}()
	ferr := fn(t)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return unavailable(t.err) // the database's error decides: fn may have seen its consequences
	}
	if ferr != nil {
		return ferr
	}
	if !writable {
		return nil
	}
	w := time.Now()
	if t.beside != nil {
		// Beside the last writes and COMMIT (the node's anchor-log append and fsync, which
		// would otherwise wait for COMMIT's answer and then for the disk again). It is
		// waited for whatever happens next, so that the caller finds it done.
		done, fn := make(chan struct{}), t.beside
		go func() {
			defer close(done)
			fn()
			t.times.Beside = time.Since(w)
		}()
		defer func() {
			b := time.Now()
			<-done
			t.times.BesideWait = time.Since(b)
		}()
	}
	if fn := d.beforeCommit.Load(); fn != nil {
		if err := (*fn)(); err != nil {
			return err
		}
	}
	if b := t.finalBatch(); b != nil {
		// The last writes, the feed entries, COMMIT and the wake-up in one round trip:
		// the server writes, flushes its WAL and answers once. Should a write fail, the
		// server skips the rest (COMMIT too) and the transaction is rolled back.
		t.rt()
		if err := commitWith(ctx, b, t.wake()); err != nil {
			t.times.Commit = time.Since(w)
			return unavailable(t.fail(err))
		}
		committed = true
		t.times.Commit = time.Since(w)
	} else {
		c := time.Now()
		committed = true // whatever Commit answers, the transaction is over
		t.rt()
		err = commit(ctx)
		t.times.Commit = time.Since(c)
		if err != nil {
			return unavailable(err)
		}
	}
	for _, name := range t.created {
		d.setBucketKnown(name, true)
	}
	return nil
}

// pgQuerier is what a transaction sends statements through: a pgx.Tx, or a lazyTx.
type pgQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// lazyTx is a read-write transaction on one pooled connection whose BEGIN is sent with
// its first statement: in the same batch when that is a batch (one round trip saved),
// just before it otherwise. commit and rollback end it and give the connection back (a
// connection left in a transaction, or broken, is closed by the pool, not reused).
type lazyTx struct {
	conn  *pgxpool.Conn
	begin string
	begun bool
	err   error               // the BEGIN's error
	count func(uint64) uint64 // counts a round trip of its own (a BEGIN sent alone)
}

func (l *lazyTx) start(ctx context.Context) error {
	if !l.begun {
		l.begun = true
		if l.count != nil {
			l.count(1)
		}
		_, l.err = l.conn.Exec(ctx, l.begin)
	}
	return l.err
}

func (l *lazyTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := l.start(ctx); err != nil {
		return pgconn.CommandTag{}, err
	}
	return l.conn.Exec(ctx, sql, args...)
}

func (l *lazyTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := l.start(ctx); err != nil {
		return nil, err
	}
	return l.conn.Query(ctx, sql, args...)
}

func (l *lazyTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := l.start(ctx); err != nil {
		return errRow{err}
	}
	return l.conn.QueryRow(ctx, sql, args...)
}

func (l *lazyTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if l.begun {
		if l.err != nil {
			return errBatch{l.err}
		}
		return l.conn.SendBatch(ctx, b)
	}
	l.begun = true
	nb := &pgx.Batch{QueuedQueries: append([]*pgx.QueuedQuery{{SQL: l.begin}}, b.QueuedQueries...)}
	br := l.conn.SendBatch(ctx, nb)
	if _, err := br.Exec(); err != nil {
		l.err = err
		_ = br.Close()
		return errBatch{err}
	}
	return br
}

func (l *lazyTx) commit(ctx context.Context) error {
	defer l.conn.Release()
	if !l.begun {
		return nil // nothing was sent
	}
	if l.err != nil {
		return l.err
	}
	tag, err := l.conn.Exec(ctx, "COMMIT")
	if err != nil {
		return err
	}
	if tag.String() == "ROLLBACK" { // the transaction had failed
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// commitWith sends b, COMMIT and then (when not nil) after as one batch (with BEGIN
// before them when nothing was sent yet) and, once the transaction committed, gives the
// connection back. The server skips what follows a failed statement: after runs only
// once the transaction has committed, and its own failure is not the transaction's. On
// an error the transaction is left for rollback to end (a ROLLBACK after a failed COMMIT
// only draws a warning).
func (l *lazyTx) commitWith(ctx context.Context, b *pgx.Batch, after *pgx.QueuedQuery) error {
	b.Queue("COMMIT")
	commitAt := b.Len() - 1
	if after != nil {
		b.QueuedQueries = append(b.QueuedQueries, after)
	}
	br := l.SendBatch(ctx, b)
	var err error
	for i := range b.Len() {
		tag, e := br.Exec()
		if i > commitAt {
			break // the wake-up: whatever it answers, the transaction committed
		}
		if e != nil && err == nil {
			err = e
		}
		if i == commitAt && err == nil && tag.String() == "ROLLBACK" { // the transaction had failed
			err = pgx.ErrTxCommitRollback
		}
	}
	if cerr := br.Close(); err == nil && cerr != nil && after == nil {
		err = cerr
	}
	if err == nil {
		l.conn.Release()
	}
	return err
}

func (l *lazyTx) rollback(ctx context.Context) error {
	defer l.conn.Release()
	if !l.begun || l.err != nil {
		return nil
	}
	_, err := l.conn.Exec(ctx, "ROLLBACK")
	return err
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// errBatch answers every result of a batch that was not sent with err.
type errBatch struct{ err error }

func (b errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b errBatch) Query() (pgx.Rows, error)         { return nil, b.err }
func (b errBatch) QueryRow() pgx.Row                { return errRow{b.err} }
func (b errBatch) Close() error                     { return b.err }
func (b errBatch) Tx() pgx.Tx                       { return nil }

// UnavailableError: the database could not be reached (a lost connection, a restart).
// Nothing of the transaction was committed unless the commit itself was cut off, which
// the change feed then shows; the caller keeps its input and may try again.
type UnavailableError struct{ Err error }

func (e *UnavailableError) Error() string { return "the database cannot be reached: " + e.Err.Error() }
func (e *UnavailableError) Unwrap() error { return e.Err }

// Message is 数据库连接中断，正在重连, in lang.
func (e *UnavailableError) Message(lang string) string { return msg.T(lang, "store.db_lost") }

// unavailable marks an error of the database's connection as *UnavailableError.
func unavailable(err error) error {
	var pe *pgconn.PgError
	if err == nil {
		return nil
	}
	// The server's answer to a statement, unless it is about the connection itself:
	// class 08 (connection exception) and 57P (the server shutting down, a terminated
	// backend).
	if errors.As(err, &pe) && !strings.HasPrefix(pe.Code, "08") && !strings.HasPrefix(pe.Code, "57P") {
		return err
	}
	return &UnavailableError{Err: err}
}

// pgTx is one PostgreSQL transaction. A pgx transaction is one connection, which is not
// safe for concurrent use, and the store reads a transaction from several goroutines
// (parallel decoding): mu serialises the statements.
type pgTx struct {
	ctx      context.Context
	d        *PG
	tx       pgQuerier
	writable bool
	node     string
	notify   bool
	rr       bool // a read-write transaction at REPEATABLE READ (not SERIALIZABLE)

	// Rows to lock FOR SHARE with the next read-ahead (LockShared): a concurrent
	// transaction that updated or deleted one since this transaction's snapshot fails it,
	// and one that would update or delete it waits for this one to end.
	shares []Read

	beside func() // run beside the last writes and COMMIT (BesideCommit)

	mu      sync.Mutex
	err     error // the first error a statement returned; the transaction is then lost
	buckets map[string]*pgBucket
	feed    []feedNote
	times   TxTimes // where a read-write transaction's time went (Times)

	// Writes are sent together (one pgx batch, one round trip) before the next statement
	// that could see them (a cursor, a count, a bucket's deletion) and at commit. A Get of
	// a key written here is answered from writes; a Get of any other key cannot see them
	// and goes to the database at once. A group commit of many actions is then a few
	// reads per action and one batch of writes.
	writes  []pgWrite
	pending map[string]int // bucket NUL key → index in writes

	// What this transaction knows of keys without asking the database again: values it
	// read (a Get, a Prefetch) and values it wrote, each as the transaction sees it now.
	// Its snapshot does not change, so a value read once stays right until the
	// transaction writes it. Cleared when large (the writes are in pending or sent).
	known map[string]knownVal
	// Pages read ahead for cursors' Seeks (PrefetchSeek), kept up to date with this
	// transaction's writes.
	seeks   []*seekPage
	created []string        // buckets made here: known to the store once committed
	absent  map[string]bool // buckets this transaction found missing (its snapshot keeps them so)
}

type knownVal struct {
	v  []byte
	ok bool // false: no such key
}

// maxKnown bounds what a transaction remembers of keys (a bulk load writes many).
const maxKnown = 1 << 16

// seekPage is the pairs of bucket from seek on, in key order: all of them up to the
// last one when full (more may follow), all of them to the bucket's end when not.
type seekPage struct {
	bucket string
	seek   []byte
	pairs  []pair
	full   bool
}

// covers reports whether k falls in the page's range.
func (p *seekPage) covers(bucket string, k []byte) bool {
	if p.bucket != bucket || bytes.Compare(k, p.seek) < 0 {
		return false
	}
	return !p.full || len(p.pairs) == 0 || bytes.Compare(k, p.pairs[len(p.pairs)-1].k) <= 0
}

// write applies a write of this transaction to the page.
func (p *seekPage) write(k, v []byte, del bool) {
	i, found := sort.Find(len(p.pairs), func(i int) int { return bytes.Compare(k, p.pairs[i].k) })
	switch {
	case del && found:
		p.pairs = slices.Delete(p.pairs, i, i+1)
	case del:
	case found:
		p.pairs[i].v = v
	default:
		p.pairs = slices.Insert(p.pairs, i, pair{k: k, v: v})
	}
}

func (t *pgTx) remember(id string, v []byte, ok bool) {
	if t.known == nil || len(t.known) >= maxKnown {
		t.known = map[string]knownVal{}
	}
	t.known[id] = knownVal{v: v, ok: ok}
}

// rt counts a round trip.
func (t *pgTx) rt() {
	t.times.Trips++
	if t.d != nil {
		t.d.stmts.Add(1)
	}
}

type pgWrite struct {
	bucket string
	k, v   []byte
	del    bool
}

// put queues a write (t.mu held).
func (t *pgTx) put(bucket string, k, v []byte, del bool) {
	if t.pending == nil {
		t.pending = map[string]int{}
	}
	// The value is kept as given, not copied (about 3.5 KB an action of a group commit):
	// the caller leaves it as it is while the transaction lasts, bbolt's rule too, whose
	// Put keeps the caller's value until the commit. The key is copied, as bbolt does.
	w := pgWrite{bucket: bucket, k: bytes.Clone(k), v: v, del: del}
	if w.v == nil {
		w.v = []byte{}
	}
	id := bucket + "\x00" + string(k)
	t.remember(id, w.v, !del)
	for _, p := range t.seeks {
		if p.covers(bucket, k) {
			p.write(w.k, w.v, del)
		}
	}
	if i, ok := t.pending[id]; ok {
		t.writes[i] = w
		return
	}
	t.pending[id] = len(t.writes)
	t.writes = append(t.writes, w)
}

// flush sends the queued writes (t.mu held).
func (t *pgTx) flush() error {
	if t.err != nil || len(t.writes) == 0 {
		return t.err
	}
	b := &pgx.Batch{}
	t.queueWrites(b)
	t.rt()
	if err := t.tx.SendBatch(t.ctx, b).Close(); err != nil {
		return t.fail(err)
	}
	return nil
}

// writesPerStatement: from setWrites writes on, puts go as one INSERT … SELECT FROM
// unnest(…) ON CONFLICT DO UPDATE per this many rows (a group commit, a bulk load, a
// rebuild), and deletions as one DELETE … = ANY(…) per bucket; a lone write goes as a
// statement of its own. A group commit's writes (the case, its event and summary, for
// each action) are then one statement, not three per action: less of the server's work
// per statement for every commit.
const (
	setWrites          = 2
	writesPerStatement = 5000
)

// queueWrites moves the queued writes into b (t.mu held).
func (t *pgTx) queueWrites(b *pgx.Batch) {
	if len(t.writes) >= setWrites {
		t.queueSetWrites(b)
		t.writes, t.pending = nil, nil
		return
	}
	for _, w := range t.writes {
		if w.del {
			b.Queue(`DELETE FROM rd_kv WHERE bucket = $1 AND k = $2`, w.bucket, w.k)
		} else {
			b.Queue(`INSERT INTO rd_kv (bucket, k, v) VALUES ($1, $2, $3) ON CONFLICT (bucket, k) DO UPDATE SET v = excluded.v`, w.bucket, w.k, w.v)
		}
	}
	t.writes, t.pending = nil, nil
}

// queueSetWrites queues many writes as a few set statements (each key occurs once in
// writes, so no statement touches a row twice). Deletions go first: a key is either
// put or deleted here, never both.
func (t *pgTx) queueSetWrites(b *pgx.Batch) {
	dels := map[string][][]byte{}
	var order []string
	var bs []string
	var ks, vs byteaList
	put := func() {
		if len(bs) > 0 {
			b.Queue(`INSERT INTO rd_kv (bucket, k, v) SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[]) ON CONFLICT (bucket, k) DO UPDATE SET v = excluded.v`, bs, ks, vs)
			bs, ks, vs = nil, nil, nil
		}
	}
	for _, w := range t.writes {
		if w.del {
			if _, ok := dels[w.bucket]; !ok {
				order = append(order, w.bucket)
			}
			dels[w.bucket] = append(dels[w.bucket], w.k)
		}
	}
	for _, name := range order {
		b.Queue(`DELETE FROM rd_kv WHERE bucket = $1 AND k = ANY($2)`, name, dels[name])
	}
	for _, w := range t.writes {
		if w.del {
			continue
		}
		bs, ks, vs = append(bs, w.bucket), append(ks, w.k), append(vs, w.v)
		if len(bs) == writesPerStatement {
			put()
		}
	}
	put()
}

type feedNote struct {
	topic string
	id    uint64
}

func (t *pgTx) fail(err error) error {
	if t.err == nil {
		t.err = err
	}
	return err
}

func (t *pgTx) Writable() bool { return t.writable }

func (t *pgTx) Feed(topic string, id uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.feed = append(t.feed, feedNote{topic, id})
}

// finalBatch: the transaction's feed entries are written last, with its COMMIT. The
// numbers come from a sequence, which never makes two transactions conflict (a counter
// row would serialise every commit of every node), but is not the commit order: a number taken by a transaction still committing, or one rolled back, is a gap
// for a while or for good. Readers handle that (store/feed.go): they apply what they see
// and move their cursor past a gap only once every transaction that could hold its
// number has ended (FeedMarks; by time, FeedGapWait, on an engine without them). Taken
// here, at the very end of the transaction, a number is committed within milliseconds.
//
// finalBatch is the transaction's last writes with its feed entries, as one batch (sent
// with COMMIT and the wake-up after them); nil when there is nothing to send (t.mu held).
func (t *pgTx) finalBatch() *pgx.Batch {
	if len(t.feed) == 0 && len(t.writes) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	if len(t.feed) == 0 {
		t.queueWrites(b)
		return b
	}
	if len(t.writes) == 0 && t.d != nil && !t.d.marksOff() {
		// A feed number must be taken by a transaction that already has its id (FeedMarks):
		// one that wrote nothing yet gets it now.
		b.Queue(`SELECT pg_current_xact_id()`)
	}
	t.queueWrites(b) // the transaction's last writes travel with its feed entries
	if len(t.feed) == 1 {
		f := t.feed[0]
		b.Queue(`INSERT INTO rd_feed (seq, topic, id, node) VALUES (nextval('rd_feed_seq'), $1, $2, $3)`, f.topic, int64(f.id), t.node)
	} else {
		// One statement for a group's entries (numbered in the order noted: ordinality).
		topics, ids := make([]string, len(t.feed)), make([]int64, len(t.feed))
		for i, f := range t.feed {
			topics[i], ids[i] = f.topic, int64(f.id)
		}
		b.Queue(`INSERT INTO rd_feed (seq, topic, id, node) SELECT nextval('rd_feed_seq'), f.topic, f.id, $3 FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS f(topic, id, n) ORDER BY f.n`, topics, ids, t.node)
	}
	return b
}

// wake is the other nodes' wake-up for a transaction that wrote feed entries (nil for
// none), sent just after its COMMIT in the same round trip (commitWith), in a transaction
// of its own: a NOTIFY in the committing transaction takes, at commit, a lock that every
// notifying transaction of every node waits for, and holds it through that commit's WAL
// flush, so the nodes' commits flushed one after another instead of together. The
// wake-up's own transaction commits without waiting for the WAL (synchronous_commit off,
// for it alone): a wake-up lost in a crash costs nothing, as the feed is also polled.
func (t *pgTx) wake() *pgx.QueuedQuery {
	if !t.notify || len(t.feed) == 0 {
		return nil
	}
	return &pgx.QueuedQuery{SQL: `SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)`, Arguments: []any{FeedChannel, t.node}}
}

func (t *pgTx) lookup(name string) (*pgBucket, error) {
	if b, ok := t.buckets[name]; ok {
		return b, nil
	}
	if t.err != nil {
		return nil, t.err
	}
	if t.absent[name] {
		return nil, nil
	}
	if t.d != nil && t.d.bucketKnown(name) {
		b := &pgBucket{t: t, name: name} // its sequence is read when asked for
		t.buckets[name] = b
		return b, nil
	}
	var seq int64
	t.rt()
	err := t.tx.QueryRow(t.ctx, `SELECT seq FROM rd_buckets WHERE name = $1`, name).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		if t.absent == nil {
			t.absent = map[string]bool{}
		}
		t.absent[name] = true
		return nil, nil
	}
	if err != nil {
		return nil, t.fail(err)
	}
	b := &pgBucket{t: t, name: name, seq: uint64(seq), seqKnown: true}
	t.buckets[name] = b
	if t.d != nil {
		t.d.setBucketKnown(name, true) // committed: this snapshot has it
	}
	return b, nil
}

func (t *pgTx) Bucket(name []byte) Bucket {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, _ := t.lookup(string(name))
	if b == nil {
		if t.err != nil {
			// The transaction is lost (a serialization failure, a broken connection): a
			// bucket whose every call fails or reads nothing lets fn run to its end, and
			// the transaction's error decides (run). bbolt code never expects nil for a
			// bucket that exists.
			return &pgBucket{t: t, name: string(name)}
		}
		return nil
	}
	return b
}

var errTxReadOnly = errors.New("kv: the transaction is read-only")

func (t *pgTx) CreateBucketIfNotExists(name []byte) (Bucket, error) {
	return t.createBucket(name, func(b Bucket) (Bucket, error) { return b, nil })
}

// createBucket makes the bucket name, or answers with exists when it is there already.
func (t *pgTx) createBucket(name []byte, exists func(Bucket) (Bucket, error)) (Bucket, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.writable {
		return nil, errTxReadOnly
	}
	b, err := t.lookup(string(name))
	if err != nil {
		return nil, err
	}
	if b != nil {
		return exists(b)
	}
	return t.create(string(name))
}

func (t *pgTx) create(name string) (Bucket, error) {
	if name == "" {
		return nil, errors.New("kv: a bucket needs a name")
	}
	t.rt()
	if _, err := t.tx.Exec(t.ctx, `INSERT INTO rd_buckets (name, seq) VALUES ($1, 0)`, name); err != nil {
		return nil, t.fail(err)
	}
	b := &pgBucket{t: t, name: name, seqKnown: true}
	t.buckets[name] = b
	delete(t.absent, name)
	t.created = append(t.created, name)
	return b, nil
}

// ErrBucketExists: CreateBucket of a bucket that exists.
var ErrBucketExists = errors.New("kv: the bucket already exists")

func (t *pgTx) CreateBucket(name []byte) (Bucket, error) {
	return t.createBucket(name, func(Bucket) (Bucket, error) { return nil, ErrBucketExists })
}

// ErrBucketNotFound: DeleteBucket of a bucket that does not exist.
var ErrBucketNotFound = errors.New("kv: no such bucket")

func (t *pgTx) DeleteBucket(name []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.writable {
		return errTxReadOnly
	}
	b, err := t.lookup(string(name))
	if err != nil {
		return err
	}
	if b == nil {
		return ErrBucketNotFound
	}
	if err := t.flush(); err != nil {
		return err
	}
	if t.d != nil {
		t.d.setBucketKnown(b.name, false)
	}
	t.known, t.seeks = nil, nil
	t.rt()
	if _, err := t.tx.Exec(t.ctx, `DELETE FROM rd_kv WHERE bucket = $1`, b.name); err != nil {
		return t.fail(err)
	}
	t.rt()
	if _, err := t.tx.Exec(t.ctx, `DELETE FROM rd_buckets WHERE name = $1`, b.name); err != nil {
		return t.fail(err)
	}
	delete(t.buckets, b.name)
	if t.absent == nil {
		t.absent = map[string]bool{}
	}
	t.absent[b.name] = true
	t.created = slices.DeleteFunc(t.created, func(n string) bool { return n == b.name })
	return nil
}

func (t *pgTx) ForEach(fn func(name []byte, b Bucket) error) error {
	t.mu.Lock()
	t.rt()
	rows, err := t.tx.Query(t.ctx, `SELECT name FROM rd_buckets ORDER BY name`)
	var names []string
	if err == nil {
		names, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil {
		t.fail(err)
		t.mu.Unlock()
		return err
	}
	t.mu.Unlock()
	sort.Strings(names) // bytewise, whatever the database's collation
	for _, n := range names {
		if err := fn([]byte(n), t.Bucket([]byte(n))); err != nil {
			return err
		}
	}
	return nil
}

type pgBucket struct {
	t        *pgTx
	name     string
	seq      uint64
	seqKnown bool // seq was read (or set) in this transaction
}

func (b *pgBucket) Get(key []byte) []byte {
	t := b.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return nil
	}
	id := b.name + "\x00" + string(key)
	// The value is the transaction's own copy, as a cursor's are: the caller must not
	// change it (bbolt's rule: its values are the mapped file), and a write of the key
	// stores a new copy (put), so what was returned stays as it was.
	if i, ok := t.pending[id]; ok {
		if w := t.writes[i]; !w.del {
			return w.v
		}
		return nil
	}
	if kn, ok := t.known[id]; ok {
		if !kn.ok {
			return nil
		}
		return kn.v
	}
	var v []byte
	t.rt()
	err := t.tx.QueryRow(t.ctx, `SELECT v FROM rd_kv WHERE bucket = $1 AND k = $2`, b.name, key).Scan(&v)
	if err != nil {
		if !errors.Is(err, pgx.ErrNoRows) {
			t.fail(err)
			return nil
		}
		t.remember(id, nil, false)
		return nil
	}
	if v == nil {
		v = []byte{} // a stored empty value is not a missing key
	}
	t.remember(id, v, true)
	return v
}

func (b *pgBucket) Put(key, value []byte) error {
	t := b.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.writable {
		return errTxReadOnly
	}
	if len(key) == 0 {
		return errors.New("kv: key required")
	}
	if t.err != nil {
		return t.err
	}
	t.put(b.name, key, value, false)
	return nil
}

func (b *pgBucket) Delete(key []byte) error {
	t := b.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.writable {
		return errTxReadOnly
	}
	if t.err != nil {
		return t.err
	}
	t.put(b.name, key, nil, true)
	return nil
}

func (b *pgBucket) NextSequence() (uint64, error) {
	t := b.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.writable {
		return 0, errTxReadOnly
	}
	if t.err != nil {
		return 0, t.err
	}
	var n int64
	t.rt()
	if err := t.tx.QueryRow(t.ctx, `UPDATE rd_buckets SET seq = seq + 1 WHERE name = $1 RETURNING seq`, b.name).Scan(&n); err != nil {
		return 0, t.fail(err)
	}
	b.seq, b.seqKnown = uint64(n), true
	return b.seq, nil
}

func (b *pgBucket) Sequence() uint64 {
	t := b.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if !b.seqKnown && t.err == nil {
		var seq int64
		t.rt()
		err := t.tx.QueryRow(t.ctx, `SELECT seq FROM rd_buckets WHERE name = $1`, b.name).Scan(&seq)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			t.fail(err)
			return 0
		}
		b.seq, b.seqKnown = uint64(seq), true
	}
	return b.seq
}

func (b *pgBucket) SetSequence(v uint64) error {
	t := b.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.writable {
		return errTxReadOnly
	}
	if t.err != nil {
		return t.err
	}
	t.rt()
	if _, err := t.tx.Exec(t.ctx, `UPDATE rd_buckets SET seq = $2 WHERE name = $1`, b.name, int64(v)); err != nil {
		return t.fail(err)
	}
	b.seq, b.seqKnown = v, true
	return nil
}

func (b *pgBucket) Stats() BucketStats {
	t := b.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.flush() != nil {
		return BucketStats{}
	}
	var n int64
	t.rt()
	if err := t.tx.QueryRow(t.ctx, `SELECT count(*) FROM rd_kv WHERE bucket = $1`, b.name).Scan(&n); err != nil {
		t.fail(err)
		return BucketStats{}
	}
	return BucketStats{KeyN: int(n)}
}

func (b *pgBucket) ForEach(fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	b.t.mu.Lock()
	defer b.t.mu.Unlock()
	return b.t.err
}

func (b *pgBucket) Cursor() Cursor { return &pgCursor{b: b} }

// pgCursor reads ordered pages lazily: a first page is small (a Seek usually wants one
// pair or a few), and each further page in the same direction is twice as large, up to
// maxPage, so a full scan of 100,000 keys takes a few dozen statements.
type pgCursor struct {
	b    *pgBucket
	page []pair
	pos  int  // index in page of the current pair
	fwd  bool // page is in ascending order
	full bool // page was full: more may follow in its direction
	size int
}

type pair struct{ k, v []byte }

const (
	firstPage = 16
	maxPage   = 4096
)

func (c *pgCursor) cur() ([]byte, []byte) {
	if c.pos < 0 || c.pos >= len(c.page) {
		return nil, nil
	}
	p := c.page[c.pos]
	return p.k, p.v
}

// fetch loads the page that starts at bound (op: ">", ">=", "<", "<=" or "" for an
// end of the bucket) in the direction fwd.
func (c *pgCursor) fetch(op string, bound []byte, fwd bool, grow bool) ([]byte, []byte) {
	t := c.b.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if grow && c.size > 0 {
		c.size = min(c.size*2, maxPage)
	} else {
		c.size = firstPage
	}
	c.page, c.pos, c.fwd, c.full = nil, 0, fwd, false
	if t.err != nil {
		return nil, nil
	}
	order := "ASC"
	if !fwd {
		order = "DESC"
	}
	var sb strings.Builder
	sb.WriteString(`SELECT k, v FROM rd_kv WHERE bucket = $1`)
	args := []any{c.b.name}
	if op != "" {
		sb.WriteString(` AND k ` + op + ` $2`)
		args = append(args, bound)
	}
	sb.WriteString(` ORDER BY k ` + order + fmt.Sprintf(` LIMIT %d`, c.size))
	rows, done, err := t.queryAfterWrites(sb.String(), args...)
	if err != nil {
		t.fail(err)
		return nil, nil
	}
	defer func() {
		if err := done(); err != nil {
			t.fail(err)
			c.page = nil
		}
	}()
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.k, &p.v); err != nil {
			rows.Close()
			t.fail(err)
			c.page = nil
			return nil, nil
		}
		if p.v == nil {
			p.v = []byte{}
		}
		c.page = append(c.page, p)
	}
	if err := rows.Err(); err != nil {
		t.fail(err)
		c.page = nil
		return nil, nil
	}
	c.full = len(c.page) == c.size
	return c.cur()
}

// queryAfterWrites runs a query that must see this transaction's queued writes: the
// writes travel with it, in one round trip (t.mu held). done ends the exchange (after
// the rows are read or closed) and reports the writes' error, if any.
func (t *pgTx) queryAfterWrites(sql string, args ...any) (pgx.Rows, func() error, error) {
	t.rt()
	if len(t.writes) == 0 {
		rows, err := t.tx.Query(t.ctx, sql, args...)
		return rows, func() error { rows.Close(); return rows.Err() }, err
	}
	b := &pgx.Batch{}
	t.queueWrites(b)
	writes := b.Len()
	b.Queue(sql, args...)
	br := t.tx.SendBatch(t.ctx, b)
	for range writes {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return nil, nil, err
		}
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, nil, err
	}
	return rows, func() error {
		rows.Close()
		if err := rows.Err(); err != nil {
			_ = br.Close()
			return err
		}
		return br.Close()
	}, nil
}

func (c *pgCursor) First() ([]byte, []byte) { return c.fetch("", nil, true, false) }
func (c *pgCursor) Last() ([]byte, []byte)  { return c.fetch("", nil, false, false) }
func (c *pgCursor) Seek(seek []byte) ([]byte, []byte) {
	t := c.b.t
	t.mu.Lock()
	for _, p := range t.seeks {
		if p.bucket == c.b.name && bytes.Equal(p.seek, seek) { // read ahead, kept current
			c.page, c.pos, c.fwd, c.full, c.size = slices.Clone(p.pairs), 0, true, p.full, firstPage
			t.mu.Unlock()
			return c.cur()
		}
	}
	t.mu.Unlock()
	return c.fetch(">=", seek, true, false)
}

func (c *pgCursor) Next() ([]byte, []byte) {
	k, _ := c.cur()
	if k == nil {
		return nil, nil
	}
	if c.fwd {
		if c.pos+1 < len(c.page) {
			c.pos++
			return c.cur()
		}
		if !c.full {
			c.pos = len(c.page) // past the end
			return nil, nil
		}
		return c.fetch(">", k, true, true)
	}
	if c.pos > 0 { // a descending page: the next key is the one before in the page
		c.pos--
		return c.cur()
	}
	return c.fetch(">", k, true, false)
}

func (c *pgCursor) Prev() ([]byte, []byte) {
	k, _ := c.cur()
	if k == nil {
		return nil, nil
	}
	if !c.fwd {
		if c.pos+1 < len(c.page) {
			c.pos++
			return c.cur()
		}
		if !c.full {
			c.pos = len(c.page)
			return nil, nil
		}
		return c.fetch("<", k, false, true)
	}
	if c.pos > 0 {
		c.pos--
		return c.cur()
	}
	return c.fetch("<", k, false, false)
}

func (d *PG) beginView() (Tx, func(), error) {
	ctx := context.Background()
	ptx, err := d.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, nil, err
	}
	t := &pgTx{ctx: ctx, d: d, tx: ptx, buckets: map[string]*pgBucket{}, node: d.opts.Node}
	return t, func() { _ = ptx.Rollback(ctx) }, nil
}

// Prefetch reads ahead, in one round trip, the keys gets (each answered later by Get
// without asking the database) and the first page of a cursor's Seek to each of seeks.
func (t *pgTx) Prefetch(gets, seeks []Read) {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer func(start time.Time) { t.times.ReadAhead += time.Since(start) }(time.Now())
	if t.err != nil || t.flush() != nil {
		return
	}
	type ask struct {
		bucket string
		keys   [][]byte
	}
	var asks []*ask
	byBucket := map[string]*ask{}
	for _, r := range gets {
		id := string(r.Bucket) + "\x00" + string(r.Key)
		if _, ok := t.known[id]; ok {
			continue
		}
		a := byBucket[string(r.Bucket)]
		if a == nil {
			a = &ask{bucket: string(r.Bucket)}
			byBucket[a.bucket] = a
			asks = append(asks, a)
		}
		a.keys = append(a.keys, r.Key)
	}
	var pages []*seekPage
	for _, r := range seeks {
		dup := false
		for _, p := range t.seeks {
			dup = dup || p.bucket == string(r.Bucket) && bytes.Equal(p.seek, r.Key)
		}
		if !dup {
			pages = append(pages, &seekPage{bucket: string(r.Bucket), seek: bytes.Clone(r.Key)})
		}
	}
	shares := t.shares
	t.shares = nil
	if len(asks) == 0 && len(pages) == 0 && len(shares) == 0 {
		return
	}
	b := &pgx.Batch{}
	for _, r := range shares { // first: the snapshot and the locks are taken together
		b.Queue(`SELECT k, v FROM rd_kv WHERE bucket = $1 AND k = $2 FOR SHARE`, string(r.Bucket), r.Key)
	}
	for _, a := range asks {
		b.Queue(`SELECT k, v FROM rd_kv WHERE bucket = $1 AND k = ANY($2)`, a.bucket, a.keys)
	}
	for _, p := range pages {
		b.Queue(fmt.Sprintf(`SELECT k, v FROM rd_kv WHERE bucket = $1 AND k >= $2 ORDER BY k ASC LIMIT %d`, firstPage), p.bucket, p.seek)
	}
	t.rt()
	br := t.tx.SendBatch(t.ctx, b)
	read := func() ([]pair, error) {
		rows, err := br.Query()
		if err != nil {
			return nil, err
		}
		var out []pair
		for rows.Next() {
			var p pair
			if err := rows.Scan(&p.k, &p.v); err != nil {
				rows.Close()
				return nil, err
			}
			if p.v == nil {
				p.v = []byte{}
			}
			out = append(out, p)
		}
		return out, rows.Err()
	}
	for _, r := range shares {
		ps, err := read()
		if err != nil {
			_ = br.Close()
			t.fail(err)
			return
		}
		id := string(r.Bucket) + "\x00" + string(r.Key)
		t.remember(id, nil, false)
		for _, p := range ps {
			t.remember(id, p.v, true)
		}
	}
	for _, a := range asks {
		ps, err := read()
		if err != nil {
			_ = br.Close()
			t.fail(err)
			return
		}
		for _, k := range a.keys {
			t.remember(a.bucket+"\x00"+string(k), nil, false)
		}
		for _, p := range ps {
			t.remember(a.bucket+"\x00"+string(p.k), p.v, true)
		}
	}
	for _, p := range pages {
		ps, err := read()
		if err != nil {
			_ = br.Close()
			t.fail(err)
			return
		}
		p.pairs, p.full = ps, len(ps) == firstPage
		t.seeks = append(t.seeks, p)
	}
	if err := br.Close(); err != nil {
		t.fail(err)
	}
}

// LockShared locks the row of key in bucket FOR SHARE with the transaction's next
// read-ahead (Prefetch), and answers its value from there: see Shares.
func (t *pgTx) LockShared(bucket, key []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.shares = append(t.shares, Read{Bucket: bytes.Clone(bucket), Key: bytes.Clone(key)})
}

// BesideCommit has fn run beside this transaction's last writes and COMMIT (kv.BesideCommit).
func (t *pgTx) BesideCommit(fn func()) { t.beside = fn }

// RepeatableRead reports whether the transaction runs at REPEATABLE READ.
func (t *pgTx) RepeatableRead() bool { return t.rr }

// Migrating reports whether an unfinished migrate holds this database.
func (d *PG) Migrating(ctx context.Context) (bool, error) {
	var n int64
	err := d.pool.QueryRow(ctx, `SELECT count(*) FROM rd_migrate`).Scan(&n)
	return n > 0, err
}
