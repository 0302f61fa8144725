package store

import (
	"os"
	"testing"
)

// BenchmarkAnchorReplay replays the 100,000-case fixture's anchor log compactly, as
// Check does beside its read-ahead and workers (the log read from the page cache).
func BenchmarkAnchorReplay(b *testing.B) {
	path := benchFixture(b, benchCases)
	log := AnchorLogPath(path, Options{})
	if _, err := os.Stat(log); err != nil {
		b.Skip("the fixture has no anchor log:", err)
	}
	pub, _ := anchorPubOf(AnchorKeyPath(path, Options{}))
	if pub == nil {
		b.Skip("the fixture has no anchor public key")
	}
	start := cpuSeconds()
	for b.Loop() {
		an, err := replayAnchors(log, 0, pub, false, anchorsCompact)
		if err != nil {
			b.Fatal(err)
		}
		if !an.compact || len(an.at) == 0 || len(an.probs) > 0 {
			b.Fatalf("not a clean compact replay: compact %v, %d cases, problems %v", an.compact, len(an.at), an.probs)
		}
	}
	b.ReportMetric((cpuSeconds()-start)/float64(b.N)*1e3, "CPU-ms/op")
}
