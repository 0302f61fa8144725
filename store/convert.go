package store

// Schema 3: cases and events are stored compressed (codec.go), and the file is rewritten
// with its append-only buckets' pages full. Schema 4: a case's events are one frame under
// the case's id. Schema 5: a case's events are in chunks of at most chunkEvents events
// (events.go). A file of schema 4 is converted in place (convertChunks, below). A file of
// an older schema is converted once, when it is first opened for writing:
//
//   - every bucket is copied, in key order, into a new file beside it ("<path>.migrating"),
//     the values of cases compressed, each case's events folded into chunks (foldCase),
//     the rest as they are, sequences kept;
//   - the new file is written in transactions of about 64 MB, each committed and synced
//     as any (fsync stays on), and its schema is set to 3 in the last one;
//   - only then is it renamed over the old file, and the directory synced.
//
// A crash before the rename leaves the old file as it was (and a stray "<path>.migrating",
// removed by the next attempt); after it, the new file is complete. The hashes, the
// chains and the anchor state are carried byte for byte (a value decodes to the exact
// JSON it was), so `check` verifies the same chains against the same anchor log.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store/kv"
)

// convertTxBytes is how much one transaction of the conversion writes (tests make it small).
var convertTxBytes int64 = 64 << 20

// SetConvertStep sets how much of the events bucket one transaction of a schema-4 file's
// conversion reads (convertTxBytes; at least one case a transaction) and returns what
// puts it back: for the commands' tests, which stop the conversion of a small file
// between two of its transactions.
func SetConvertStep(n int64) (restore func()) {
	old := convertTxBytes
	convertTxBytes = n
	return func() { convertTxBytes = old }
}

// convertFail, when set by a test, is called after each committed transaction of the
// conversion with the bytes copied so far; an error it returns stops the conversion there.
var convertFail func(copied int64) error

// needsConversion gives the schema of db when it is older than this program's (0 when
// it is not).
func needsConversion(db *bolt.DB) (int, error) {
	var v int
	err := db.View(func(tx *bolt.Tx) error {
		var err error
		v, err = schemaOf(kv.BoltTxOf(tx))
		return err
	})
	if err != nil || v <= 0 || v >= SchemaVersion {
		return 0, err
	}
	return v, nil
}

// ErrConvertInterrupted: the conversion was stopped (Options.OpenContext ended, Ctrl+C);
// the copy was removed and the file is as it was.
var ErrConvertInterrupted = errors.New("the conversion to the new format was interrupted; the database file was not changed")

