package store

// Migrate copies a case base between a bbolt file and PostgreSQL (either way): every
// bucket, every key and every bucket's sequence, byte for byte. Then both sides are
// opened as stores and checked: every case's hash chain and its fold. A destination that
// already holds a case base is refused, unless it is this very copy (same buckets, keys
// and sequences): then only the check runs again.
//
// Into PostgreSQL the keys go by COPY, in chunks of one transaction each, in key order;
// each chunk also records how far the copy got (table rd_migrate: the source's
// fingerprint, the bucket and the last key copied). An interrupted copy therefore leaves
// its chunks and that mark, and a second run RESUMES after the last key copied, if its
// source is the same data (same fingerprint: every bucket's keys, sequence and digest);
// a different source is REFUSED, saying so, and nothing is changed. A store does not open
// on a database with an unfinished copy. The mark goes with the copy's last chunk.
//
// Into a bbolt file the copy is one transaction, as writing a file is fast: an
// interrupted copy leaves nothing, and a second run starts again.
//
// Cases and events of a file written before values were compressed (schema 2) are
// re-encoded while they are copied: the destination holds them compressed and says
// schema 3, whichever way the copy goes, and the source is left as it was (it is only
// read). The copy is compared with the source by the values' JSON — the bytes the hash
// chain covers — not by their stored form; the schema number is not compared.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	bolt "go.etcd.io/bbolt"

	"repairdesk/internal/msg"
	"repairdesk/store/kv"
)

// MigrateReport says what Migrate did.
type MigrateReport struct {
	Buckets, Keys int
	Cases         int  // cases in the copy
	Recoded       int  // cases and events of an older file compressed on the way
	Already       bool // the destination already was this copy: nothing copied
	Resumed       int  // keys an interrupted copy had left: this run went on after them
	Bytes         int64
	Took          time.Duration
	CopyTook      time.Duration // the copy alone (not the checks)
}

// MigrateError: the destination holds another case base, or a side fails its check.
type MigrateError struct {
	Key  string
	Args []any
}

func (e *MigrateError) Error() string              { return e.Message("en") }
func (e *MigrateError) Message(lang string) string { return msg.T(lang, e.Key, e.Args...) }

