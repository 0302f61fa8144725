package store

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// Check's exact entries kept flat (flatExact) are compared with the stored ones as the
// map kept them: on a demo's aggregates with entries recomputed differently, missing
// and extra (open cases' entries among them), the findings are the same, in the same
// order.
func TestFlatExactComparesAsTheMap(t *testing.T) {
	s := demoStore(t, 80, 9)
	r := rand.New(rand.NewPCG(3, 4))
	err := s.view(func(tx kv.Tx) error {
		byMap, flat := newAggSet(nil), newCheckAggSet(nil)
		type kvp struct{ k, v []byte }
		var exact []kvp
		_ = tx.Bucket(bResults).ForEach(func(k, v []byte) error {
			if isCounterRow(k) {
				var c counters
				if err := decodeCounters(v, &c); err != nil {
					t.Fatal(err)
				}
				c2 := c
				byMap.rows[string(k)], flat.rows[string(k)] = &c, &c2
				return nil
			}
			exact = append(exact, kvp{append([]byte(nil), k...), append([]byte(nil), v...)})
			return nil
		})
		opens := 0
		for _, e := range exact {
			opens += btoi(isOpenKey(e.k))
		}
		if len(exact) < 50 || opens == 0 {
			t.Fatalf("the demo has %d exact entries, %d of open cases", len(exact), opens)
		}
		changed, dropped, added := 0, 0, 0
		var recomputed []kvp
		for i, e := range exact {
			switch i % 7 {
			case 1: // recomputed otherwise
				v := append([]byte(nil), e.v...)
				v[len(v)-1] ^= 0x5a
				recomputed = append(recomputed, kvp{e.k, v})
				changed++
			case 3: // not recomputed: the stored one is extra
				dropped++
			default:
				recomputed = append(recomputed, e)
			}
			if i%11 == 5 { // recomputed, not stored: missing
				k := append([]byte(nil), e.k...)
				k[len(k)-1] ^= 0xff
				recomputed = append(recomputed, kvp{k, e.v})
				added++
			}
		}
		for _, e := range recomputed {
			byMap.exact[string(e.k)] = e.v
		}
		r.Shuffle(len(recomputed), func(i, j int) { recomputed[i], recomputed[j] = recomputed[j], recomputed[i] })
		half := newCheckAggSet(nil) // two workers' sets, merged as Check merges them
		for i, e := range recomputed {
			if i%2 == 0 {
				flat.putExact(e.k, e.v)
			} else {
				half.putExact(e.k, e.v)
			}
		}
		flat.flat.merge(half.flat)
		for _, kept := range []bool{true, false} {
			var want, got []Problem
			checkResultsKept(s, tx, byMap, kept, func(p Problem) { want = append(want, p) })
			checkResultsKept(s, tx, flat, kept, func(p Problem) { got = append(got, p) })
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("open rows kept %v: flat\n%v\nmap\n%v", kept, got, want)
			}
			missing, extra := 0, 0
			for _, p := range want {
				missing += btoi(strings.Contains(p.What, "missing; recomputed"))
				extra += btoi(strings.Contains(p.What, "recomputed from the events nothing"))
			}
			if missing == 0 || extra == 0 || len(want) < changed+dropped {
				t.Fatalf("open rows kept %v: %d problems (%d missing, %d extra) for %d changed, %d dropped, %d added",
					kept, len(want), missing, extra, changed, dropped, added)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestFlatExactSealIsSortedLastPutWins: seal leaves the entries in key order, one per
// key, the value the last put (as a map keeps it), on random keys of 0 to 14 bytes drawn
// from few byte values (keys that are prefixes of others, shorter than the 8-byte
// prefixes seal sorts by first, with zero bytes, and put several times): 20 sets of 1,000
// sorted on one goroutine, and 4 of 3×sealSplit sorted in two halves, two of them
// without the open cases' entries (noOpen).
func TestFlatExactSealIsSortedLastPutWins(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for round := range 24 {
		var f flatExact
		want := map[string][]byte{}
		n := 1000
		if round >= 20 {
			n = 3 * sealSplit
			f.noOpen = round%2 == 1
		}
		for i := range n {
			k := make([]byte, r.IntN(15))
			for j := range k {
				k[j] = []byte{0, 1, 0xff, 'a'}[r.IntN(4)]
			}
			if round >= 20 && i%5 == 0 {
				k = sideOpenKey(uint32(r.IntN(n / 4)))
			}
			v := []byte{byte(round), byte(i), byte(i >> 8)}
			f.put(k, v)
			if !f.noOpen || !isOpenKey(k) {
				want[string(k)] = v
			}
		}
		f.seal()
		if len(f.at) != len(want) {
			t.Fatalf("round %d: %d entries after seal, want %d keys", round, len(f.at), len(want))
		}
		var prev []byte
		for i := range f.at {
			k, v := f.entry(i)
			if i > 0 && strings.Compare(string(prev), string(k)) >= 0 {
				t.Fatalf("round %d: entry %d's key %x does not follow %x", round, i, k, prev)
			}
			if w := want[string(k)]; string(w) != string(v) {
				t.Fatalf("round %d: key %x has %x, want %x (the last put)", round, k, v, w)
			}
			prev = k
		}
	}
}

// BenchmarkFlatExactSeal: sorting 525,000 exact entries shaped as a 100,000-case
// check's (a stage left per event: day, case and sequence), put by two workers.
func BenchmarkFlatExactSeal(b *testing.B) {
	keys := checkExactKeys()
	v := make([]byte, 17)
	for b.Loop() {
		b.StopTimer()
		var f, g flatExact
		for i, k := range keys {
			if i%2 == 0 {
				f.put(k, v)
			} else {
				g.put(k, v)
			}
		}
		f.merge(&g)
		b.StartTimer()
		f.seal()
	}
}

// TestFlatExactFindFromIsFind: looked up in ascending order (as checkResults asks, with
// keys absent, skipped and repeated) and in any order, from where the last answer left
// exactEntries, every key is found where find finds it, or not at all where find does
// not, and marked compared.
func TestFlatExactFindFromIsFind(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	key := func() []byte {
		k := make([]byte, 1+r.IntN(6))
		for j := range k {
			k[j] = []byte{0, 1, 'a', 0xff}[r.IntN(4)]
		}
		return k
	}
	for round := range 40 {
		a := newCheckAggSet(nil)
		for range 300 {
			a.putExact(key(), []byte{byte(round)})
		}
		e := a.exactEntries()
		f := a.flat
		var asks [][]byte
		for range 400 {
			asks = append(asks, key())
		}
		if round%2 == 0 { // the stored keys' order
			slices.SortFunc(asks, bytes.Compare)
		}
		for _, k := range asks {
			wi, wok := f.find(k)
			v, ok := e.get(k)
			if ok != wok {
				t.Fatalf("round %d: key %x found %v, find says %v", round, k, ok, wok)
			}
			if !ok {
				continue
			}
			if gk, gv := f.entry(wi); !bytes.Equal(gk, k) || !bytes.Equal(gv, v) {
				t.Fatalf("round %d: key %x gave %x, find's entry is %x=%x", round, k, v, gk, gv)
			}
			if f.seen[wi/64]&(1<<(wi%64)) == 0 {
				t.Fatalf("round %d: key %x found but not marked compared", round, k)
			}
		}
	}
}

// BenchmarkFlatExactLookups: the 525,000 exact entries of BenchmarkFlatExactSeal looked
// up in key order, as checkResults asks for the stored ones: by a binary search among all
// each time ("find", as before) and from where the last one was found ("findFrom").
func BenchmarkFlatExactLookups(b *testing.B) {
	keys := checkExactKeys()
	v := make([]byte, 17)
	var f flatExact
	for _, k := range keys {
		f.put(k, v)
	}
	f.seal()
	slices.SortFunc(keys, bytes.Compare)
	for _, way := range []string{"find", "findFrom"} {
		b.Run(way, func(b *testing.B) {
			for b.Loop() {
				next := 0
				for _, k := range keys {
					var i int
					var ok bool
					if way == "find" {
						i, ok = f.find(k)
					} else {
						i, ok = f.findFrom(k, next)
					}
					if !ok {
						b.Fatalf("key %x not found", k)
					}
					next = i + 1
				}
			}
		})
	}
}

// checkExactKeys: 525,000 exact entries' keys shaped as a 100,000-case check's (a stage
// left per event: day, case and sequence), in the order the cases are walked.
func checkExactKeys() [][]byte {
	r := rand.New(rand.NewPCG(7, 8))
	var keys [][]byte
	for id := range uint32(100000) {
		day := uint32(20000 + r.IntN(400))
		for seq := range uint32(5) {
			keys = append(keys, sideMoveKey(day+seq, id+1, seq+2))
		}
	}
	return keys
}

// BenchmarkCheckAggRows: check's aggregates of 100,000 cases (a demo office's 400, each
// copy moved by a day, 250 times, so that the rows are as many as a large office's):
// addCase and addEvents into one of check's sets.
func BenchmarkCheckAggRows(b *testing.B) {
	_, stored, events := demoCases(b)
	type one struct {
		c    workflow.Case
		lean []workflow.StatEvent
	}
	var all []one
	for id, c := range stored {
		lean := make([]workflow.StatEvent, 0, len(events[id]))
		for i := range events[id] {
			lean = append(lean, workflow.StatEventOf(&events[id][i]))
		}
		all = append(all, one{c.ForStats(), lean})
	}
	const copies = 250
	day := int64(24 * time.Hour)
	late := workflow.NewLateJudge(workflow.DefaultSLA(), nil)
	cpu := cpuSeconds()
	for b.Loop() {
		a := newCheckAggSet(late)
		var lean []workflow.StatEvent
		for k := range copies {
			shift := time.Duration(k) * 24 * time.Hour
			for i := range all {
				c := all[i].c
				c.ID += uint32(k) << 20
				c.ReceivedAt, c.ClosedAt = c.ReceivedAt.Add(shift), c.ClosedAt.Add(shift)
				a.addCase(&c, 1)
				lean = append(lean[:0], all[i].lean...)
				for j := range lean {
					lean[j].At += int64(k) * day
				}
				a.addEvents(c.ID, lean, 0)
			}
		}
	}
	b.ReportMetric((cpuSeconds()-cpu)*1e3/float64(b.N), "cpu-ms/op")
}
