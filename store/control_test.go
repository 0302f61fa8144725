package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store"
	"repairdesk/workflow"
)

// ctlIntake is a valid application for one of three enterprises.
func ctlIntake(i int) workflow.Intake {
	ents := [][2]string{{"郑州华信商贸有限公司", "91110000600037341L"}, {"洛阳宏达科技有限公司", "91512081MA62K0260E"}, {"北京中原物流有限公司", "9131000063159284XQ"}}
	e := ents[i%len(ents)]
	return workflow.Intake{
		Enterprise: workflow.Enterprise{Name: e[0], CreditCode: e[1], LegalRep: "张伟"},
		Agent:      workflow.Agent{Name: "刘洋", Phone: "13812345678", IDNumber: "11010519491231002X"},
		Records:    []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行", Date: "2025-03-01", Problem: "wrong_data"}},
	}
}

// ctlFill creates n cases with a few comments each.
func ctlFill(t *testing.T, s *store.Store, n int) []uint32 {
	t.Helper()
	var ids []uint32
	for i := range n {
		c, err := s.Create(impClerk, ctlIntake(i), "窗口受理")
		if err != nil {
			t.Fatal(err)
		}
		for j := range i % 3 {
			if c, err = s.Apply(c.ID, c.Version, impClerk, workflow.Action{Kind: workflow.ActComment, Comment: fmt.Sprintf("备注 %d", j)}); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, c.ID)
	}
	return ids
}

func ctlServe(t *testing.T, s *store.Store) func() {
	t.Helper()
	stop, err := s.ServeControl(context.Background())
	if err != nil {
		t.Fatalf("ServeControl: %v", err)
	}
	t.Cleanup(stop)
	return stop
}

func ctlHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestControlBackupWhileWriting takes backups through the socket while four goroutines
// keep applying actions: each copy opens, is clean and is a prefix of the live history.
func TestControlBackupWhileWriting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "repairdesk.db")
	s := impOpen(t, path)
	ids := ctlFill(t, s, 4)
	ctlServe(t, s)

	var stop atomic.Bool
	var applied atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				id := ids[(g+i)%len(ids)]
				c, err := s.Case(id)
				if err != nil {
					errs <- err
					return
				}
				_, err = s.Apply(id, c.Version, impClerk, workflow.Action{Kind: workflow.ActComment, Comment: fmt.Sprintf("g%d-%d", g, i)})
				var ce *store.ConflictError
				if err != nil && !errors.As(err, &ce) {
					errs <- err
					return
				}
				if err == nil {
					applied.Add(1)
				}
			}
		}()
	}
	halt := func() {
		stop.Store(true)
		wg.Wait()
	}
	waitFor := func(n int64) {
		deadline := time.Now().Add(30 * time.Second)
		for applied.Load() < n {
			if time.Now().After(deadline) {
				halt()
				t.Fatalf("writers stalled at %d actions", applied.Load())
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor(30)
	var buf bytes.Buffer
	n, err := store.RemoteBackup(path, &buf)
	if err != nil {
		halt()
		t.Fatalf("RemoteBackup: %v", err)
	}
	waitFor(applied.Load() + 20)
	dest := filepath.Join(dir, "backup.db")
	res, err := store.BackupFile(path, dest) // the file is locked: BackupFile must use the socket
	waitFor(applied.Load() + 20)             // the writers carried on
	halt()
	close(errs)
	for err := range errs {
		t.Fatalf("writer: %v", err)
	}
	if err != nil {
		t.Fatalf("BackupFile: %v", err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("RemoteBackup reported %d bytes, wrote %d", n, buf.Len())
	}
	if !res.Remote || res.Cases != len(ids) || len(res.Problems) != 0 || res.KeyProblem != nil {
		t.Errorf("BackupFile: %+v", res)
	}
	if fi, err := os.Stat(dest); err != nil || fi.Size() != res.Bytes {
		t.Errorf("backup file: %v, %d bytes reported", err, res.Bytes)
	}
	first := filepath.Join(dir, "first.db")
	if err := os.WriteFile(first, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{first, dest} {
		v, err := store.VerifyFile(f, path+".key")
		if err != nil || len(v.Problems) != 0 || v.Cases != len(ids) || v.KeyProblem != nil {
			t.Fatalf("VerifyFile(%s): %+v, %v", filepath.Base(f), v, err)
		}
		b, err := store.Open(f, store.Options{ReadOnly: true, KeyFile: path + ".key"})
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, id := range ids {
			bevs, _ := b.Events(id)
			levs, _ := s.Events(id)
			if len(bevs) == 0 || len(bevs) >= len(levs) {
				t.Errorf("%s case %d: %d events, live %d: not a copy taken while writing", filepath.Base(f), id, len(bevs), len(levs))
			}
			for i := range bevs {
				if i < len(levs) && bevs[i].Hash != levs[i].Hash {
					t.Fatalf("%s case %d event %d differs from the live history", filepath.Base(f), id, i+1)
				}
			}
			if c, _ := b.Case(id); c.Agent.IDNumber != "11010519491231002X" {
				t.Errorf("%s case %d: agent ID %q does not decrypt with the database's key", filepath.Base(f), id, c.Agent.IDNumber)
			}
			total += len(bevs)
		}
		b.Close()
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
	// A backup never overwrites.
	before := ctlHash(t, dest)
	if _, err := store.BackupFile(path, dest); !errors.Is(err, os.ErrExist) {
		t.Errorf("BackupFile over an existing file: %v", err)
	}
	if ctlHash(t, dest) != before {
		t.Error("an existing backup was changed")
	}
}

// TestControlCheck: the socket answers with Check()'s findings.
func TestControlCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "repairdesk.db")
	s := impOpen(t, path)
	ids := ctlFill(t, s, 3)
	ctlServe(t, s)
	if probs, err := store.RemoteCheck(path); err != nil || len(probs) != 0 {
		t.Fatalf("RemoteCheck of a clean store: %v, %v", probs, err)
	}
	s.Close()

	// Alter a stored comment behind the store's back.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		var ev map[string]any
		if err := json.Unmarshal(rawEvents(t, tx, ids[2])[1], &ev); err != nil {
			return err
		}
		ev["comment"] = "篡改"
		v, _ := json.Marshal(ev)
		return putRawEvent(t, tx, ids[2], 2, v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s = impOpen(t, path)
	ctlServe(t, s)
	want := s.Check()
	probs, err := store.RemoteCheck(path)
	if err != nil || len(want) == 0 || len(probs) != len(want) {
		t.Fatalf("RemoteCheck: %q, %v; local Check: %v", probs, err, want)
	}
	for i := range want {
		if probs[i] != want[i].String() {
			t.Errorf("problem %d: %q, want %q", i, probs[i], want[i].String())
		}
	}
}

// TestControlSocketLifecycle: mode 0600, one server per store, idempotent stop that
// removes the socket, restart after stop, context cancellation.
func TestControlSocketLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "repairdesk.db")
	s := impOpen(t, path)
	sock := store.SocketPath(path)
	stop, err := s.ServeControl(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(sock)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %v: %v", fi.Mode(), err)
	}
	if _, err := s.ServeControl(context.Background()); err == nil {
		t.Error("a second ServeControl on the same store succeeded")
	}
	if probs, err := store.RemoteCheck(path); err != nil || probs != nil {
		t.Errorf("RemoteCheck: %v %v", probs, err)
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(conn, "format c:")
	ans := make([]byte, 100)
	k, _ := conn.Read(ans)
	conn.Close()
	if !strings.HasPrefix(string(ans[:k]), "error ") {
		t.Errorf("unknown request answered %q", ans[:k])
	}
	stop()
	stop() // idempotent
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("socket left after stop: %v", err)
	}
	if _, err := store.RemoteBackup(path, &bytes.Buffer{}); !errors.Is(err, store.ErrNoControl) {
		t.Errorf("RemoteBackup with nobody serving: %v", err)
	}
	if _, err := store.RemoteCheck(path); !errors.Is(err, store.ErrNoControl) {
		t.Errorf("RemoteCheck with nobody serving: %v", err)
	}

	// Served again, then stopped by its context.
	ctx, cancel := context.WithCancel(context.Background())
	stop2, err := s.ServeControl(ctx)
	if err != nil {
		t.Fatalf("ServeControl after stop: %v", err)
	}
	defer stop2()
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Lstat(sock); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the socket outlived its context")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestControlStaleSocket: a socket left by a crashed process is replaced; a file that is
// not a socket is left alone.
func TestControlStaleSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "repairdesk.db")
	s := impOpen(t, path)
	sock := store.SocketPath(path)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close() // the file stays, nobody answers
	stop, err := s.ServeControl(context.Background())
	if err != nil {
		t.Fatalf("ServeControl over a stale socket: %v", err)
	}
	if probs, err := store.RemoteCheck(path); err != nil || probs != nil {
		t.Errorf("RemoteCheck: %v %v", probs, err)
	}
	stop()

	if err := os.WriteFile(sock, []byte("not a socket"), 0o600); err != nil {
		t.Fatal(err)
	}
	if stop, err := s.ServeControl(context.Background()); err == nil {
		stop()
		t.Error("ServeControl replaced a regular file")
	}
	if b, _ := os.ReadFile(sock); string(b) != "not a socket" {
		t.Error("the regular file in the socket's place was changed")
	}
}

func TestControlRefusedReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "repairdesk.db")
	impOpen(t, path).Close()
	ro, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if stop, err := ro.ServeControl(context.Background()); err == nil {
		stop()
		t.Error("a read-only store served the control socket")
	}
}

