package store

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"regexp"
	"repairdesk/store/kv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bboltFormatVersion is the bbolt release whose on-disk format (file format 2) the
// prefetcher (prefetch.go) and the damage scanner (validate.go) were written against:
// they read pages from the file themselves, with the constants in bboltformat.go.
const bboltFormatVersion = "v1.5.0"

// TestBboltVersionPinned: upgrading bbolt must be a decision to re-check the parsers.
func TestBboltVersionPinned(t *testing.T) {
	mod, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*go\.etcd\.io/bbolt (\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod does not require go.etcd.io/bbolt")
	}
	if got := string(m[1]); got != bboltFormatVersion {
		t.Fatalf("go.mod requires bbolt %s, but prefetch.go and validate.go parse the on-disk format of bbolt %s.\n"+
			"Re-check against bbolt's internal/common (page.go: PageHeaderSize, the page flags, branch and leaf element sizes, "+
			"BucketLeafFlag; meta.go: magic, version, the checksummed span), run TestBboltPageFormat, then set bboltFormatVersion.",
			got, bboltFormatVersion)
	}
}

// TestBboltPageFormat compares what the prefetcher's reading of the file says of every
// page with what bbolt itself says (tx.Page, bucket Stats): the header's layout, the
// flag values, the branch elements that lead the walk. A bbolt that changed its format
// fails here, loudly, rather than making the prefetch silently read nothing.
func TestBboltPageFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	big := make([]byte, 9000) // larger than a page: overflow pages
	val := make([]byte, 120)
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("big"))
		if err != nil {
			return err
		}
		for i := range 40_000 { // three levels of pages
			k := binary.BigEndian.AppendUint32(nil, uint32(i))
			v := val
			if i%5000 == 0 {
				v = big
			}
			if err := b.Put(k, v); err != nil {
				return err
			}
		}
		_, err = b.CreateBucket([]byte("nested"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { // free some pages: a freelist page
		return tx.Bucket([]byte("big")).Delete(binary.BigEndian.AppendUint32(nil, 7))
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ps := db.Info().PageSize
	if _, err := parseMeta(raw[:ps]); err != nil {
		t.Errorf("meta page 0 as parsed here: %v (magic %#x, version %d, checksum over %d bytes)", err, bMagic, bVersion, metaSumEnd)
	}
	flagOf := map[string]uint16{"branch": branchFlag, "leaf": leafFlag, "meta": metaFlag, "freelist": freelistFlag}
	seen := map[string]int{}
	err = db.View(func(tx *bolt.Tx) error {
		ne := binary.NativeEndian
		for id := 0; int64(id+1)*int64(ps) <= int64(len(raw)); id++ {
			info, err := tx.Page(id)
			if err != nil || info == nil {
				break
			}
			if info.Type == "free" {
				continue // bbolt reports free pages without reading them
			}
			seen[info.Type]++
			p := raw[id*ps : (id+1)*ps]
			if got := ne.Uint64(p[0:]); got != uint64(info.ID) {
				t.Errorf("page %d: id %d at offset 0 of the header, bbolt says %d", id, got, info.ID)
			}
			want, ok := flagOf[info.Type]
			if !ok {
				t.Errorf("page %d: bbolt reports a page type %q the parsers do not know", id, info.Type)
			} else if got := ne.Uint16(p[8:]); got != want {
				t.Errorf("page %d (%s): flags %#x at offset 8, the parsers expect %#x", id, info.Type, got, want)
			}
			if info.Type == "branch" || info.Type == "leaf" {
				if got := int(ne.Uint16(p[10:])); got != info.Count {
					t.Errorf("page %d (%s): count %d at offset 10, bbolt says %d", id, info.Type, got, info.Count)
				}
			}
			if got := int(ne.Uint32(p[12:])); got != info.OverflowCount {
				t.Errorf("page %d (%s): overflow %d at offset 12, bbolt says %d", id, info.Type, got, info.OverflowCount)
			}
			id += info.OverflowCount
		}
		for _, typ := range []string{"meta", "branch", "leaf", "freelist"} {
			if seen[typ] == 0 {
				t.Errorf("the test file has no %s page: the comparison proves nothing for it", typ)
			}
		}
		// The walk through the branch elements reaches every branch and leaf page of the
		// bucket, as bbolt counts them.
		b := tx.Bucket([]byte("big"))
		st := b.Stats()
		if st.Depth < 3 {
			t.Fatalf("the test tree has depth %d, want at least 3", st.Depth)
		}
		read := map[uint64]bool{}
		for _, id := range prefetch(kv.BoltTxOf(tx), kv.BoltBucketOf(b)) {
			read[id] = true
		}
		if want := st.BranchPageN + st.LeafPageN; len(read) != want {
			t.Errorf("the prefetch walk read %d pages of the bucket; bbolt's Stats count %d branch and %d leaf pages (%d)",
				len(read), st.BranchPageN, st.LeafPageN, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