func openKV(addr string, readOnly bool) (kv.DB, error) {
	if kv.IsPostgres(addr) {
		d, err := kv.OpenPG(addr, kv.PGOptions{Node: "migrate", NoNotify: true})
		if err != nil {
			return nil, msg.Errorf("store.pg_unreachable", kv.Redact(addr), err)
		}
		return d, nil
	}
	if readOnly {
		if _, err := os.Stat(addr); err != nil {
			return nil, &MigrateError{Key: "migrate.no_source", Args: []any{addr}}
		}
	}
	db, err := bolt.Open(addr, 0o600, &bolt.Options{ReadOnly: readOnly, Timeout: 2 * time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, lockedBy(addr)
	}
	if err != nil {
		return nil, err
	}
	return kv.Bolt(db), nil
}

// content lists each bucket's key count and sequence, and a digest of its pairs.
type bucketSum struct {
	keys int
	seq  uint64
	sum  [32]byte
}

func contentOf(db kv.DB) (map[string]bucketSum, error) {
	out := map[string]bucketSum{}
	err := db.View(func(tx kv.Tx) error {
		var u unpacker
		return tx.ForEach(func(name []byte, b kv.Bucket) error {
			bs := bucketSum{seq: b.Sequence()}
			h := newDigest()
			if err := b.ForEach(func(k, v []byte) error {
				if skipKey(name, k) {
					return nil
				}
				bs.keys++
				if bytes.Equal(name, bMeta) && bytes.Equal(k, metaSchema) {
					return nil // counted, not compared: a re-encoded copy says 3
				}
				if recoded(name) && isFrame(v) {
					// A case's events (a frame of schema 4, a chunk of 5): the first
					// event's number and the records.
					first, content, err := u.frame(v)
					if err != nil {
						return fmt.Errorf("%s %x is unreadable: %w", name, k, err)
					}
					v = append(binary.AppendUvarint(nil, uint64(first)), content...)
				} else if recoded(name) {
					js, err := u.json(v)
					if err != nil {
						return fmt.Errorf("%s %x is unreadable: %w", name, k, err)
					}
					v = js
				}
				h.add(k, v)
				return nil
			}); err != nil {
				return err
			}
			bs.sum = h.sum()
			out[string(name)] = bs
			return nil
		})
	})
	return out, err
}

// Migrate copies from into to (see the file comment). keyFile is the key that sealed the
// personal fields: the same key reads them on both sides.
func Migrate(from, to, keyFile string) (MigrateReport, error) {
	return MigrateWith(from, to, keyFile, Work{})
}

// MigrateWith is Migrate with a context that stops it (see the file comment for what an
// interrupted copy leaves) and progress in keys ("migrate").
func MigrateWith(from, to, keyFile string, w Work) (MigrateReport, error) {
	var rep MigrateReport
	start := time.Now()
	ctx := w.Context
	if ctx == nil {
		ctx = context.Background()
	}
	if from == to {
		return rep, &MigrateError{Key: "migrate.same"}
	}
	src, err := openKV(from, true)
	if err != nil {
		return rep, err
	}
	defer src.Close()
	dst, err := openKV(to, false)
	if err != nil {
		return rep, err
	}
	defer dst.Close()
	want, err := contentOf(src)
	if err != nil {
		return rep, err
	}
	fp := fingerprint(want)
	var mark *migrateMark
	pg, _ := dst.(*kv.PG)
	if pg != nil {
		if mark, err = readMark(ctx, pg); err != nil {
			return rep, err
		}
		if mark != nil && mark.source != fp {
			return rep, &MigrateError{Key: "migrate.other_source", Args: []any{kv.Redact(to), mark.keys}}
		}
	}
	var have map[string]bucketSum
	if mark == nil {
		if have, err = contentOf(dst); err != nil {
			return rep, err
		}
	}
	if n := have[string(bCases)].keys; mark == nil && (n > 0 || have[string(bStaff)].keys > 0) {
		same := len(have) == len(want)
		for name, w := range want {
			if h, ok := have[name]; !ok || h != w {
				same = false
			}
		}
		if !same {
			return rep, &MigrateError{Key: "migrate.target_not_empty", Args: []any{kv.Redact(to), n}}
		}
		rep.Already = true
	} else if pg != nil {
		cs := time.Now()
		if err := copyToPG(ctx, src, pg, fp, mark, want, &rep, w.Progress); err != nil {
			return rep, err
		}
		rep.CopyTook = time.Since(cs)
		got, err := contentOf(dst)
		if err != nil {
			return rep, err
		}
		for name, w := range want {
			if got[name] != w {
				return rep, &MigrateError{Key: "migrate.copy_differs", Args: []any{name}}
			}
		}
	} else {
		cs := time.Now()
		err = dst.Update(func(dtx kv.Tx) error {
			rep.Buckets, rep.Keys, rep.Bytes, rep.Recoded = 0, 0, 0, 0 // the function may run again on PostgreSQL
			var rc recoder
			return src.View(func(stx kv.Tx) error {
				return stx.ForEach(func(name []byte, sb kv.Bucket) error {
					if err := ctx.Err(); err != nil {
						return err // the transaction rolls back: nothing is left
					}
					db, err := dtx.CreateBucketIfNotExists(bytes.Clone(name))
					if err != nil {
						return err
					}
					rep.Buckets++
					if err := sb.ForEach(func(k, v []byte) error {
						if skipKey(name, k) {
							return nil
						}
						rep.Keys++
						rep.Bytes += int64(len(k) + len(v))
						if rep.Keys%4096 == 0 {
							if err := ctx.Err(); err != nil {
								return err // the transaction rolls back: nothing is left
							}
						}
						if recoded(name) && !isPacked(v) {
							rep.Recoded++
						}
						return db.Put(bytes.Clone(k), rc.recode(name, k, v))
					}); err != nil {
						return err
					}
					return db.SetSequence(sb.Sequence())
				})
			})
		})
		if err != nil {
			return rep, err
		}
		rep.CopyTook = time.Since(cs)
		got, err := contentOf(dst)
		if err != nil {
			return rep, err
		}
		for name, w := range want {
			if got[name] != w {
				return rep, &MigrateError{Key: "migrate.copy_differs", Args: []any{name}}
			}
		}
		// The copy was one transaction: bbolt grew the file past its pages (by 16 MiB on
		// a large copy, to the next power of two on a small one).
		if _, err := trimBoltTail(kv.BoltDB(dst)); err != nil {
			return rep, err
		}
	}
	rep.Cases = want[string(bCases)].keys
	src.Close()
	dst.Close()
	// Both sides as stores: every chain and every case's fold.
	for _, side := range []string{from, to} {
		st, err := Open(side, Options{ReadOnly: true, KeyFile: keyFile, NoAnchors: true})
		if err != nil {
			return rep, err
		}
		probs := st.Check()
		st.Close()
		var chain []Problem
		for _, p := range probs {
			if p.CaseID != 0 || p.Damage != nil {
				chain = append(chain, p)
			}
		}
		if len(chain) > 0 {
			return rep, &MigrateError{Key: "migrate.check_failed", Args: []any{kv.Redact(side), len(chain), chain[0].What}}
		}
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// digest hashes a bucket's pairs in order, each length-prefixed.
type digest struct{ h hash.Hash }

func newDigest() *digest { return &digest{sha256.New()} }

func (d *digest) add(k, v []byte) {
	var n [8]byte
	binary.BigEndian.PutUint32(n[:4], uint32(len(k)))
	binary.BigEndian.PutUint32(n[4:], uint32(len(v)))
	d.h.Write(n[:])
	d.h.Write(k)
	d.h.Write(v)
}

func (d *digest) sum() (out [32]byte) {
	copy(out[:], d.h.Sum(nil))
	return out
}

// metaSchema is the schema number's key in the meta bucket.
var metaSchema = []byte("schema")

// recoded: the buckets whose values are compressed since schema 3.
func recoded(bucket []byte) bool {
	return bytes.Equal(bucket, bCases) || bytes.Equal(bucket, bEvents)
}

// recode is the value v of bucket and key k as the destination stores it: a case or
// event still in JSON (schema 2) compressed, the schema number of such a file raised
// to 3 (all its values are compressed on the way, the events one by one: the schema-3
// layout, which the destination's first writable open converts), anything else as it
// is.
func recode(bucket, k, v []byte) []byte {
	switch {
	case recoded(bucket) && !isPacked(v):
		return packValue(nil, v)
	case bytes.Equal(bucket, bMeta) && bytes.Equal(k, metaSchema):
		if n, err := strconv.Atoi(string(v)); err == nil && n >= oldestReadable && n < 3 {
			return []byte("3")
		}
	}
	return bytes.Clone(v)
}

// recoder is recode for one copy, which also notes whether the events bucket (copied
// before meta: buckets go in name order) holds single events of schema 3 and earlier
// (under keys of 8 bytes, as chunks of schema 5 after the first are, told apart by value):
// a copy of a schema-4 case base that still has some (a PostgreSQL one copied in from an
// older file keeps them) then says schema 3, so that a file's first writable open folds
// them into frames (convert.go).
type recoder struct{ singles bool }

func (r *recoder) recode(bucket, k, v []byte) []byte {
	if bytes.Equal(bucket, bEvents) && len(k) == 8 && !isChunk(v) {
		r.singles = true
	}
	if r.singles && bytes.Equal(bucket, bMeta) && bytes.Equal(k, metaSchema) {
		if n, err := strconv.Atoi(string(v)); err == nil && n > 3 && n <= SchemaVersion {
			return []byte("3")
		}
	}
	return recode(bucket, k, v)
}

// skipKey: the staged anchor entries belong to anchor logs, files beside a database or
// on each node of a shared one ("anchor.next", and "anchor.next/<key fingerprint>" per
// node); the copy starts its own (at its first writable open).
func skipKey(bucket, k []byte) bool {
	return bytes.Equal(bucket, bMeta) && (bytes.Equal(k, metaAnchorNext) ||
		bytes.HasPrefix(k, append(append([]byte{}, metaAnchorNext...), '/')))
}

// fingerprint names the source's content: every bucket's name, key count, sequence and
// digest.
func fingerprint(want map[string]bucketSum) string {
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b := want[n]
		fmt.Fprintf(h, "%q %d %d %x\n", n, b.keys, b.seq, b.sum)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// migrateMark is how far an unfinished copy into PostgreSQL got: every key of the
// buckets before bucket, and the keys of bucket up to k (none when k is empty).
type migrateMark struct {
	source string
	bucket string
	k      []byte
	keys   int
}

func readMark(ctx context.Context, pg *kv.PG) (*migrateMark, error) {
	var m migrateMark
	var keys int64
	err := pg.Pool().QueryRow(ctx, `SELECT source, bucket, k, keys FROM rd_migrate WHERE id = 1`).Scan(&m.source, &m.bucket, &m.k, &keys)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m.keys = int(keys)
	return &m, nil
}

// Chunks of a copy into PostgreSQL: one transaction each (a variable for tests).
var migrateChunkKeys = 20000

const migrateChunkBytes = 32 << 20

// copyToPG copies src into dst by COPY, chunk by chunk, from mark on (nil: from the
// start, after emptying dst, which holds no case base).
func copyToPG(ctx context.Context, src kv.DB, dst *kv.PG, fp string, mark *migrateMark, want map[string]bucketSum, rep *MigrateReport, progress func(string, int64, int64)) error {
	pool := dst.Pool()
	var total int64
	for _, b := range want {
		total += int64(b.keys)
	}
	fresh := mark == nil
	if mark != nil {
		rep.Resumed = mark.keys
	}
	done := int64(rep.Resumed)
	var chunk [][]any
	var chunkBytes int
	// flush writes the chunk of bucket name (its sequence seq) and the mark, in one
	// transaction.
	flush := func(name string, seq uint64) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		tx, err := pool.Begin(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback(context.Background()) }()
		if fresh {
			// The destination holds no case base (checked): what a store's first open
			// left there goes, so the copy is the source's, key for key.
			for _, q := range []string{`DELETE FROM rd_kv`, `DELETE FROM rd_buckets`,
				`INSERT INTO rd_migrate (id, source, bucket, k, keys) VALUES (1, $1, '', '', 0)`} {
				var args []any
				if q[0] == 'I' {
					args = []any{fp}
				}
				if _, err := tx.Exec(ctx, q, args...); err != nil {
					return err
				}
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO rd_buckets (name, seq) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET seq = excluded.seq`, name, int64(seq)); err != nil {
			return err
		}
		last := []byte{}
		if len(chunk) > 0 {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"rd_kv"}, []string{"bucket", "k", "v"}, pgx.CopyFromRows(chunk)); err != nil {
				return err
			}
			last = chunk[len(chunk)-1][1].([]byte)
		}
		if _, err := tx.Exec(ctx, `UPDATE rd_migrate SET bucket = $1, k = $2, keys = keys + $3 WHERE id = 1`, name, last, len(chunk)); err != nil {
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			return err
		}
		fresh = false
		done += int64(len(chunk))
		if progress != nil {
			progress("migrate", done, total)
		}
		chunk, chunkBytes = chunk[:0], 0
		return nil
	}
	var rc recoder
	err := src.View(func(stx kv.Tx) error {
		return stx.ForEach(func(name []byte, sb kv.Bucket) error {
			rep.Buckets++
			n := string(name)
			if mark != nil && n < mark.bucket {
				return nil // copied before the interruption
			}
			c := sb.Cursor()
			k, v := c.First()
			if mark != nil && n == mark.bucket && len(mark.k) > 0 {
				for k, v = c.Seek(mark.k); k != nil && bytes.Compare(k, mark.k) <= 0; k, v = c.Next() {
				}
			}
			for ; k != nil; k, v = c.Next() {
				if skipKey(name, k) {
					continue
				}
				// Values are the source's own (bbolt: valid while this view is open); an
				// older file's cases and events are compressed on the way.
				if recoded(name) && !isPacked(v) {
					rep.Recoded++
				}
				v = rc.recode(name, k, v)
				chunk = append(chunk, []any{n, k, v})
				chunkBytes += len(k) + len(v)
				rep.Keys++
				rep.Bytes += int64(len(k) + len(v))
				if len(chunk) >= migrateChunkKeys || chunkBytes >= migrateChunkBytes {
					if err := flush(n, sb.Sequence()); err != nil {
						return err
					}
				}
			}
			return flush(n, sb.Sequence()) // the bucket's row and sequence, even when empty
		})
	})
	if err != nil {
		return err
	}
	rep.Keys += rep.Resumed
	_, err = pool.Exec(ctx, `DELETE FROM rd_migrate WHERE id = 1`)
	return err
}
