package store

// Migrate copies a case base between a bbolt file and PostgreSQL (either way): every
// bucket, every key and every bucket's sequence, byte for byte, in one transaction on
// the destination, so an interrupted copy leaves nothing and a second run starts again.
// Then both sides are opened as stores and checked: every case's hash chain and its fold.
// A destination that already holds a case base is refused, unless it is this very copy
// (same buckets, keys and sequences): then only the check runs again.
//
// Cases and events of a file written before values were compressed (schema 2) are
// re-encoded while they are copied: the destination holds them compressed and says
// schema 3, whichever way the copy goes, and the source is left as it was (it is only
// read). The copy is compared with the source by the values' JSON — the bytes the hash
// chain covers — not by their stored form; the schema number is not compared.

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"os"
	"strconv"
	"time"

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
	Took          time.Duration
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
			return nil, err
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
				if recoded(name) {
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
	var rep MigrateReport
	start := time.Now()
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
	have, err := contentOf(dst)
	if err != nil {
		return rep, err
	}
	want, err := contentOf(src)
	if err != nil {
		return rep, err
	}
	if n := have[string(bCases)].keys; n > 0 || have[string(bStaff)].keys > 0 {
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
	} else {
		err = dst.Update(func(dtx kv.Tx) error {
			rep.Buckets, rep.Keys, rep.Recoded = 0, 0, 0 // the function may run again on PostgreSQL
			return src.View(func(stx kv.Tx) error {
				return stx.ForEach(func(name []byte, sb kv.Bucket) error {
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
						if recoded(name) && !isPacked(v) {
							rep.Recoded++
						}
						return db.Put(bytes.Clone(k), recode(name, k, v))
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
		got, err := contentOf(dst)
		if err != nil {
			return rep, err
		}
		for name, w := range want {
			if got[name] != w {
				return rep, &MigrateError{Key: "migrate.copy_differs", Args: []any{name}}
			}
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
// to 3 (all its values are compressed on the way), anything else as it is.
func recode(bucket, k, v []byte) []byte {
	switch {
	case recoded(bucket) && !isPacked(v):
		return packValue(nil, v)
	case bytes.Equal(bucket, bMeta) && bytes.Equal(k, metaSchema):
		if n, err := strconv.Atoi(string(v)); err == nil && n >= oldestReadable && n < SchemaVersion {
			return []byte(strconv.Itoa(SchemaVersion))
		}
	}
	return bytes.Clone(v)
}

// skipKey: the staged anchor entry belongs to the source's anchor log, a file beside it;
// the copy starts its own (a bbolt destination at its first writable open).
func skipKey(bucket, k []byte) bool {
	return bytes.Equal(bucket, bMeta) && bytes.Equal(k, metaAnchorNext)
}