type ctlState struct {
	cases  int
	events map[uint32][]workflow.Event
	vers   map[uint32]int
}

func ctlCapture(t *testing.T, s *store.Store) ctlState {
	t.Helper()
	st := ctlState{events: map[uint32][]workflow.Event{}, vers: map[uint32]int{}}
	for _, sm := range s.Snapshot().List() {
		c, err := s.Case(sm.ID)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := s.Events(sm.ID)
		if err != nil {
			t.Fatal(err)
		}
		st.cases++
		st.vers[sm.ID] = c.Version
		st.events[sm.ID] = evs
	}
	return st
}

func ctlSame(t *testing.T, got, want ctlState) {
	t.Helper()
	if got.cases != want.cases {
		t.Fatalf("%d cases, want %d", got.cases, want.cases)
	}
	for id, v := range want.vers {
		if got.vers[id] != v {
			t.Errorf("case %d: version %d, want %d", id, got.vers[id], v)
		}
		g, _ := json.Marshal(got.events[id])
		w, _ := json.Marshal(want.events[id])
		if !bytes.Equal(g, w) {
			t.Errorf("case %d: events differ", id)
		}
	}
}

// TestRestoreRoundTrip: a restore brings back exactly what was backed up and keeps the
// database it replaced.
func TestRestoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "repairdesk.db")
	s := impOpen(t, path)
	ids := ctlFill(t, s, 5)
	ctlServe(t, s)
	backup := filepath.Join(dir, "backup.db")
	if _, err := store.BackupFile(path, backup); err != nil {
		t.Fatal(err)
	}
	want := ctlCapture(t, s)
	// Later work, which the restore undoes.
	if _, err := s.Apply(ids[0], want.vers[ids[0]], impClerk, workflow.Action{Kind: workflow.ActComment, Comment: "备份之后"}); err != nil {
		t.Fatal(err)
	}
	ctlFill(t, s, 2)
	later := ctlCapture(t, s)

	// Refused while open; nothing is touched.
	before := ctlHash(t, path)
	_, err := store.Restore(path, backup)
	var le *store.LockedError
	if !errors.As(err, &le) || le.Path != path || !strings.Contains(le.Message("en"), path) {
		t.Fatalf("Restore onto an open database: %v", err)
	}
	s.Close()
	if ctlHash(t, path) != before {
		t.Fatal("a refused restore changed the database")
	}
	if m, _ := filepath.Glob(path + ".*-*"); len(m) > 0 && !slices.Equal(m, []string{path + ".anchor-key", path + ".anchor-key.pub"}) {
		t.Fatalf("a refused restore left files: %v", m)
	}

	rep, err := store.Restore(path, backup)
	if err != nil {
		var re *store.RestoreError
		if errors.As(err, &re) {
			t.Logf("problems: %v", re.Problems)
		}
		t.Fatalf("Restore: %v", err)
	}
	if rep.Cases != want.cases || !strings.HasPrefix(rep.Previous, path+".before-restore-") {
		t.Errorf("Restore report %+v", rep)
	}
	r := impOpen(t, path)
	ctlSame(t, ctlCapture(t, r), want)
	if p := r.Check(); len(p) > 0 {
		t.Errorf("Check after restore: %v", p)
	}
	r.Close()
	prev, err := store.Open(rep.Previous, store.Options{ReadOnly: true, KeyFile: path + ".key"})
	if err != nil {
		t.Fatal(err)
	}
	ctlSame(t, ctlCapture(t, prev), later)
	prev.Close()
	if m, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// TestRestoreRefusesBadBackup: garbage, a damaged history and a foreign key are refused
