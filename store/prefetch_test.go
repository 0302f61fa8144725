package store

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"repairdesk/store/kv"
	"strings"
	"testing"
	"time"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// TestPrefetch: the walk over the file reaches every leaf page a cursor then reads,
// through a tree of several levels; a tiny (inline) bucket needs nothing; pages that are
// not branch pages, or lie past the end of the file, end the walk without harm.
func TestPrefetch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	val := make([]byte, 150)
	for round := range 4 { // several transactions, so pages are spread over the file
		err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("big"))
			if err != nil {
				return err
			}
			if _, err := tx.CreateBucketIfNotExists([]byte("tiny")); err != nil {
				return err
			}
			for i := range 30_000 {
				if i%4 != round {
					continue
				}
				k := make([]byte, 4)
				binary.BigEndian.PutUint32(k, uint32(i))
				if err := b.Put(k, val); err != nil {
					return err
				}
			}
			return tx.Bucket([]byte("tiny")).Put([]byte("k"), []byte("v"))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err = db.View(func(tx *bolt.Tx) error {
		if read := prefetch(kv.BoltTxOf(tx), kv.BoltBucketOf(tx.Bucket([]byte("tiny")))); len(read) != 0 {
			return fmt.Errorf("an inline bucket read %d pages", len(read))
		}
		b := tx.Bucket([]byte("big"))
		read := map[uint64]bool{}
		for _, id := range prefetch(kv.BoltTxOf(tx), kv.BoltBucketOf(b)) {
			read[id] = true
		}
		base := db.Info().Data
		ps := uintptr(db.Info().PageSize)
		leaves := map[uint64]bool{}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			leaves[uint64((uintptr(unsafe.Pointer(&v[0]))-base)/ps)] = true
		}
		for id := range leaves {
			if !read[id] {
				return fmt.Errorf("leaf page %d was not read ahead (%d read, %d leaves)", id, len(read), len(leaves))
			}
		}
		if len(read) <= len(leaves) {
			return fmt.Errorf("no branch page read: %d read, %d leaves", len(read), len(leaves))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ps := db.Info().PageSize
	st, _ := f.Stat()
	limit := uint64(st.Size()) / uint64(ps)
	if got := prefetchLevel(f, []uint64{limit, limit + 7, 1 << 60}, ps, limit, nil); len(got) != 0 {
		t.Errorf("pages past the end gave children %v", got)
	}
	if got := prefetchLevel(f, []uint64{0, 1}, ps, limit, nil); len(got) != 0 { // the meta pages
		t.Errorf("meta pages gave children %v", got)
	}
}

// TestCheckReadsAheadWhatItScans: Check reads ahead every page its structure scan then
// reads of each top-level bucket's tree (PageOwners lists them), not only those of the
// cases and events: on a cold file the scan read the others one page at a time.
func TestCheckReadsAheadWhatItScans(t *testing.T) {
	s := demoStore(t, 400, 7)
	owners, _, err := PageOwners(s.path)
	if err != nil {
		t.Fatal(err)
	}
	read := map[uint64]bool{}
	err = s.db.View(func(tx kv.Tx) error {
		for _, b := range checkBuckets(tx, tx.Bucket(bCases), tx.Bucket(bEvents)) {
			for _, id := range prefetch(tx, b) {
				read[id] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	others := 0
	for id, bucket := range owners {
		if bucket == "" || strings.Contains(bucket, "/") {
			continue // the root's page, and sub-buckets (not in the demo office)
		}
		if bucket != string(bCases) && bucket != string(bEvents) {
			others++
		}
		if !read[id] {
			t.Errorf("page %d of bucket %s is scanned but was not read ahead", id, bucket)
		}
	}
	if others == 0 {
		t.Fatal("no page of a bucket other than the cases and events: the test tests nothing")
	}
}

// TestCheckRootPageDamageIsTheScans: a bucket of the root page other than the cases and
// events made inline with no room for its page (its root page number zeroed) is
// reported by the structure scan ("the inline bucket is cut short"), as before Check
// listed every bucket to read ahead: listing them reads the root page through the
// mapping before the scan, and bbolt stops on that bucket with an index out of range.
func TestCheckRootPageDamageIsTheScans(t *testing.T) {
	db := damagedCopy(t, func(b []byte, ps int, owners map[uint64]string) []byte {
		ne := binary.NativeEndian
		for id, bucket := range owners {
			if bucket != "" {
				continue
			}
			p := b[int(id)*ps : int(id+1)*ps]
			for i := range int(ne.Uint16(p[10:])) {
				off := pageHeader + i*leafElement
				e := p[off:]
				pos, ksize := int(ne.Uint32(e[4:])), int(ne.Uint32(e[8:]))
				if string(p[off+pos:off+pos+ksize]) == string(bResults) {
					ne.PutUint64(p[off+pos+ksize:], 0)
					return b
				}
			}
		}
		t.Fatal("no results bucket in the root page")
		return b
	})
	s, err := Open(db, Options{ReadOnly: true, NoSummaries: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer s.Close()
	probs := s.Check()
	found := false
	for _, p := range probs {
		found = found || strings.Contains(p.What, "inline bucket is cut short")
		if strings.Contains(p.What, "storage engine stopped") {
			t.Errorf("bbolt stopped before the scan: %v", p)
		}
	}
	if !found {
		t.Fatalf("the scan's finding is missing: %v", probs)
	}
}
