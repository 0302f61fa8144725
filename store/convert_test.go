package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// oldFixture puts testdata/schema2 — 40 demo cases written by the schema-2 repairdesk
// (JSON values), with their key, anchor log and anchor keys — in a new directory, and
// returns the database's path.
func oldFixture(t *testing.T) string { return fixtureOf(t, "schema2") }

// fixtureOf is oldFixture for the fixture in testdata/<schema>: schema3 holds 40 demo
// cases written by the schema-3 repairdesk (every event compressed on its own, under its
// case id and sequence), and the JSON its `export` wrote of them.
func fixtureOf(t *testing.T, schema string) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("testdata", schema)
	gz, err := os.Open(filepath.Join(src, "demo40.db.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer gz.Close()
	zr, err := gzip.NewReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	db, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "demo40.db")
	if err := os.WriteFile(path, db, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".key", ".anchors", ".anchor-key", ".anchor-key.pub"} {
		b, err := os.ReadFile(filepath.Join(src, "demo40.db"+ext))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+ext, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// everything is the JSON of every case and event as the store reads them.
// readOld opens an old file read-only (it must read as it is, without a conversion), and
// gives everything in it, which must check clean.
func readOld(t *testing.T, path, schema string) (*Store, []byte) {
	t.Helper()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of a %s file: %v", schema, err)
	}
	before := everything(t, ro)
	if probs := ro.Check(); len(probs) != 0 {
		t.Fatalf("the old file checks with problems: %v", probs)
	}
	return ro, before
}

func everything(t *testing.T, s *Store) []byte {
	t.Helper()
	cases, err := s.AllCases()
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.AllEvents()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(struct {
		C any
		E any
	}{cases, evs})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// storedForms counts the cases' and events' values stored as JSON and compressed.
func storedForms(t *testing.T, path string) (jsonN, packedN int) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bCases, bEvents} {
			_ = tx.Bucket(b).ForEach(func(k, v []byte) error {
				if isPacked(v) {
					packedN++
				} else {
					jsonN++
				}
				return nil
			})
		}
		return nil
	})
	return
}

