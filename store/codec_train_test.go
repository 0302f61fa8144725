package store

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/klauspost/compress/dict"
	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"

	"repairdesk/workflow"
)

// sampleEvents reads every nth event of a database file, as stored.
func sampleEvents(t *testing.T, path string, n int) [][]byte {
	return sampleValues(t, path, bEvents, n)
}

// sampleValues reads every nth value of a bucket of a database file, as JSON.
func sampleValues(t *testing.T, path string, bucket []byte, n int) [][]byte {
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out [][]byte
	i := 0
	_ = s.viewBolt(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			if i++; i%n == 0 {
				js, err := unpackValue(v)
				if err != nil {
					return err
				}
				out = append(out, bytes.Clone(js))
			}
			return nil
		})
	})
	return out
}

// TestTrainDictionary writes zdict/events-<id>.zdict, a zstd dictionary trained on every
// 97th event and every 20th case of the demo database REPAIRDESK_TRAIN names (skipped
// without it). It is run
// once per dictionary: a dictionary values were written with never changes (codec.go).
//
//	REPAIRDESK_TRAIN=demo.db REPAIRDESK_DICT_ID=1 go test -run TestTrainDictionary ./store/
func TestTrainDictionary(t *testing.T) {
	path, id := os.Getenv("REPAIRDESK_TRAIN"), os.Getenv("REPAIRDESK_DICT_ID")
	if path == "" || id == "" {
		t.Skip("REPAIRDESK_TRAIN names a demo database, REPAIRDESK_DICT_ID the new dictionary's id")
	}
	var n uint32
	fmt.Sscan(id, &n)
	samples := append(sampleEvents(t, path, 97), sampleValues(t, path, bCases, 20)...)
	d, err := dict.BuildZstdDict(samples, dict.Options{MaxDictSize: 64 << 10, HashBytes: 6, ZstdDictID: n, ZstdLevel: zstd.SpeedDefault})
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("zdict/events-%d.zdict", n)
	if fi, err := os.Stat(out); err == nil && fi.Size() > 0 {
		t.Fatalf("%s exists: a dictionary values were written with never changes; choose a new id", out)
	}
	if err := os.WriteFile(out, d, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d bytes from %d events", out, len(d), len(samples))
}

// TestCompareEncodings compares, on a sample of REPAIRDESK_MEASURE's events, the sizes
// and decode times of JSON, zstd without and with dictionaries, and gob (a binary codec
// without compression, its type sent once: the best case for a binary codec's size).
func TestCompareEncodings(t *testing.T) {
	path := os.Getenv("REPAIRDESK_MEASURE")
	if path == "" {
		t.Skip("REPAIRDESK_MEASURE names a database to measure")
	}
	all := sampleEvents(t, path, 13)
	train, test := [][]byte{}, [][]byte{}
	for i, s := range all { // train and measure on different events
		if i%7 == 0 {
			train = append(train, s)
		} else {
			test = append(test, s)
		}
	}
	var raw int
	for _, s := range test {
		raw += len(s)
	}
	report := func(name string, size int, dec time.Duration) {
		fmt.Printf("%-34s %6.0f B/event (%4.1f%% of JSON)  decode %5.2f µs/event\n", name, float64(size)/float64(len(test)),
			100*float64(size)/float64(raw), float64(dec.Microseconds())/float64(len(test)))
	}
	start := time.Now()
	for _, s := range test {
		var ev workflow.Event
		_ = json.Unmarshal(s, &ev)
	}
	report("JSON (json.Unmarshal)", raw, time.Since(start))
	zt := func(name string, d []byte, lvl zstd.EncoderLevel) {
		eo := []zstd.EOption{zstd.WithEncoderCRC(false), zstd.WithEncoderLevel(lvl)}
		do := []zstd.DOption{}
		if d != nil {
			eo, do = append(eo, zstd.WithEncoderDict(d)), append(do, zstd.WithDecoderDicts(d))
		}
		enc, _ := zstd.NewWriter(nil, eo...)
		dec, _ := zstd.NewReader(nil, do...)
		packed := make([][]byte, len(test))
		size := 0
		for i, s := range test {
			packed[i] = enc.EncodeAll(s, nil)
			size += len(packed[i]) - 4 + 2
		}
		start := time.Now()
		var buf []byte
		for _, p := range packed {
			buf, _ = dec.DecodeAll(p, buf[:0])
		}
		report(name, size, time.Since(start))
	}
	zt("zstd, no dictionary, default", nil, zstd.SpeedDefault)
	for _, kb := range []int{32, 64, 112} {
		d, err := dict.BuildZstdDict(train, dict.Options{MaxDictSize: kb << 10, HashBytes: 6, ZstdDictID: 9, ZstdLevel: zstd.SpeedDefault})
		if err != nil {
			t.Fatal(err)
		}
		zt(fmt.Sprintf("zstd, %d KB dictionary, fastest", kb), d, zstd.SpeedFastest)
		zt(fmt.Sprintf("zstd, %d KB dictionary, default", kb), d, zstd.SpeedDefault)
		zt(fmt.Sprintf("zstd, %d KB dictionary, better", kb), d, zstd.SpeedBetterCompression)
	}
	var gb bytes.Buffer
	ge := gob.NewEncoder(&gb)
	for _, s := range test {
		var ev workflow.Event
		_ = json.Unmarshal(s, &ev)
		_ = ge.Encode(ev)
	}
	size := gb.Len()
	gd := gob.NewDecoder(bytes.NewReader(gb.Bytes()))
	start = time.Now()
	for range test {
		var ev workflow.Event
		_ = gd.Decode(&ev)
	}
	report("gob (binary, type sent once)", size, time.Since(start))
}
