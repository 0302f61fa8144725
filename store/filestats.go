package store

import (
	"os"
	"slices"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store/kv"
)

// BucketFigures is what one bucket holds: its keys and values, the sizes of the values,
// and how full its pages are (bbolt's own count of bytes in use against bytes allocated).
type BucketFigures struct {
	Name                string
	Keys                int
	KeyBytes, ValBytes  int64
	P50, P90, Max       int   // value sizes, bytes
	LeafPages, Overflow int   // leaf pages, and the pages values spill over into
	BranchPages         int   //
	LeafInuse, LeafSize int64 // bytes used in leaf pages, bytes those pages take
}

// Fill is the share of the leaf pages' bytes in use (0 to 1).
func (b BucketFigures) Fill() float64 {
	if b.LeafSize == 0 {
		return 0
	}
	return float64(b.LeafInuse) / float64(b.LeafSize)
}

// FileFigures is the file's size and what each bucket holds, for `check --stats` and the
// benchmarks.
type FileFigures struct {
	FileSize, PageSize int64
	Pages              int64 // pages of the file
	FreePages          int64 // pages bbolt keeps for reuse
	DiskSize           int64 // the file's size on disk: bbolt grows it ahead of FileSize
	Buckets            []BucketFigures
}

// Figures measures the file in one read transaction: it reads every key and value. The
// figures are of a bbolt file's pages: on PostgreSQL it refuses with *FileOnlyError.
func (s *Store) Figures() (FileFigures, error) {
	var f FileFigures
	db := kv.BoltDB(s.db)
	if db == nil {
		return f, &FileOnlyError{What: "damage"}
	}
	err := s.viewBolt(func(tx *bolt.Tx) error {
		f.FileSize = tx.Size()
		f.PageSize = int64(db.Info().PageSize)
		f.Pages = f.FileSize / f.PageSize
		st := db.Stats()
		f.FreePages = int64(st.FreePageN + st.PendingPageN)
		if fi, err := os.Stat(s.path); err == nil {
			f.DiskSize = fi.Size()
		}
		// Every bucket at the root (results, files… as well as allBuckets): a nested
		// bucket's pages count in its parent's figures.
		var names [][]byte
		_ = tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			names = append(names, slices.Clone(name))
			return nil
		})
		for _, name := range names {
			b := tx.Bucket(name)
			if b == nil {
				continue
			}
			bs := b.Stats()
			fig := BucketFigures{Name: string(name), LeafPages: bs.LeafPageN, Overflow: bs.LeafOverflowN,
				BranchPages: bs.BranchPageN + bs.BranchOverflowN, LeafInuse: int64(bs.LeafInuse), LeafSize: int64(bs.LeafAlloc)}
			var sizes []int
			_ = b.ForEach(func(k, v []byte) error {
				fig.Keys++
				fig.KeyBytes += int64(len(k))
				fig.ValBytes += int64(len(v))
				sizes = append(sizes, len(v))
				return nil
			})
			if len(sizes) > 0 {
				slices.Sort(sizes)
				fig.P50, fig.P90, fig.Max = sizes[len(sizes)/2], sizes[len(sizes)*9/10], sizes[len(sizes)-1]
			}
			f.Buckets = append(f.Buckets, fig)
		}
		return nil
	})
	return f, err
}
