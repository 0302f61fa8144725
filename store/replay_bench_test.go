package store

import "testing"

// BenchmarkReplay: check's replay of each case's history (replayStoredT: the fold of
// its events, the sealed fields set as stored), over the 400 cases of a demo office.
func BenchmarkReplay(b *testing.B) {
	s, stored, events := demoCases(b)
	ids := make([]uint32, 0, len(stored))
	for id := range stored {
		ids = append(ids, id)
	}
	n := 0
	for _, id := range ids {
		n += len(events[id])
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, id := range ids {
			c := *stored[id]
			if _, _, err := s.replayStoredT(events[id], &c); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ids)), "ns/case")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
}