// TestConvertSchema2: a file the schema-2 repairdesk wrote reads as it is when opened
// read-only, and is converted once when opened for writing: every case and event then
// compressed, the same cases and events read back, the chains and the anchor log verify,
// progress is reported, and a second open converts nothing.
func TestConvertSchema2(t *testing.T) {
	path := oldFixture(t)
	if j, p := storedForms(t, path); j == 0 || p != 0 {
		t.Fatalf("the fixture holds %d JSON and %d compressed values; want only JSON", j, p)
	}
	ro, before := readOld(t, path, "schema-2")
	ro.Close()
	oldSize := fileSizeOf(t, path)

	// The open converts the file, then builds the results table's aggregates (the
	// schema-2 file has none): two pieces of work, each reported from 0 to its total,
	// one after the other — one progress line each.
	var calls int
	var last, total int64
	type part struct {
		what        string
		first, last int64
		total       int64
		calls       int
	}
	var parts []part
	s, err := Open(path, Options{Progress: func(what string, d, n int64) {
		if what == "convert" {
			calls, last, total = calls+1, d, n
		}
		if len(parts) == 0 || parts[len(parts)-1].what != what {
			parts = append(parts, part{what: what, first: d})
		}
		p := &parts[len(parts)-1]
		p.last, p.total, p.calls = d, n, p.calls+1
	}})
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 || last != total || total <= 0 {
		t.Errorf("progress: %d calls, last %d of %d", calls, last, total)
	}
	if len(parts) != 2 || parts[0].what != "convert" || parts[1].what != "results" {
		t.Errorf("the open reported %+v; want the conversion, then the results table's build", parts)
	}
	for _, p := range parts {
		if p.first != 0 || p.last != p.total || p.total <= 0 {
			t.Errorf("%s: reported from %d to %d of %d; want from 0 to its total", p.what, p.first, p.last, p.total)
		}
	}
	if after := everything(t, s); !bytes.Equal(before, after) {
		t.Error("the cases and events read after the conversion differ from before")
	}
	if probs := s.Check(); len(probs) != 0 {
		t.Errorf("check after the conversion: %v", probs)
	}
	if _, err := os.Stat(path + ".migrating"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the conversion's working copy is left behind: %v", err)
	}
	var schema int
	_ = s.viewBolt(func(tx *bolt.Tx) error { schema, _ = schemaOf(kv.BoltTxOf(tx)); return nil })
	if schema != SchemaVersion {
		t.Errorf("schema %d after the conversion, want %d", schema, SchemaVersion)
	}
	s.Close()
	if j, p := storedForms(t, path); j != 0 || p == 0 {
		t.Errorf("after the conversion %d values are JSON and %d compressed; want all compressed", j, p)
	}
	if n := fileSizeOf(t, path); n >= oldSize {
		t.Errorf("the file is %d bytes after the conversion, %d before", n, oldSize)
	}

	calls = 0
	s, err = Open(path, Options{Progress: func(what string, d, n int64) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 0 {
		t.Errorf("a second open converted or built again (%d progress calls)", calls)
	}
	if after := everything(t, s); !bytes.Equal(before, after) {
		t.Error("the cases and events read on a second open differ")
	}
	s.Close()
}

func fileSizeOf(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestConvertFailureLeavesTheOldFile: a conversion that fails part way (here after its
// third committed transaction) leaves the old file byte for byte, and no working copy;
// the next open converts it.
func TestConvertFailureLeavesTheOldFile(t *testing.T) {
	path := oldFixture(t)
	sum := fileSum(t, path)
	atConvertCommit(t, 16<<10, 3, func() error { return errors.New("injected failure") })
	_, err := Open(path, Options{})
	convertFail = nil
	if err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("open: %v, want the injected failure", err)
	}
	conversionLeftNothing(t, path, sum, "failed")
}

// conversionLeftNothing: after a conversion that did not finish (how: "failed",
// "interrupted"), the file is byte for byte as it was (sum), its working copy is gone,
// and the next open converts it and checks clean.
func conversionLeftNothing(t *testing.T, path string, sum [32]byte, how string) {
	t.Helper()
	if fileSum(t, path) != sum {
		t.Fatalf("a %s conversion changed the file", how)
	}
	if _, err := os.Stat(path + ".migrating"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the %s conversion's working copy is left behind: %v", how, err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if probs := s.Check(); len(probs) != 0 {
		t.Errorf("check after the conversion: %v", probs)
	}
}

// TestConvertKilled: a process killed in the middle of a conversion leaves the old file
// byte for byte (and a working copy the next open removes); the next open converts it.
func TestConvertKilled(t *testing.T) {
	if os.Getenv("REPAIRDESK_CONVERT_CHILD") != "" {
		t.Skip("the child runs TestConvertChild")
	}
	path := oldFixture(t)
	sum := fileSum(t, path)
	cmd := exec.Command(os.Args[0], "-test.run=^TestConvertChild$", "-test.v")
	cmd.Env = append(os.Environ(), "REPAIRDESK_CONVERT_CHILD="+path)
	outPath := filepath.Join(t.TempDir(), "child.out")
	outF, err := os.Create(outPath)
	if err != nil {
		t.Fatal(err)
	}
	defer outF.Close()
	cmd.Stdout, cmd.Stderr = outF, outF
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := func() string { b, _ := os.ReadFile(outPath); return string(b) }
	// Kill it once its working copy has had several transactions committed.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if fi, err := os.Stat(path + ".migrating"); err == nil && fi.Size() > 64<<10 && strings.Contains(out(), "committed 3") {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the child never got going:\n%s", out())
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if fileSum(t, path) != sum {
		t.Fatal("a conversion killed part way changed the file")
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("open after the kill: %v", err)
	}
	defer s.Close()
	if probs := s.Check(); len(probs) != 0 {
		t.Errorf("check after the conversion: %v", probs)
	}
	if _, err := os.Stat(path + ".migrating"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the killed conversion's working copy is left behind: %v", err)
	}
}

// TestConvertChild converts the file REPAIRDESK_CONVERT_CHILD names slowly, saying how
// many transactions it committed, for TestConvertKilled to kill it.
func TestConvertChild(t *testing.T) {
	path := os.Getenv("REPAIRDESK_CONVERT_CHILD")
	if path == "" {
		t.Skip("run by TestConvertKilled")
	}
	convertTxBytes = 16 << 10
	n := 0
	convertFail = func(int64) error {
		n++
		os.Stdout.WriteString("committed " + string(rune('0'+min(n, 9))) + "\n")
		time.Sleep(200 * time.Millisecond)
		return nil
	}
	s, err := Open(path, Options{})
	if err == nil {
		s.Close()
	}
	t.Fatal("the conversion finished before it was killed")
}

// An open refused for the key file (readable by others) leaves an older file as it was:
// the key is looked at before the conversion, not after it.
func TestConvertWaitsForTheKey(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes")
	}
	path := oldFixture(t)
	sum := fileSum(t, path)
	if err := os.Chmod(path+".key", 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{}); err == nil {
		t.Fatal("opened with a key file readable by others")
	}
	if fileSum(t, path) != sum {
		t.Fatal("the refused open converted the file")
	}
}

// TestConvertInterruptedLeavesTheOldFile: Ctrl+C (OpenContext ending) in the middle of a
// conversion stops it with ErrConvertInterrupted; the file is byte for byte as it was,
// its working copy is gone, and the next open converts it.
func TestConvertInterruptedLeavesTheOldFile(t *testing.T) {
	path := oldFixture(t)
	sum := fileSum(t, path)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The key pressed between two transactions of the copy.
	commits := atConvertCommit(t, 16<<10, 2, func() error { cancel(); return nil })
	_, err := Open(path, Options{OpenContext: ctx})
	convertFail = nil
	if !errors.Is(err, ErrConvertInterrupted) {
		t.Fatalf("open: %v, want ErrConvertInterrupted", err)
	}
	if *commits < 2 {
		t.Fatalf("the conversion stopped after %d transactions: the test did not interrupt it midway", *commits)
	}
	conversionLeftNothing(t, path, sum, "interrupted")
}

// eventLayout counts the entries of the events bucket of the file at path: frames (one
// per case, schema 4, or chunk 0, schema 5) and single events (schema 3 and earlier).
func eventLayout(t *testing.T, path string) (frames, singles int, bytes int64) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bEvents).ForEach(func(k, v []byte) error {
			bytes += int64(len(k) + len(v))
			switch {
			case len(k) == 4 && isFrame(v):
				frames++
			case len(k) == 8 && !isFrame(v):
				singles++
			case len(k) == 8 && isChunk(v): // a case's later chunks (schema 5)
			default:
				t.Errorf("events: key %x holds a value of kind %#x", k, v[0])
			}
			return nil
		})
	})
	return
}

