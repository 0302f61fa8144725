package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// TestChunkFramesReadAsOne pins what the append of a frame (appendFrame) stands on: a
// chunk whose compressed part is several zstd frames — the first without its magic
// number, the later ones with it, even with different dictionaries — reads as the one
// frame of the same records, by the reader every version since schema 5 has (put the
// magic back, zstd.Decoder.DecodeAll). The frames are made here with the zstd library
// itself, not with the store's writer; and in a store, such a chunk reads, checks clean
// and takes a commit.
func TestChunkFramesReadAsOne(t *testing.T) {
	s, id, c := threeCaseStore(t)
	var evs [][]byte
	if err := s.db.View(func(tx kv.Tx) error {
		var err error
		evs, err = caseEvents(tx, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(evs) < 4 || len(evs) != c.Version {
		t.Fatalf("case %d has %d events (version %d); the test wants 4 or more", id, len(evs), c.Version)
	}
	frame := func(dict []byte, recs []byte) []byte {
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderDict(dict), zstd.WithEncoderCRC(false), zstd.WithEncoderLevel(zstd.SpeedFastest))
		if err != nil {
			t.Fatal(err)
		}
		defer enc.Close()
		return enc.EncodeAll(recs, nil)
	}
	// multi: events 1–2 in the first frame (written with dictionary firstDict), each
	// later one in a frame of its own (dictionary 2).
	multi := func(firstDict byte) []byte {
		v := []byte{codecChunk, firstDict}
		v = binary.AppendUvarint(v, 1)
		v = binary.AppendUvarint(v, uint64(len(evs)))
		v = append(v, frame(zdicts[firstDict].data, recordsOf(evs[:2]))[len(zstdMagic):]...)
		for _, ev := range evs[2:] {
			v = append(v, frame(zdicts[2].data, recordsOf([][]byte{ev}))...)
		}
		return v
	}
	for _, d := range []byte{1, 2} {
		v := multi(d)
		var u unpacker
		first, content, err := u.frame(v)
		if err != nil || first != 1 || !bytes.Equal(content, recordsOf(evs)) {
			t.Fatalf("first frame with dictionary %d: the frames read as %d bytes from event %d (%v); want the %d bytes of the records", d, len(content), first, err, len(recordsOf(evs)))
		}
		got, err := eventsIn(id, [][]byte{u32(id)}, [][]byte{v})
		if err != nil || fmt.Sprintf("%q", got) != fmt.Sprintf("%q", evs) {
			t.Fatalf("first frame with dictionary %d: the case's events read as %d (%v); want its %d", d, len(got), err, len(evs))
		}
	}

	// In the store: the case's chunk replaced by its frames.
	path := s.Path()
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bEvents).Put(u32(id), multi(1)) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("check of a chunk of several frames: %v", p)
	}
	comments(t, s, id, len(evs)+1)
	wholeHistory(t, s, id, len(evs)+1, true)
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("check after a commit on a chunk of several frames: %v", p)
	}
}