// convertFile writes the converted copy of db (open at path, held locked) and renames it
// over path. The caller closes db afterwards and opens path again. When ctx ends first,
// the copy is removed and the file left as it was (ErrConvertInterrupted).
func convertFile(ctx context.Context, db *bolt.DB, path string, progress func(done, total int64)) (err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	tmp := path + ".migrating"
	_ = os.Remove(tmp) // a stray copy of an attempt that did not finish
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{FreelistType: bolt.FreelistMapType, Timeout: time.Second, PageSize: filePageSize})
	if err != nil {
		return fmt.Errorf("convert: create %s: %w", tmp, err)
	}
	defer func() {
		if dst != nil {
			dst.Close()
		}
		if err != nil {
			os.Remove(tmp)
		}
	}()
	var total int64
	err = db.View(func(src *bolt.Tx) error {
		total = src.Size()
		if progress != nil {
			progress(0, total) // the clock of the rate starts here
		}
		var done, size, reported int64
		tx, err := dst.Begin(true)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		commit := func() error {
			if err := tx.Commit(); err != nil {
				return err
			}
			if convertFail != nil {
				if err := convertFail(done); err != nil {
					return err
				}
			}
			size = 0
			if err := ctx.Err(); err != nil {
				return err
			}
			tx, err = dst.Begin(true)
			return err
		}
		// path names the bucket being copied, from the root.
		var copyBucket func(path [][]byte, b *bolt.Bucket) error
		copyBucket = func(path [][]byte, b *bolt.Bucket) error {
			top := string(path[0])
			if len(path) == 1 && top == string(bEvents) {
				return foldEvents(b, func(k, v []byte, read int64) error {
					d := bucketAt(tx, path)
					d.FillPercent = 1.0
					if err := d.Put(k, v); err != nil {
						return err
					}
					size += int64(len(k) + len(v))
					done += read
					if progress != nil && done-reported >= 4<<20 && done < total {
						progress(done, total)
						reported = done
					}
					if size >= convertTxBytes {
						return commit()
					}
					return nil
				}, ctx.Err)
			}
			pack := len(path) == 1 && top == string(bCases)
			// Values are taken a batch at a time and, for cases and events, compressed on
			// every core, then written in key order.
			var ks, vs, outs [][]byte
			flush := func() error {
				if err := ctx.Err(); err != nil {
					return err
				}
				outs = append(outs[:0], vs...)
				if pack {
					if err := parallelErr(len(vs), func(lo, hi int) error {
						for i := lo; i < hi; i++ {
							if !isPacked(vs[i]) {
								outs[i] = packValue(nil, vs[i])
							}
						}
						return nil
					}); err != nil {
						return err
					}
				}
				for i, k := range ks {
					d := bucketAt(tx, path)
					// Keys come in order: fill the pages. Cases change in place later,
					// so theirs keep a little room.
					d.FillPercent = 1.0
					if top == string(bCases) {
						d.FillPercent = 0.9
					}
					if err := d.Put(k, outs[i]); err != nil {
						return err
					}
					size += int64(len(k) + len(outs[i]))
					done += int64(len(k) + len(vs[i]))
					if progress != nil && done-reported >= 4<<20 && done < total {
						progress(done, total)
						reported = done
					}
					if size >= convertTxBytes {
						if err := commit(); err != nil {
							return err
						}
					}
				}
				ks, vs = ks[:0], vs[:0]
				return nil
			}
			c := b.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if v != nil {
					if ks, vs = append(ks, k), append(vs, v); len(ks) == 8192 {
						if err := flush(); err != nil {
							return err
						}
					}
					continue
				}
				// A nested bucket.
				if err := flush(); err != nil {
					return err
				}
				sub, np := b.Bucket(k), append(path[:len(path):len(path)], k)
				if err := ensureBucket(tx, np, sub.Sequence()); err != nil {
					return err
				}
				if err := copyBucket(np, sub); err != nil {
					return err
				}
			}
			return flush()
		}
		err = src.ForEach(func(name []byte, b *bolt.Bucket) error {
			if err := ensureBucket(tx, [][]byte{name}, b.Sequence()); err != nil {
				return err
			}
			return copyBucket([][]byte{name}, b)
		})
		if err != nil {
			return err
		}
		// The last transaction says the file is complete.
		if err := bucketAt(tx, [][]byte{bMeta}).Put([]byte("schema"), []byte(strconv.Itoa(SchemaVersion))); err != nil {
			return err
		}
		done = total
		return commit()
	})
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return ErrConvertInterrupted
		}
		return fmt.Errorf("convert %s: %w (the file was not changed)", path, err)
	}
	if err = dst.Close(); err != nil {
		return fmt.Errorf("convert %s: %w (the file was not changed)", path, err)
	}
	dst = nil
	// bbolt synced every commit; the file's metadata too, before it takes the name.
	if f, ferr := os.OpenFile(tmp, os.O_RDWR, 0); ferr == nil {
		err = f.Sync()
		f.Close()
		if err != nil {
			return fmt.Errorf("convert %s: %w (the file was not changed)", path, err)
		}
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("convert %s: %w (the file was not changed)", path, err)
	}
	syncDir(filepath.Dir(path))
	if progress != nil {
		progress(total, total)
	}
	return nil
}

// ensureBucket creates the bucket at path in tx (its parents exist) with seq.
func ensureBucket(tx *bolt.Tx, path [][]byte, seq uint64) error {
	var b *bolt.Bucket
	var err error
	if len(path) == 1 {
		b, err = tx.CreateBucketIfNotExists(path[0])
	} else {
		b, err = bucketAt(tx, path[:len(path)-1]).CreateBucketIfNotExists(path[len(path)-1])
	}
	if err != nil {
		return err
	}
	return b.SetSequence(seq)
}

// bucketAt is the bucket at path in tx; a transaction committed in the middle of a bucket
// leaves the next one to find it again.
func bucketAt(tx *bolt.Tx, path [][]byte) *bolt.Bucket {
	b := tx.Bucket(path[0])
	for _, k := range path[1:] {
		b = b.Bucket(k)
	}
	return b
}

