package store

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/internal/benchkit"
	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// BenchmarkChunkAppend: the events of a demo office appended one at a time to their
// cases' chunks by appendEvent's code, with the chunk written anew as one frame every
// `every` events (1: at every append, as before a frame could be added; chunkRepack is
// what commits use), each append given what the one before wrote (as a node's memo
// gives a commit on a case it wrote last). Measured: the CPU an append costs (the
// encoding; the bbolt writes of one transaction, without a commit), the stored bytes an
// event takes, and the CPU a read of every event back costs (what check, export and a
// commit on another node's case decode). demo: the events of 300 demo cases (up to 24
// each); comments: 20 cases of 100 comments each, every third a letter's length.
func BenchmarkChunkAppend(b *testing.B) {
	sets := []struct {
		name string
		evs  map[uint32][][]byte
	}{
		{"demo", demoEvents(b, demoStore(b, 300, 3))},
		{"comments", demoEvents(b, commentStore(b, 20, 100))},
	}
	for _, set := range sets {
		for _, every := range []int{1, 4, 8, 16, 32} {
			b.Run(fmt.Sprintf("%s/every=%d", set.name, every), func(b *testing.B) {
				chunkAppend(b, set.evs, every)
			})
		}
	}
}

// demoEvents is every case's events' JSON as s stores them.
func demoEvents(b *testing.B, s *Store) map[uint32][][]byte {
	out := map[uint32][][]byte{}
	if err := s.db.View(func(tx kv.Tx) error {
		return eachStoredEvent(tx.Bucket(bEvents), func(id uint32, _ int, js []byte) error {
			out[id] = append(out[id], []byte(string(js)))
			return nil
		})
	}); err != nil {
		b.Fatal(err)
	}
	return out
}

// commentStore is a demo store of n cases, each acted on until it has upto events by
// comments (every third as long as a letter).
func commentStore(b *testing.B, n, upto int) *Store {
	s := demoStore(b, n, 5)
	for _, sum := range s.Snapshot().List() {
		c, err := s.Case(sum.ID)
		if err != nil {
			b.Fatal(err)
		}
		for v := c.Version; v < upto; v++ {
			text := fmt.Sprintf("第%d次跟进：企业来电询问进度", v+1)
			if v%3 == 0 {
				text += strings.Repeat("，已告知所需材料与办理时限", 60)
			}
			if _, err := s.Apply(sum.ID, v, Demo.Staff[0], workflow.Action{Kind: workflow.ActComment, Comment: text}); err != nil {
				b.Fatal(err)
			}
		}
	}
	return s
}

func chunkAppend(b *testing.B, evs map[uint32][][]byte, every int) {
	events := 0
	for _, e := range evs {
		events += len(e)
	}
	var appendCPU, readCPU time.Duration
	var stored int
	var framed, framedB, repacked, repackedB int // appends that added a frame or wrote the chunk anew, and what the chunk grew by
	for range b.N {
		b.StopTimer()
		db, err := bolt.Open(filepath.Join(b.TempDir(), "a.db"), 0o600, &bolt.Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		d := kv.Bolt(db)
		b.StartTimer()
		c0 := benchkit.ProcessCPU()
		err = d.Update(func(tx kv.Tx) error {
			if _, err := tx.CreateBucketIfNotExists(bEvents); err != nil {
				return err
			}
			bk := tx.Bucket(bEvents)
			for id, e := range evs {
				var read chunkRead
				for i, js := range e {
					k := chunkKey(id, chunkStart(i+1))
					was := len(bk.Get(k))
					if err := appendEventEvery(tx, id, i+1, js, &read, every); err != nil {
						return err
					}
					if was == 0 {
						continue // a chunk's first event
					}
					grew := len(bk.Get(k)) - was
					if first, _, _, _ := chunkHead(read.raw); (i+2-first)%every == 0 || i+2-first == chunkEvents || every == 1 {
						repacked, repackedB = repacked+1, repackedB+grew
					} else {
						framed, framedB = framed+1, framedB+grew
					}
				}
			}
			return nil
		})
		appendCPU += benchkit.ProcessCPU() - c0
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		stored = 0
		c0 = benchkit.ProcessCPU()
		n := 0
		if err := d.View(func(tx kv.Tx) error {
			bk := tx.Bucket(bEvents)
			if err := bk.ForEach(func(_, v []byte) error { stored += len(v); return nil }); err != nil {
				return err
			}
			return eachStoredEvent(bk, func(uint32, int, []byte) error { n++; return nil })
		}); err != nil {
			b.Fatal(err)
		}
		readCPU += benchkit.ProcessCPU() - c0
		if n != events {
			b.Fatalf("read back %d events of %d", n, events)
		}
		db.Close()
		b.StartTimer()
	}
	per := float64(b.N * events)
	b.ReportMetric(appendCPU.Seconds()*1e6/per, "append-cpu-µs/event")
	b.ReportMetric(readCPU.Seconds()*1e6/per, "read-cpu-µs/event")
	b.ReportMetric(float64(stored)/float64(events), "stored-B/event")
	if framed > 0 {
		b.ReportMetric(float64(framedB)/float64(framed), "B/added-frame")
	}
	if repacked > 0 {
		b.ReportMetric(float64(repackedB)/float64(repacked), "growth-B/repack")
	}
	b.ReportMetric(0, "ns/op")
}
