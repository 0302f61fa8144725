package store

import (
	"path/filepath"
	"testing"
)

// BenchmarkAnchorCost: the commit benchmark's workload on a small demo store (2,000
// cases), with and without the anchor log, to see what the signed, fsynced append adds
// to a commit. Short: go test -run - -bench AnchorCost -benchtime 3x ./store/
func BenchmarkAnchorCost(b *testing.B) {
	for _, anchors := range []bool{false, true} {
		name := "anchors=off"
		if anchors {
			name = "anchors=on"
		}
		b.Run(name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "a.db")
			s, err := Open(path, Options{NoAnchors: !anchors})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if err := Demo.Generate(s, 2000, 1); err != nil {
				b.Fatal(err)
			}
			s.Snapshot().waitIndexed()
			b.Run("sessions=1", func(b *testing.B) { benchCommits(b, s, 1, 200, 0) })
			b.Run("sessions=50", func(b *testing.B) { benchCommits(b, s, 50, 40, 0) })
		})
	}
}