// foldEvents gives put the events bucket b in the new layout, in key order: each case's
// events folded into one frame (foldCase), a batch of cases at a time folded on every
// core; read is how many bytes of b the pair stands for. stop ends it early.
func foldEvents(b *bolt.Bucket, put func(k, v []byte, read int64) error, stop func() error) error {
	type out struct {
		keys, vals [][]byte
		read       int64
	}
	var gs []caseGroup
	flush := func() error {
		if err := stop(); err != nil {
			return err
		}
		outs := make([]out, len(gs))
		if err := parallelErr(len(gs), func(lo, hi int) error {
			var r eventReader
			for i := lo; i < hi; i++ {
				o := &outs[i]
				o.keys, o.vals, _ = foldCase(&r, gs[i])
				for j, k := range gs[i].keys {
					o.read += int64(len(k) + len(gs[i].vals[j]))
				}
			}
			return nil
		}); err != nil {
			return err
		}
		for _, o := range outs {
			for j, k := range o.keys {
				read := int64(0)
				if j == len(o.keys)-1 {
					read = o.read
				}
				if err := put(k, o.vals[j], read); err != nil {
					return err
				}
			}
		}
		gs = gs[:0]
		return nil
	}
	c := b.Cursor()
	for k, v := c.First(); k != nil; {
		if !isEventKey(k) { // check reports it: carried as it is
			gs = append(gs, caseGroup{id: 0, keys: [][]byte{k}, vals: [][]byte{v}})
			k, v = c.Next()
			continue
		}
		id := binary.BigEndian.Uint32(k)
		var keys, vals [][]byte
		for ; k != nil && isEventKey(k) && binary.BigEndian.Uint32(k) == id; k, v = c.Next() {
			keys, vals = append(keys, k), append(vals, v)
		}
		if gs = append(gs, caseGroup{id, keys, vals}); len(gs) == 2048 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// foldCase is a case's entries in the new layout: its events, read in order, as chunks
// (packChunks), when they are whole — each readable, numbered from 1 on without a gap or
// an overlap. Anything else (a damaged value, a gap, a key that is not an event's) is
// carried as it is (ok false), so that check finds after the conversion what it found
// before: the conversion never renumbers or drops an event.
func foldCase(r *eventReader, g caseGroup) (keys, vals [][]byte, ok bool) {
	if g.id == 0 && len(g.keys) == 1 && !isEventKey(g.keys[0]) {
		return g.keys, g.vals, false
	}
	var content []byte
	n := 0
	err := r.each(g.id, g.keys, g.vals, func(seq int, js []byte) error {
		if seq != n+1 {
			return errWalkDone
		}
		n++
		content = binary.AppendUvarint(content, uint64(len(js)))
		content = append(content, js...)
		return nil
	})
	if err != nil || n == 0 {
		return g.keys, g.vals, false
	}
	keys, vals = packChunks(g.id, content)
	return keys, vals, true
}

// inChunks reports whether a case's entries are already in the layout of schema 5 as far
// as a commit needs it: chunks only, or one whole frame of schema 4 from event 1 of fewer
// than chunkEvents events (its next commit makes it chunk 0; rewriting every case's
// frame would cost the conversion a copy of the file). Damage is not (foldCase carries
// it as it is).
func inChunks(r *eventReader, keys, vals [][]byte) bool {
	for i, k := range keys {
		v := vals[i]
		if isChunk(v) {
			continue
		}
		if len(k) != 4 || !isFrame(v) {
			return false // single events, or damage
		}
		first, content, err := r.frame.frame(v)
		if err != nil || first != 1 {
			return false
		}
		if n, err := frameCount(content); err != nil || n >= chunkEvents {
			return false
		}
	}
	return true
}

// chunkCases converts, in tx, the cases of the events bucket from case from on whose
// events are not in chunks (inChunks), until about budget bytes were read (≤ 0: no
// limit); it gives the case to go on from (done: none is left). A case is rewritten
// whole in the transaction, or not at all.
func chunkCases(tx kv.Tx, from uint32, budget int64) (next uint32, done bool, err error) {
	b := tx.Bucket(bEvents)
	type rewrite struct {
		id         uint32
		old        [][]byte
		keys, vals [][]byte
	}
	var todo []rewrite
	var r eventReader
	var read int64
	c := b.Cursor()
	k, v := c.Seek(u32(from))
	for k != nil {
		if budget > 0 && read >= budget {
			var p [4]byte // a malformed key may be shorter: carried as it is
			copy(p[:], k)
			next = binary.BigEndian.Uint32(p[:])
			break
		}
		if !isEventKey(k) { // check reports it: carried as it is
			read += int64(len(k) + len(v))
			k, v = c.Next()
			continue
		}
		id := binary.BigEndian.Uint32(k)
		var keys, vals [][]byte
		k, v, keys, vals = entriesOf(c, k, v, id, nil, nil)
		for i := range keys {
			read += int64(len(keys[i]) + len(vals[i]))
		}
		if inChunks(&r, keys, vals) {
			continue
		}
		nk, nv, ok := foldCase(&r, caseGroup{id, keys, vals})
		if !ok {
			continue
		}
		old := make([][]byte, len(keys))
		for i := range keys {
			old[i] = bytes.Clone(keys[i])
		}
		todo = append(todo, rewrite{id, old, nk, nv})
	}
	if k == nil {
		done = true
	}
	// The writes after the walk: a bbolt cursor does not survive its bucket's changes.
	for _, w := range todo {
		for _, k := range w.old {
			if !slices.ContainsFunc(w.keys, func(nk []byte) bool { return bytes.Equal(nk, k) }) {
				if err := b.Delete(k); err != nil {
					return 0, false, err
				}
			}
		}
		for i, k := range w.keys {
			if err := b.Put(k, w.vals[i]); err != nil {
				return 0, false, err
			}
		}
	}
	return next, done, nil
}

// chunkAll is chunkCases over the whole events bucket in tx (a PostgreSQL case base's
// open: one transaction), telling progress, when given, how far it got in cases: the
// id reached of the last one's.
func chunkAll(tx kv.Tx, progress func(done, total int64)) error {
	b := tx.Bucket(bEvents)
	if b == nil {
		return nil
	}
	var last int64
	if k, _ := b.Cursor().Last(); len(k) >= 4 {
		last = int64(binary.BigEndian.Uint32(k))
	}
	if progress != nil {
		progress(0, last)
	}
	for from := uint32(0); ; {
		next, done, err := chunkCases(tx, from, convertTxBytes)
		if err != nil {
			return err
		}
		if done {
			break
		}
		if progress != nil {
			progress(min(int64(next), last), last)
		}
		from = next
	}
	if progress != nil {
		progress(last, last)
	}
	return nil
}

// ErrChunksInterrupted: the conversion of a file's case histories into chunks was stopped
// (Options.OpenContext ended, Ctrl+C). The cases converted so far are whole in the new
// layout, the others as they were; both read, and the next writable open goes on.
var ErrChunksInterrupted = errors.New("the conversion of long case histories to the new format was interrupted; the database is whole and goes on converting at the next writable open")

// convertChunks takes db, a bbolt file of schema 4, to schema 5 in place: the cases whose
// events are not in chunks (those of chunkEvents events or more, and any single events)
// are rewritten, a case whole in one transaction, in transactions of about
// convertTxBytes of the events bucket read, each committed and synced as any. The
// schema becomes 5 in the transaction that converts the last of them.
//
// Safe against a crash at any point: a committed transaction leaves each case either as
// it was (schema 4's frame, which every reader still reads) or whole in chunks, never in
// between; until the last transaction the file says schema 4, so the next writable open
// walks it again, and a case already in chunks is passed over (inChunks). Nothing else
// is written meanwhile: Open holds the file's lock.
func convertChunks(ctx context.Context, db *bolt.DB, progress func(done, total int64)) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var total int64
	var last uint32
	if err := db.View(func(tx *bolt.Tx) error {
		total = tx.Size()
		if b := tx.Bucket(bEvents); b != nil {
			if k, _ := b.Cursor().Last(); len(k) >= 4 {
				last = binary.BigEndian.Uint32(k)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if progress != nil {
		progress(0, total)
	}
	// done is told in bytes of the file, as the copy's conversion tells it: the share of
	// the cases' ids passed, of its size.
	at := func(id uint32) int64 {
		if last == 0 {
			return total
		}
		return int64(float64(total) * float64(id) / float64(last))
	}
	from := uint32(0)
	for {
		var next uint32
		var done bool
		err := db.Update(func(btx *bolt.Tx) error {
			tx := kv.BoltTxOf(btx)
			if b := btx.Bucket(bEvents); b != nil {
				b.FillPercent = 1.0 // the chunks land where their case's frame was, in key order
				var err error
				if next, done, err = chunkCases(tx, from, convertTxBytes); err != nil {
					return err
				}
			} else {
				done = true
			}
			if done {
				return btx.Bucket(bMeta).Put([]byte("schema"), []byte(strconv.Itoa(SchemaVersion)))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("convert: %w", err)
		}
		if done {
			break
		}
		if convertFail != nil {
			if err := convertFail(at(next)); err != nil {
				return err
			}
		}
		if progress != nil {
			progress(at(next), total)
		}
		if ctx.Err() != nil {
			return ErrChunksInterrupted
		}
		from = next
	}
	if progress != nil {
		progress(total, total)
	}
	return nil
}
