package store

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"repairdesk/store/kv"
)

// TestSoundLeavesScanFindsTheSame: the structure scan finds the same damage, in the same
// order, whether it reads every page from the file or takes as checked every leaf page
// leafSound passes (all of the file's, more than Check's read-ahead marks), on copies of
// a demo office damaged in many ways: pages of the cases, events and results trees
// zeroed, bytes of their headers and elements changed, keys put out of order, an
// element made a sub-bucket, a branch pointing at a page used elsewhere, a page given
// overflow pages, a value made longer than its page. And Check's
// read-ahead marks most leaves of the sound file: the scan does take its shortcut.
func TestSoundLeavesScanFindsTheSame(t *testing.T) {
	s := demoStore(t, 400, 11)
	path := s.path
	owners, ps, err := PageOwners(path)
	if err != nil {
		t.Fatal(err)
	}
	marked, leaves := 0, 0
	err = s.db.View(func(tx kv.Tx) error {
		sound := s.soundLeavesFor(tx)
		prefetchAllMarking(tx, sound, checkBuckets(tx, tx.Bucket(bCases), tx.Bucket(bEvents))...)
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for id := range owners {
			if int(id+1)*ps <= len(raw) && binary.NativeEndian.Uint16(raw[int(id)*ps+8:]) == leafFlag {
				leaves++
				marked += btoi(sound.has(id))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if marked < leaves*9/10 {
		t.Fatalf("the read-ahead marked %d of %d leaf pages sound", marked, leaves)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	sound, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pages []uint64
	for id, b := range owners {
		if b == string(bCases) || b == string(bEvents) || b == string(bResults) {
			pages = append(pages, id)
		}
	}
	slices.Sort(pages)
	r := rand.New(rand.NewPCG(3, 4))
	found := 0
	for round := range 140 {
		b := bytes.Clone(sound)
		id := pages[r.IntN(len(pages))]
		p := b[int(id)*ps : int(id+1)*ps]
		ne := binary.NativeEndian
		count := int(ne.Uint16(p[10:]))
		elem := func() []byte { i := r.IntN(max(count, 1)); return p[pageHeader+i*leafElement:][:leafElement] }
		switch kind := round % 7; kind {
		case 0:
			clear(p)
		case 1: // bytes of the header and the elements
			for range 1 + r.IntN(3) {
				p[r.IntN(min(len(p), pageHeader+count*leafElement+1))] ^= byte(1 + r.IntN(255))
			}
		case 2: // a key's first byte: keys out of order, most of the time
			if ne.Uint16(p[8:]) == leafFlag && count > 1 {
				i := 1 + r.IntN(count-1)
				e := p[pageHeader+i*leafElement:]
				pos := pageHeader + i*leafElement + int(ne.Uint32(e[4:]))
				p[pos] = 0
			} else {
				p[pageHeader+4] ^= 0x40
			}
		case 3: // an element made a sub-bucket
			if ne.Uint16(p[8:]) == leafFlag {
				ne.PutUint32(elem(), bucketLeaf)
			} else {
				ne.PutUint16(p[8:], leafFlag)
			}
		case 4: // a branch's child, another page of the file (used twice)
			if ne.Uint16(p[8:]) == branchFlag {
				ne.PutUint64(elem()[8:], pages[r.IntN(len(pages))])
			} else {
				ne.PutUint64(p, id+1) // says it is another page
			}
		case 5: // the element count
			ne.PutUint16(p[10:], uint16(count+1+r.IntN(2000)))
		case 6: // overflow pages, or a value's size
			if r.IntN(2) == 0 {
				ne.PutUint32(p[12:], uint32(1+r.IntN(3)))
			} else {
				e := elem()
				ne.PutUint32(e[12:], ne.Uint32(e[12:])+uint32(ps))
			}
		}
		db := filepath.Join(t.TempDir(), "d.db")
		if err := os.WriteFile(db, b, 0o600); err != nil {
			t.Fatal(err)
		}
		g, err := validateFile(db)
		if err != nil || g == nil {
			t.Fatalf("round %d: the meta pages are not damaged, yet: %v", round, err)
		}
		f, err := os.Open(db)
		if err != nil {
			t.Fatal(err)
		}
		all := newSoundLeaves(g.pgid)
		for i := uint64(2); int(i+1)*ps <= len(b); i++ {
			if leafSound(b[int(i)*ps:int(i+1)*ps], i) {
				all.mark(i)
			}
		}
		read := scanTree(f, db, ps, g.pgid, g.root, nil)
		taken := scanTree(f, db, ps, g.pgid, g.root, all)
		f.Close()
		if !reflect.DeepEqual(read, taken) {
			t.Fatalf("round %d (page %d of %s): reading every page found\n%v\ntaking sound leaves as checked\n%v", round, id, owners[id], read, taken)
		}
		found += btoi(len(read) > 0)
	}
	if found < 70 {
		t.Fatalf("only %d of 140 damaged copies had damage found: the test tests little", found)
	}
}
