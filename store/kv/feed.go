package kv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"
)

// FeedEntry is one change in the feed: the record id of topic changed in the
// transaction that wrote the entry, on node.
type FeedEntry struct {
	Seq   uint64
	Topic string
	ID    uint64
	Node  string
}

// FeedSource is a database with a change feed (PostgreSQL).
type FeedSource interface {
	// FeedHead is the number of the newest entry (0 for none). Numbers may have gaps
	// (see finalBatch).
	FeedHead(ctx context.Context) (uint64, error)
	// ReadFeed returns, in order, the entries numbered in missing (numbers at or below
	// after that were not committed when last read) and up to limit entries after the
	// sequence after, with the marks that tell when a number missing there can be given
	// up (FeedMarks).
	ReadFeedMarked(ctx context.Context, after uint64, missing []uint64, limit int) ([]FeedEntry, FeedMarks, error)
	// FeedGaps lists the numbers in (lo, hi] that no entry has (rolled back, or still
	// committing), with the marks of that read.
	FeedGaps(ctx context.Context, lo, hi uint64) ([]uint64, FeedMarks, error)
	// Listen calls wake whenever another node's transaction wrote to the feed, until ctx
	// ends (the wake-up sent by this node's own commits, named by Node, is not passed on:
	// the node refreshed after them); it reconnects by itself. Without LISTEN/NOTIFY it
	// returns at once.
	Listen(ctx context.Context, wake func())
	// Node is this process's name in the feed.
	Node() string
}

func (d *PG) Node() string { return d.opts.Node }

func (d *PG) FeedHead(ctx context.Context) (uint64, error) {
	var n int64
	err := d.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM rd_feed`).Scan(&n)
	return uint64(n), err
}

// FeedMarks says, of one read of the feed, which transactions it could not see: a feed
// number is taken by a transaction that has written before it (it holds a transaction id
// then; flushFeed), so a number missing from a read belongs to a transaction that was
// running at the read, or to one that rolled back.
//
//   - After is the first transaction id not yet given out just after the read: every
//     transaction that holds a number missing from it has an id below After.
//   - Before is the oldest transaction id still running just before the read: every
//     transaction with an id below it had ended (committed or rolled back) when the read
//     began, so its entries, if it committed, are in the read.
//
// A number found missing by a read with After = A and still missing from a later read
// with Before >= A was never committed, and never will be: it can be given up. Zero:
// unknown (an engine without pg_current_snapshot); the follower then waits FeedGapWait.
type FeedMarks struct {
	Before, After uint64
}

// marksOff: the engine has no pg_current_snapshot (found at the first read).
func (d *PG) marksOff() bool { return d.noMarks.Load() }

const (
	sqlXmin = `SELECT pg_snapshot_xmin(pg_current_snapshot())::text`
	sqlXmax = `SELECT pg_snapshot_xmax(pg_current_snapshot())::text`
)

// readMarked runs the queries qs (each read into its own function) between the two
// marks' statements, in one round trip; without marks, alone.
func (d *PG) readMarked(ctx context.Context, qs []feedQuery) (FeedMarks, error) {
	var m FeedMarks
	withMarks := !d.marksOff()
	b := &pgx.Batch{}
	if withMarks {
		b.Queue(sqlXmin)
	}
	for _, q := range qs {
		b.Queue(q.sql, q.args...)
	}
	if withMarks {
		b.Queue(sqlXmax)
	}
	br := d.pool.SendBatch(ctx, b)
	mark := func(v *uint64) error {
		var s string
		if err := br.QueryRow().Scan(&s); err != nil {
			return err
		}
		_, err := fmt.Sscan(s, v)
		return err
	}
	err := func() error {
		if withMarks {
			if err := mark(&m.Before); err != nil {
				return err
			}
		}
		for _, q := range qs {
			rows, err := br.Query()
			if err != nil {
				return err
			}
			if err := q.read(rows); err != nil {
				return err
			}
		}
		if withMarks {
			return mark(&m.After)
		}
		return nil
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	var pe *pgconn.PgError
	if err != nil && withMarks && errors.As(err, &pe) && pe.Code == "42883" { // undefined_function
		d.noMarks.Store(true)
		return d.readMarked(ctx, qs)
	}
	if err != nil {
		return FeedMarks{}, err
	}
	return m, nil
}

type feedQuery struct {
	sql  string
	args []any
	read func(pgx.Rows) error
}

// ReadFeed is ReadFeedMarked without the marks.
func (d *PG) ReadFeed(ctx context.Context, after uint64, missing []uint64, limit int) ([]FeedEntry, error) {
	es, _, err := d.ReadFeedMarked(ctx, after, missing, limit)
	return es, err
}

func (d *PG) ReadFeedMarked(ctx context.Context, after uint64, missing []uint64, limit int) ([]FeedEntry, FeedMarks, error) {
	var out []FeedEntry
	scan := func(rows pgx.Rows) error {
		var err error
		out, err = scanFeed(rows, out)
		return err
	}
	var qs []feedQuery
	if len(missing) > 0 {
		ns := make([]int64, len(missing))
		for i, n := range missing {
			ns[i] = int64(n)
		}
		qs = append(qs, feedQuery{`SELECT seq, topic, id, node FROM rd_feed WHERE seq = ANY($1) ORDER BY seq`, []any{ns}, scan})
	}
	qs = append(qs, feedQuery{`SELECT seq, topic, id, node FROM rd_feed WHERE seq > $1 ORDER BY seq LIMIT $2`, []any{int64(after), limit}, scan})
	m, err := d.readMarked(ctx, qs)
	if err != nil {
		return nil, FeedMarks{}, err
	}
	return out, m, nil
}

func (d *PG) FeedGaps(ctx context.Context, lo, hi uint64) ([]uint64, FeedMarks, error) {
	var have []int64
	m, err := d.readMarked(ctx, []feedQuery{{`SELECT seq FROM rd_feed WHERE seq > $1 AND seq <= $2 ORDER BY seq`, []any{int64(lo), int64(hi)},
		func(rows pgx.Rows) error {
			var err error
			have, err = pgx.CollectRows(rows, pgx.RowTo[int64])
			return err
		}}})
	if err != nil {
		return nil, FeedMarks{}, err
	}
	var gaps []uint64
	next := lo + 1
	for _, n := range have {
		for ; next < uint64(n); next++ {
			gaps = append(gaps, next)
		}
		next = uint64(n) + 1
	}
	for ; next <= hi; next++ {
		gaps = append(gaps, next)
	}
	return gaps, m, nil
}

func scanFeed(rows pgx.Rows, out []FeedEntry) ([]FeedEntry, error) {
	for rows.Next() {
		var e FeedEntry
		var seq, id int64
		if err := rows.Scan(&seq, &e.Topic, &id, &e.Node); err != nil {
			rows.Close()
			return nil, err
		}
		e.Seq, e.ID = uint64(seq), uint64(id)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (d *PG) Listen(ctx context.Context, wake func()) {
	if d.opts.NoNotify {
		return
	}
	l := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			return pgx.ConnectConfig(ctx, d.cfg.ConnConfig.Copy())
		},
		ReconnectDelay: 500 * time.Millisecond,
	}
	l.Handle(FeedChannel, pgxlisten.HandlerFunc(func(_ context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
		// The payload is the committing node's name (pgTx.wake). Its own commits need no
		// read of the feed here: at 500 actions a second that halved the reads, each a
		// round trip and a wake-up of the database's backend and of this follower.
		if n.Payload != d.opts.Node {
			wake()
		}
		return nil
	}))
	_ = l.Listen(ctx) // returns when ctx ends
}
