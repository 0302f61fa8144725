package store

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestMeasureFile prints what a database file holds (REPAIRDESK_MEASURE names the file;
// skipped without it): per bucket the keys, bytes, value sizes and page fill, and for
// cases and events the bytes of each top-level JSON field.
func TestMeasureFile(t *testing.T) {
	path := os.Getenv("REPAIRDESK_MEASURE")
	if path == "" {
		t.Skip("REPAIRDESK_MEASURE names a database to measure")
	}
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f, err := s.Figures()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("file %.1f MB on disk, %.1f MB in use (%d pages of %d), %d free pages\n", float64(f.DiskSize)/1e6, float64(f.FileSize)/1e6, f.Pages, f.PageSize, f.FreePages)
	for _, b := range f.Buckets {
		fmt.Printf("%-12s keys %9d  values %7.1f MB  p50 %6d p90 %6d max %7d  leaf pages %7d (+%d overflow) %7.1f MB  fill %.0f%%  branch pages %d\n",
			b.Name, b.Keys, float64(b.ValBytes)/1e6, b.P50, b.P90, b.Max, b.LeafPages, b.Overflow, float64(b.LeafSize)/1e6, 100*b.Fill(), b.BranchPages)
	}
	for _, name := range [][]byte{bCases, bEvents} {
		fields := map[string]int64{}
		kinds := map[string]int64{}
		kindN := map[string]int{}
		_ = s.viewBolt(func(tx *bolt.Tx) error {
			return tx.Bucket(name).ForEach(func(k, v []byte) error {
				var m map[string]json.RawMessage
				if unmarshalValue(v, &m) != nil {
					return nil
				}
				for f, r := range m {
					fields[f] += int64(len(r) + len(f) + 4)
				}
				if kd, ok := m["kind"]; ok {
					kinds[string(kd)] += int64(len(v))
					kindN[string(kd)]++
				}
				return nil
			})
		})
		var names []string
		for f := range fields {
			names = append(names, f)
		}
		slices.SortFunc(names, func(a, b string) int { return int(fields[b] - fields[a]) })
		fmt.Printf("%s by field:", name)
		for _, f := range names {
			fmt.Printf(" %s %.1fMB", f, float64(fields[f])/1e6)
		}
		fmt.Println()
		for kd, n := range kinds {
			fmt.Printf("  kind %s: %d events, %.1f MB\n", kd, kindN[kd], float64(n)/1e6)
		}
	}
}

// TestFiguresListEveryBucket: the file's figures count every bucket at the root — the
// results aggregates too, which they used to leave out — and the file's size on disk,
// which bbolt grows ahead of the pages in use.
func TestFiguresListEveryBucket(t *testing.T) {
	s := demoStore(t, 60, 2)
	f, err := s.Figures()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range f.Buckets {
		names = append(names, b.Name)
	}
	for _, want := range []string{"cases", "events", "summaries", "results"} {
		if !slices.Contains(names, want) {
			t.Errorf("bucket %q missing from %v", want, names)
		}
	}
	if f.DiskSize < f.FileSize || f.FileSize == 0 {
		t.Errorf("on disk %d bytes, in use %d", f.DiskSize, f.FileSize)
	}
}
