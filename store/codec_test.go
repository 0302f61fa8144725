package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"repairdesk/workflow"
)

// TestDictionariesNeverChange: every dictionary values may name is the one they were
// written with (codec.go checks the SHA-256 at start); values round-trip exactly; a value
// naming an unknown dictionary or damaged says so instead of decoding to something else.
func TestDictionariesNeverChange(t *testing.T) {
	for id, d := range zdicts {
		sum := sha256.Sum256(d.data)
		if hex.EncodeToString(sum[:]) != d.sum || len(d.data) < 1024 {
			t.Fatalf("dictionary %d has changed (or is empty): values written with it would not decode", id)
		}
	}
	if _, _, err := codecs(); err != nil {
		t.Fatal(err)
	}
	ev := workflow.Event{CaseID: 7, Seq: 3, Kind: workflow.ActAccept, Actor: "wangfang", At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		To: "accepted", Comment: strings.Repeat("受理 ", 40), PrevHash: strings.Repeat("a", 64), Hash: strings.Repeat("b", 64)}
	js, _ := json.Marshal(ev)
	p := packValue(nil, js)
	if !isPacked(p) || len(p) >= len(js) || p[1] != writeDict {
		t.Fatalf("packed %d bytes into %d (%x…)", len(js), len(p), p[:2])
	}
	back, err := ValueJSON(p)
	if err != nil || !bytes.Equal(back, js) {
		t.Fatalf("round trip: %v\n%s\n%s", err, back, js)
	}
	if back, err := ValueJSON(js); err != nil || !bytes.Equal(back, js) {
		t.Fatalf("a JSON value reads as it is: %v", err)
	}
	bad := append([]byte{codecZstd, 99}, p[2:]...)
	if _, err := ValueJSON(bad); err == nil || !strings.Contains(err.Error(), "dictionary 99") {
		t.Errorf("an unknown dictionary: %v", err)
	}
	cut := p[:len(p)-5]
	if _, err := ValueJSON(cut); err == nil {
		t.Error("a cut value decoded")
	}
}

// TestStoredHashOK: check's hash of the stored bytes agrees with EventHash on what the
// store writes, and refuses anything else (which check then re-encodes).
func TestStoredHashOK(t *testing.T) {
	ev := workflow.Event{CaseID: 7, Seq: 1, Kind: workflow.ActCreate, Actor: "wangfang", At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), To: "intake", Comment: "受理"}
	ev.Hash = EventHash(ev)
	js, _ := json.Marshal(ev)
	if !storedHashOK(js, ev.Hash) {
		t.Fatalf("the stored form of an event does not hash to its hash: %s", js)
	}
	altered := bytes.Replace(js, []byte("受理"), []byte("驳回"), 1)
	if storedHashOK(altered, ev.Hash) {
		t.Error("an altered comment passed")
	}
	spaced := bytes.Replace(js, []byte(`,"hash"`), []byte(`, "hash"`), 1)
	if storedHashOK(spaced, ev.Hash) {
		t.Error("JSON written another way passed without being re-encoded")
	}
	if storedHashOK(js, strings.Repeat("0", 64)) {
		t.Error("another hash passed")
	}
}

// TestValuesOfAnEarlierDictionaryRead: a value written with dictionary 1 (as files
// written before dictionary 2 hold them) reads back as the JSON that was written, beside
// values written with today's dictionary.
func TestValuesOfAnEarlierDictionaryRead(t *testing.T) {
	if writeDict == 1 {
		t.Skip("dictionary 1 is still the one written")
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderDict(dict1), zstd.WithEncoderCRC(false),
		zstd.WithEncoderLevel(zstd.SpeedBetterCompression), zstd.WithZeroFrames(true))
	if err != nil {
		t.Fatal(err)
	}
	js := []byte(`{"case_id":7,"seq":1,"kind":"create","comment":"受理材料齐全，进入核查"}`)
	frame := enc.EncodeAll(js, nil)
	old := append([]byte{codecZstd, 1}, frame[len(zstdMagic):]...)
	back, err := ValueJSON(old)
	if err != nil || !bytes.Equal(back, js) {
		t.Fatalf("a dictionary-1 value: %v\n%s", err, back)
	}
	now := packValue(nil, js)
	if now[1] != writeDict {
		t.Fatalf("written with dictionary %d", now[1])
	}
	if back, err := ValueJSON(now); err != nil || !bytes.Equal(back, js) {
		t.Fatalf("a dictionary-%d value: %v", writeDict, err)
	}
}
