package store_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"repairdesk/store"
	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// twoNodes opens two stores on one fresh PostgreSQL schema with the test staff and n
// cases (made on node 1).
func twoNodes(b *testing.B, n int) (nodes []*store.Store, ids []uint32) {
	clk := newClock(t0)
	addr := pgtest.Addr(b)
	key := filepath.Join(b.TempDir(), "shared.key")
	for range 2 {
		s, err := store.Open(addr, store.Options{Now: clk.Now, KeyFile: key, FeedPoll: 100 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		nodes = append(nodes, s)
		if len(nodes) == 1 {
			for _, st := range []workflow.Staff{wang, li, chen, root} {
				if err := s.PutStaff(workflow.Staff{}, st); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	es := []ent{entA, entB, entC}
	for i := range n {
		c, err := nodes[0].Create(wang, intake(es[i%3]), "")
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	return nodes, ids
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// BenchmarkSharedCommit: 50 sessions spread over 2 nodes, each acting on a case of its
// own on one PostgreSQL; the latency of each Apply, p50 and p99.
func BenchmarkSharedCommit(b *testing.B) {
	const sessions = 50
	nodes, ids := twoNodes(b, sessions)
	var (
		mu   sync.Mutex
		lat  []time.Duration
		wg   sync.WaitGroup
		next = make(chan struct{}, b.N)
	)
	for range b.N {
		next <- struct{}{}
	}
	close(next)
	rt0 := nodes[0].RoundTrips() + nodes[1].RoundTrips()
	b.ResetTimer()
	for i := range sessions {
		wg.Go(func() {
			s, id := nodes[i%2], ids[i]
			c, _ := s.Case(id)
			v := c.Version
			for range next {
				t := time.Now()
				n, err := s.Apply(id, v, wang, workflow.Action{Kind: workflow.ActComment, Comment: "基准"})
				d := time.Since(t)
				if err != nil {
					b.Error(err)
					return
				}
				v = n.Version
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(nodes[0].Retries()+nodes[1].Retries())/float64(b.N), "retries/op")
	b.ReportMetric(float64(nodes[0].RoundTrips()+nodes[1].RoundTrips()-rt0)/float64(b.N), "roundtrips/op")
}

// BenchmarkCrossNodeVisibility: from an Apply returning on node 1 to node 2's snapshot
// holding that version.
func BenchmarkCrossNodeVisibility(b *testing.B) {
	nodes, ids := twoNodes(b, 1)
	var lat []time.Duration
	c, _ := nodes[0].Case(ids[0])
	v := c.Version
	b.ResetTimer()
	for range b.N {
		n, err := nodes[0].Apply(ids[0], v, wang, workflow.Action{Kind: workflow.ActComment, Comment: "可见"})
		if err != nil {
			b.Fatal(err)
		}
		v = n.Version
		t := time.Now()
		for {
			if sm, _ := nodes[1].Snapshot().Get(ids[0]); sm != nil && sm.Version == v {
				break
			}
			if time.Since(t) > 5*time.Second {
				b.Fatal(fmt.Sprintf("version %d not visible on node 2 after 5 s", v))
			}
			time.Sleep(200 * time.Microsecond)
		}
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
}
