package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"repairdesk/internal/benchkit"
	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// BenchmarkLongHistoryCommit times one action (a comment) on a case whose history is
// already 20, 200 or 1,000 events long, one at a time (fsync on), on a new bbolt file
// and, with REPAIRDESK_TEST_PG set, a new PostgreSQL schema: what a long-running case
// (follow-ups, letters) pays per action. Every third comment of the history is long (a
// letter's length, about 1.4 KB of text). Each op adds an event: -benchtime 200x takes
// the histories to 220, 400 and 1,200.
//
//	go test -run '^$' -bench BenchmarkLongHistoryCommit -benchtime 200x ./store/
func BenchmarkLongHistoryCommit(b *testing.B) {
	backends := []string{"bbolt"}
	if os.Getenv(pgtest.Env) != "" {
		backends = append(backends, "postgres")
	}
	for _, backend := range backends {
		for _, n := range []int{20, 200, 1000} {
			b.Run(fmt.Sprintf("backend=%s/events=%d", backend, n), func(b *testing.B) {
				var s *Store
				var err error
				if backend == "bbolt" {
					s, err = Open(filepath.Join(b.TempDir(), "t.db"), Options{})
				} else {
					s, err = Open(pgtest.Addr(b), Options{KeyFile: filepath.Join(b.TempDir(), "shared.key"), NoAnchors: true})
				}
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				if err := Demo.Generate(s, 10, 3); err != nil {
					b.Fatal(err)
				}
				const id = 1
				c, err := s.Case(id)
				if err != nil {
					b.Fatal(err)
				}
				act := func(v int) time.Duration {
					text := fmt.Sprintf("第%d次跟进：企业来电询问进度", v+1)
					if v%3 == 0 {
						text += strings.Repeat("，已告知所需材料与办理时限", 60)
					}
					t := time.Now()
					if _, err := s.Apply(id, v, Demo.Staff[0], workflow.Action{Kind: workflow.ActComment, Comment: text}); err != nil {
						b.Fatalf("event %d: %v", v+1, err)
					}
					return time.Since(t)
				}
				v := c.Version
				for ; v < n; v++ {
					act(v)
				}
				lat := make([]time.Duration, 0, b.N)
				cpu := cpuSeconds()
				start := time.Now()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					lat = append(lat, act(v))
					v++
				}
				b.StopTimer()
				el := time.Since(start)
				benchkit.Report(b, "", lat)
				b.ReportMetric((cpuSeconds()-cpu)*1000/float64(b.N), "cpu-ms/op")
				b.ReportMetric(el.Seconds(), "s")
				b.ReportMetric(cpuSeconds()-cpu, "cpu-s")
			})
		}
	}
}