// TestCommitAppendsAFrame: on both backends, a commit keeps its chunk's compressed bytes
// as they were and adds a frame holding only its own event, except where chunkRepack (or
// a full chunk) says to write the chunk anew, as one frame; the case reads whole and
// chained for every reader, across chunk boundaries, and checks clean.
func TestCommitAppendsAFrame(t *testing.T) {
	chunkBackends(t, 3, func(t *testing.T, s *Store, reopen func() *Store) {
		id := s.Snapshot().List()[0].ID
		c, err := s.Case(id)
		if err != nil {
			t.Fatal(err)
		}
		stored := func(seq int) []byte {
			var v []byte
			if err := s.db.View(func(tx kv.Tx) error {
				v = bytes.Clone(tx.Bucket(bEvents).Get(chunkKey(id, chunkStart(seq))))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return v
		}
		end := 2*chunkEvents + chunkRepack + 3
		frames, repacks, raw := 0, 0, 0 // appends that added a frame (raw: stored as it is), that wrote the chunk anew
		for v := c.Version; v < end; v++ {
			before := stored(v + 1) // the chunk the next event goes into (nil: it starts one)
			if v%2 == 0 {
				comments(t, s, id, v+1) // about 500 B of JSON, and every third a letter's length
			} else if _, err := s.Apply(id, v, Demo.Staff[0], workflow.Action{Kind: workflow.ActComment, Comment: "好"}); err != nil {
				t.Fatal(err) // a short one: about 450 B
			}
			after := stored(v + 1)
			first, count, rest, err := chunkHead(after)
			if err != nil || !isChunk(after) || first != chunkStart(v+1) || first+count != v+2 {
				t.Fatalf("event %d: its chunk holds %d events from %d (%v); want it to end with it", v+1, count, first, err)
			}
			var u unpacker
			_, content, err := u.frame(after)
			if err != nil {
				t.Fatalf("event %d: its chunk is unreadable: %v", v+1, err)
			}
			if before == nil || count%chunkRepack == 0 || count == chunkEvents || !isChunk(before) {
				// One frame: what packChunk writes of the records.
				if !bytes.Equal(after, packChunk(nil, first, count, content)) {
					t.Fatalf("event %d (%d of its chunk): the chunk is not one frame of its records", v+1, count)
				}
				repacks++
				continue
			}
			_, _, was, err := chunkHead(before)
			if err != nil || !bytes.HasPrefix(rest, was) {
				t.Fatalf("event %d (%d of its chunk): the chunk's compressed bytes before it are not kept as they were", v+1, count)
			}
			_, dec, _ := codecs()
			one, err := dec.DecodeAll(rest[len(was):], nil)
			n, cerr := frameCount(one)
			if err != nil || cerr != nil || n != 1 || !bytes.HasSuffix(content, one) {
				t.Fatalf("event %d (%d of its chunk): what follows the kept bytes is not a frame of it alone (%d records, %v %v)", v+1, count, n, err, cerr)
			}
			if stored := bytes.Equal(rest[len(was):], rawFrame(nil, one)); stored != (len(one) <= rawFrameMax) {
				t.Fatalf("event %d: a record of %d bytes stored as it is: %v; want it so up to %d bytes", v+1, len(one), stored, rawFrameMax)
			} else if stored {
				raw++
			}
			frames++
		}
		if frames == 0 || repacks == 0 || raw == 0 || raw == frames {
			t.Fatalf("%d appends added a frame (%d of them stored as it is) and %d wrote the chunk anew; want each kind", frames, raw, repacks)
		}
		wantLayout(t, s, id, end)
		wholeHistory(t, s, id, end, true)
		if p := s.Check(); len(p) != 0 {
			t.Fatalf("check: %v", p)
		}
		s.Close()
		s2 := reopen()
		wholeHistory(t, s2, id, end, true)
	})
}

// TestRawFrameDecodes: the stored frames appendFrame writes for short records (rawFrame,
// written by hand after RFC 8878) decode to their content, for every width of the
// content-size field and across the 128 KB block limit, alone and after a compressed
// frame; and a frame of any size at all is what eventFrame adds for a short record.
func TestRawFrameDecodes(t *testing.T) {
	_, dec, err := codecs()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 255, 256, 1000, 65535, 65791, 65792, 128 << 10, 128<<10 + 1, 300000} {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(i*7 + i/300)
		}
		f := rawFrame(nil, p)
		var h zstd.Header
		if err := h.Decode(f); err != nil || !h.SingleSegment || !h.HasFCS || h.FrameContentSize != uint64(n) || h.DictionaryID != 0 {
			t.Fatalf("%d bytes: the frame's header reads as %+v (%v)", n, h, err)
		}
		got, err := dec.DecodeAll(f, nil)
		if err != nil || !bytes.Equal(got, p) {
			t.Fatalf("%d bytes: the frame decodes to %d bytes (%v)", n, len(got), err)
		}
		if n > 0 {
			before := packValue(nil, []byte(`{"a":1}`))[2:] // a compressed frame without its magic
			got, err = dec.DecodeAll(append(append(bytes.Clone(zstdMagic), before...), f...), nil)
			if err != nil || !bytes.Equal(got, append([]byte(`{"a":1}`), p...)) {
				t.Fatalf("%d bytes after a compressed frame: %d bytes decoded (%v)", n, len(got), err)
			}
		}
	}
	if rec := bytes.Repeat([]byte("x"), rawFrameMax); !bytes.Equal(eventFrame(nil, rec), rawFrame(nil, rec)) {
		t.Error("a record of rawFrameMax bytes is not stored as it is")
	}
	if rec := bytes.Repeat([]byte("x"), rawFrameMax+1); bytes.Equal(eventFrame(nil, rec), rawFrame(nil, rec)) {
		t.Error("a record longer than rawFrameMax is stored as it is")
	}
}

// TestFrameValueMadeOnce: the value a commit stores when it adds an event's frame to a
// chunk (appendFrame into frameValueCap's room) is made in the one allocation, for a
// short event stored as it is and for a long one compressed.
func TestFrameValueMadeOnce(t *testing.T) {
	var content []byte
	for i := range 12 {
		content = binary.AppendUvarint(content, 40)
		content = append(content, fmt.Sprintf(`{"seq":%d,"comment":"%024d"}`, i+1, i)...)[:len(content)+40]
	}
	old := packChunk(nil, 33, 12, content)
	_, _, rest, err := chunkHead(old)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(23, 3))
	for _, size := range []int{20, 300, rawFrameMax - 2, rawFrameMax, 2000, 9000} {
		js := make([]byte, size) // letters at random: a compressed frame is about 60% of them
		for i := range js {
			js[i] = 'a' + byte(rng.IntN(26))
		}
		rec := append(binary.AppendUvarint(nil, uint64(len(js))), js...)
		buf := make([]byte, 0, frameValueCap(old, rec))
		v := appendFrame(buf, old[1], 33, 13, rest, rec)
		if &v[:1][0] != &buf[:1][0] {
			t.Errorf("a %d-byte event: the value (%d bytes) outgrew its room (%d)", size, len(v), cap(buf))
		}
		var u unpacker
		if first, got, err := u.frame(v); err != nil || first != 33 || !bytes.Equal(got, append(bytes.Clone(content), rec...)) {
			t.Errorf("a %d-byte event: the value reads as %d, %d bytes (%v)", size, first, len(got), err)
		}
	}
}