// before anything is replaced.
func TestRestoreRefusesBadBackup(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "repairdesk.db")
	s := impOpen(t, path)
	ctlFill(t, s, 2)
	s.Close()
	backup := filepath.Join(dir, "good.db")
	if res, err := store.BackupFile(path, backup); err != nil || res.Remote || res.Cases != 2 {
		t.Fatalf("BackupFile of a closed database: %+v, %v", res, err)
	}
	before := ctlHash(t, path)

	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, bytes.Repeat([]byte("repairdesk"), 2000), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Restore(path, garbage); err == nil {
		t.Error("a garbage file was restored")
	}
	truncated := filepath.Join(dir, "truncated.db")
	b, _ := os.ReadFile(backup)
	if err := os.WriteFile(truncated, b[:len(b)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Restore(path, truncated); err == nil {
		t.Error("a truncated backup was restored")
	}

	tampered := filepath.Join(dir, "tampered.db")
	if err := os.WriteFile(tampered, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(tampered, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte("events")).Cursor()
		k, _ := c.First()
		return tx.Bucket([]byte("events")).Delete(k)
	})
	db.Close()
	var re *store.RestoreError
	if _, err := store.Restore(path, tampered); !errors.As(err, &re) || len(re.Problems) == 0 {
		t.Errorf("a backup with a broken history: %v", err)
	}

	// Another database's backup, sealed with its own key.
	other := filepath.Join(dir, "other", "repairdesk.db")
	o := impOpen(t, other)
	ctlFill(t, o, 1)
	o.Close()
	var ke *store.RestoreKeyError
	if _, err := store.Restore(path, other); !errors.As(err, &ke) || !strings.Contains(ke.Message("en"), path+".key") {
		t.Errorf("a backup sealed with another key: %v", err)
	}

	if ctlHash(t, path) != before {
		t.Error("a refused restore changed the database")
	}
	// Beside the database: its key, its anchor key and public key, its anchor log.
	if m, _ := filepath.Glob(path + ".*"); !slices.Equal(m, []string{path + ".anchor-key", path + ".anchor-key.pub", path + ".anchors", path + ".key"}) {
		t.Errorf("a refused restore left files: %v", m)
	}
}