// TestConvertSchema3: a file the schema-3 repairdesk wrote (one compressed value per
// event) reads as it is when opened read-only — its check clean, its history whole —
// and is converted once when opened for writing, with progress: then every case's events
// are one frame, the same cases and events read back byte for byte, the chains and the
// anchor log verify, the file is smaller, a commit appends to the frame, and a second
// open converts nothing.
func TestConvertSchema3(t *testing.T) {
	path := fixtureOf(t, "schema3")
	if f, n, _ := eventLayout(t, path); f != 0 || n == 0 {
		t.Fatalf("the fixture holds %d frames and %d single events; want only single events", f, n)
	}
	ro, before := readOld(t, path, "schema-3")
	hist, err := ro.Events(7)
	if err != nil || len(hist) == 0 {
		t.Fatalf("history of case 7 in the old file: %d events, %v", len(hist), err)
	}
	ro.Close()
	_, singles, oldBytes := eventLayout(t, path)

	var first, last, total int64 = -1, 0, 0
	s, err := Open(path, Options{Progress: func(what string, d, n int64) {
		if what == "convert" {
			if first < 0 {
				first = d
			}
			last, total = d, n
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if first != 0 || last != total || total <= 0 {
		t.Errorf("progress of the conversion: from %d to %d of %d", first, last, total)
	}
	if after := everything(t, s); !bytes.Equal(before, after) {
		t.Error("the cases and events read after the conversion differ from before")
	}
	if probs := s.Check(); len(probs) != 0 {
		t.Errorf("check after the conversion: %v", probs)
	}
	if h, err := s.Events(7); err != nil || !reflect.DeepEqual(h, hist) {
		t.Errorf("history of case 7 after the conversion differs (%v)", err)
	}
	s.Close()
	frames, n, newBytes := eventLayout(t, path)
	if n != 0 || frames != 40 {
		t.Errorf("after the conversion %d frames and %d single events (of %d); want 40 frames and none", frames, n, singles)
	}
	// The file itself grows in steps of bbolt's (512 KB both here); the events' bytes:
	if newBytes*10 > oldBytes*8 {
		t.Errorf("the events take %d bytes after the conversion, %d before: not even a fifth less", newBytes, oldBytes)
	}
	t.Logf("events: %d single values, %d bytes → %d frames, %d bytes", singles, oldBytes, frames, newBytes)

	calls := 0
	s, err = Open(path, Options{Progress: func(what string, d, n int64) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if calls != 0 {
		t.Errorf("a second open converted or built again (%d progress calls)", calls)
	}
	c, err := s.Case(7)
	if err != nil {
		t.Fatal(err)
	}
	wang, ok := s.Staff("wangfang")
	if !ok {
		t.Fatal("no wangfang in the fixture")
	}
	if _, err := s.Apply(7, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "转换后的第一条备注"}); err != nil {
		t.Fatalf("a commit after the conversion: %v", err)
	}
	if h, err := s.Events(7); err != nil || len(h) != len(hist)+1 || h[len(h)-1].Comment != "转换后的第一条备注" {
		t.Errorf("history after a commit: %d events (want %d), %v", len(h), len(hist)+1, err)
	}
	if probs := s.Check(); len(probs) != 0 {
		t.Errorf("check after a commit on the converted file: %v", probs)
	}
}

// atConvertCommit makes the conversions that follow commit a transaction every txBytes
// and call do after their n-th commit (its error fails that conversion there); it
// returns the count of commits so far. The caller sets convertFail to nil when done with
// it; the transaction size is restored when the test ends.
func atConvertCommit(t *testing.T, txBytes int64, n int, do func() error) *int {
	t.Helper()
	old := convertTxBytes
	t.Cleanup(func() { convertTxBytes = old })
	convertTxBytes = txBytes
	commits := 0
	convertFail = func(int64) error {
		if commits++; commits == n {
			return do()
		}
		return nil
	}
	return &commits
}
