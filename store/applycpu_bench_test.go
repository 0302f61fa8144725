package store

import (
	"path/filepath"
	"sync"
	"testing"

	"repairdesk/internal/benchkit"
	"repairdesk/workflow"
)

// BenchmarkApplyCPU: the CPU a commit costs the node, on its own: 50 sessions comment on
// a case each of a demo office of 2,000 cases in a bbolt file, in a closed loop (each
// acts again when answered, so commits go in groups as on a busy node), and the process's
// CPU is divided by the actions. Far less noisy than BenchmarkSharedCommit's node CPU on
// a shared machine (no PostgreSQL, no second node): the engine, the JSON, the codec and
// the writes of the commit path, with bbolt's share and its fsync's system time.
//
// same: each session acts on one case again and again (as BenchmarkSharedCommit's
// sessions do, and a person working a case); rotating: each acts on the next of 40 cases
// of its own each time, so that no case is acted on twice within 2,000 commits (what this
// node wrote of it last is not remembered then: wroteMemo).
func BenchmarkApplyCPU(b *testing.B) {
	const sessions, cases = 50, 2000
	s, err := Open(filepath.Join(b.TempDir(), "cpu.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := Demo.Generate(s, cases, 1); err != nil {
		b.Fatal(err)
	}
	list := s.Snapshot().List()
	b.Run("same", func(b *testing.B) { applyCPU(b, s, list, sessions, 1) })
	b.Run("rotating", func(b *testing.B) { applyCPU(b, s, list, sessions, cases/sessions) })
}

// applyCPU runs b.N comments over the sessions, each on per cases of its own in turn.
func applyCPU(b *testing.B, s *Store, list []*Summary, sessions, per int) {
	next := make(chan struct{}, b.N)
	for range b.N {
		next <- struct{}{}
	}
	close(next)
	var wg sync.WaitGroup
	b.ResetTimer()
	cpu0 := benchkit.ProcessCPU()
	for i := range sessions {
		wg.Go(func() {
			ids := make([]uint32, per)
			vs := make([]int, per)
			for k := range per {
				ids[k] = list[(i*per+k)%len(list)].ID
				c, err := s.Case(ids[k])
				if err != nil {
					b.Error(err)
					return
				}
				vs[k] = c.Version
			}
			for j := 0; ; j++ {
				if _, ok := <-next; !ok {
					return
				}
				k := j % per
				n, err := s.Apply(ids[k], vs[k], Demo.Staff[0], workflow.Action{Kind: workflow.ActComment, Comment: "基准"})
				if err != nil {
					b.Error(err)
					return
				}
				vs[k] = n.Version
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric((benchkit.ProcessCPU()-cpu0).Seconds()*1000/float64(b.N), "cpu-ms/action")
}
