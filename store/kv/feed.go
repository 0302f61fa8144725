package kv

import (
	"context"
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
	// (see flushFeed).
	FeedHead(ctx context.Context) (uint64, error)
	// ReadFeed returns, in order, the entries numbered in missing (numbers at or below
	// after that were not committed when last read) and up to limit entries after the
	// sequence after.
	ReadFeed(ctx context.Context, after uint64, missing []uint64, limit int) ([]FeedEntry, error)
	// Listen calls wake whenever another transaction wrote to the feed, until ctx ends;
	// it reconnects by itself. Without LISTEN/NOTIFY it returns at once.
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

func (d *PG) ReadFeed(ctx context.Context, after uint64, missing []uint64, limit int) ([]FeedEntry, error) {
	var out []FeedEntry
	if len(missing) > 0 {
		ns := make([]int64, len(missing))
		for i, n := range missing {
			ns[i] = int64(n)
		}
		rows, err := d.pool.Query(ctx, `SELECT seq, topic, id, node FROM rd_feed WHERE seq = ANY($1) ORDER BY seq`, ns)
		if err != nil {
			return nil, err
		}
		if out, err = scanFeed(rows, out); err != nil {
			return nil, err
		}
	}
	rows, err := d.pool.Query(ctx, `SELECT seq, topic, id, node FROM rd_feed WHERE seq > $1 ORDER BY seq LIMIT $2`, int64(after), limit)
	if err != nil {
		return nil, err
	}
	return scanFeed(rows, out)
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
	l.Handle(FeedChannel, pgxlisten.HandlerFunc(func(context.Context, *pgconn.Notification, *pgx.Conn) error {
		wake()
		return nil
	}))
	_ = l.Listen(ctx) // returns when ctx ends
}
