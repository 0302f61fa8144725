package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
)

// TestHashChainTellsListsApart: the chain Check compares a case's stored hashes with the
// anchor log by is the same for the same list, and differs, at the same count, when any
// one hash of the list differs — each position of lists of 1 to 7 hashes, the odd last
// one included — and between two lists that are the same hashes in another order.
func TestHashChainTellsListsApart(t *testing.T) {
	hashes := make([]string, 8)
	for i := range hashes {
		s := sha256.Sum256([]byte(fmt.Sprint("event ", i)))
		hashes[i] = hex.EncodeToString(s[:])
	}
	other := sha256.Sum256([]byte("another event"))
	for n := 1; n < len(hashes); n++ {
		list := hashes[:n]
		base, ok := chainOf(n, func(i int) string { return list[i] })
		if !ok {
			t.Fatal("a hash as the store writes it was refused")
		}
		again, _ := chainOf(n, func(i int) string { return list[i] })
		if again != base {
			t.Fatalf("%d hashes: two chains of one list differ", n)
		}
		for at := range n {
			changed, _ := chainOf(n, func(i int) string {
				if i == at {
					return hex.EncodeToString(other[:])
				}
				return list[i]
			})
			if changed == base {
				t.Errorf("%d hashes: hash %d changed, the chain did not", n, at+1)
			}
		}
		if n >= 2 {
			swapped, _ := chainOf(n, func(i int) string {
				switch i {
				case n - 2:
					return list[n-1]
				case n - 1:
					return list[n-2]
				}
				return list[i]
			})
			if swapped == base {
				t.Errorf("%d hashes: the last two swapped, the chain did not change", n)
			}
		}
	}
	if _, ok := chainOf(1, func(int) string { return "ABC" }); ok {
		t.Error("a hash not written as the store writes one was taken into a chain")
	}
}

// BenchmarkAnchorChain: what Check spends on the anchor log's chains at 100,000 cases of
// 13 events (the fixture's average): each case's chain built from its stored hashes
// (chainOf), as the log's replay also builds it. go test -run - -bench AnchorChain ./store/
func BenchmarkAnchorChain(b *testing.B) {
	hashes := make([]string, 13)
	for i := range hashes {
		s := sha256.Sum256([]byte(fmt.Sprint("event ", i)))
		hashes[i] = hex.EncodeToString(s[:])
	}
	for b.Loop() {
		for range 100_000 {
			if _, ok := chainOf(len(hashes), func(i int) string { return hashes[i] }); !ok {
				b.Fatal("refused")
			}
		}
	}
}

// The compact replay's chains in blocks: each index keeps its own chain across blocks,
// and a chain in hand stays the stored one while more are added (applyCompact holds one
// while the replay goes on).
func TestAnchorChainsKeepTheirPlaces(t *testing.T) {
	var cs anchorChains
	n := 3*chainBlock + 17
	first := cs.of(cs.add())
	for i := 1; i < n; i++ {
		if j := cs.add(); int(j) != i {
			t.Fatalf("chain %d was given index %d", i, j)
		}
		cs.of(int32(i)).n = uint32(i)
		cs.of(int32(i)).last = uint64(i) * 7
	}
	first.n = 99
	for i := 1; i < n; i++ {
		if c := cs.of(int32(i)); c.n != uint32(i) || c.last != uint64(i)*7 {
			t.Fatalf("chain %d holds n %d, last %d", i, c.n, c.last)
		}
	}
	if cs.of(0).n != 99 {
		t.Errorf("a chain in hand is not the stored one once more were added: %d", cs.of(0).n)
	}
}
