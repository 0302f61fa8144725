package store_test

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/ssh"

	"repairdesk/store"
	"repairdesk/workflow"
)

// ---------------------------------------------------------------------------
// fixtures

// testClock is a fixed clock that moves one minute on every reading, so every event has
// its own time and runs are reproducible.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Minute)
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Tuesday 2026-03-10 09:00 China time, a working day.
var t0 = time.Date(2026, 3, 10, 9, 0, 0, 0, workflow.ChinaTZ)

var (
	wang = workflow.Staff{Name: "wangfang", Display: "王芳", Role: workflow.RoleSpecialist, Active: true}
	li   = workflow.Staff{Name: "lijun", Display: "李军", Role: workflow.RoleSpecialist, Active: true}
	chen = workflow.Staff{Name: "chenjing", Display: "陈静", Role: workflow.RoleSupervisor, Active: true}
	root = workflow.Staff{Name: "root", Display: "管理员", Role: workflow.RoleAdmin, Active: true}
)

type ent struct{ name, code string }

// Three valid credit codes from DESIGN §2; the names have unambiguous pinyin initials
// (zzhxsm…, lyhdkj…, bjzywl…).
var (
	entA = ent{"郑州华信商贸有限公司", "91110000600037341L"}
	entB = ent{"洛阳宏达科技有限公司", "91512081MA62K0260E"}
	entC = ent{"北京中原物流有限公司", "9131000063159284XQ"}
)

func intake(e ent) workflow.Intake {
	return workflow.Intake{
		Enterprise: workflow.Enterprise{Name: e.name, CreditCode: e.code, LegalRep: "张伟", Address: "郑州市金水区花园路1号"},
		Agent:      workflow.Agent{Name: "刘洋", Phone: "13812345678", IDNumber: "11010519491231002X", AuthLetter: "SQ-2026-0001"},
		Records: []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行郑州分行",
			Date: "2025-03-01", Problem: "wrong_data"}},
	}
}

func dbPath(t *testing.T) string { return filepath.Join(t.TempDir(), "repairdesk.db") }

func openStore(t *testing.T, path string, clk *testClock) *store.Store {
	t.Helper()
	s, err := store.Open(path, store.Options{Now: clk.Now})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func addStaff(t *testing.T, s *store.Store) {
	t.Helper()
	for _, st := range []workflow.Staff{wang, li, chen, root} {
		if err := s.PutStaff(workflow.Staff{}, st); err != nil {
			t.Fatalf("PutStaff(%s): %v", st.Name, err)
		}
	}
}

// newStore opens a fresh database with the test staff.
func newStore(t *testing.T) (*store.Store, string, *testClock) {
	t.Helper()
	clk := newClock(t0)
	path := dbPath(t)
	s := openStore(t, path, clk)
	addStaff(t, s)
	return s, path, clk
}

func create(t *testing.T, s *store.Store, e ent) workflow.Case {
	t.Helper()
	c, err := s.Create(wang, intake(e), "窗口受理")
	if err != nil {
		t.Fatalf("Create(%s): %v", e.name, err)
	}
	return c
}

// do applies a at the case's current version and fails the test on any error.
func do(t *testing.T, s *store.Store, id uint32, actor workflow.Staff, a workflow.Action) workflow.Case {
	t.Helper()
	c, err := s.Case(id)
	if err != nil {
		t.Fatalf("Case(%d): %v", id, err)
	}
	n, err := s.Apply(id, c.Version, actor, a)
	if err != nil {
		t.Fatalf("Apply(%d, v%d, %s, %s): %v", id, c.Version, actor.Name, a.Kind, err)
	}
	if n.Version != c.Version+1 {
		t.Fatalf("Apply %s: version %d → %d, want +1", a.Kind, c.Version, n.Version)
	}
	assertAtomic(t, s, n)
	return n
}

// assertAtomic: the stored case has exactly Version events, the last of which produced it.
func assertAtomic(t *testing.T, s *store.Store, want workflow.Case) {
	t.Helper()
	c, err := s.Case(want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != want.Version {
		t.Fatalf("stored case %d has version %d, Apply returned %d", want.ID, c.Version, want.Version)
	}
	evs, err := s.Events(want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != c.Version {
		t.Fatalf("case %d: version %d but %d events", c.ID, c.Version, len(evs))
	}
	for i, ev := range evs {
		if ev.Seq != i+1 || ev.CaseID != c.ID {
			t.Fatalf("case %d: event %d has case %d seq %d", c.ID, i+1, ev.CaseID, ev.Seq)
		}
		if ev.Hash != s.EventHash(ev) {
			t.Fatalf("case %d event %d: hash does not cover its content", c.ID, ev.Seq)
		}
		if i > 0 && ev.PrevHash != evs[i-1].Hash {
			t.Fatalf("case %d event %d: prev_hash is not the previous event's hash", c.ID, ev.Seq)
		}
	}
	if i := len(evs) - 1; i >= 0 && evs[i].To != c.Stage {
		t.Fatalf("case %d: last event goes to %s, case is at %s", c.ID, evs[i].To, c.Stage)
	}
}

func completeMaterials(t *testing.T, s *store.Store, id uint32, actor workflow.Staff) {
	t.Helper()
	c, _ := s.Case(id)
	for _, m := range c.Materials {
		if m.Required && !m.OK() {
			do(t, s, id, actor, workflow.Action{Kind: workflow.ActUpdateMaterial,
				Material: &workflow.MaterialUpdate{Key: m.Key, Received: true, Valid: true}})
		}
	}
}

// advance walks a case along the happy path until it reaches stage to.
func advance(t *testing.T, s *store.Store, id uint32, to workflow.Stage) workflow.Case {
	t.Helper()
	for {
		c, err := s.Case(id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Stage == to {
			return c
		}
		switch c.Stage {
		case workflow.StageFormalReview:
			completeMaterials(t, s, id, wang)
			do(t, s, id, wang, workflow.Action{Kind: workflow.ActAccept})
		case workflow.StageInvestigating:
			do(t, s, id, wang, workflow.Action{Kind: workflow.ActAddFinding, Finding: &workflow.Finding{
				Checked: "与报送银行核对还款流水", Contact: "bank", Method: "letter", Result: "confirmed_wrong"}})
			do(t, s, id, wang, workflow.Action{Kind: workflow.ActProposeRepair,
				Proposal: &workflow.Proposal{Conclusion: "确属错误，建议更正"}})
		case workflow.StagePendingApproval:
			do(t, s, id, chen, workflow.Action{Kind: workflow.ActApprove})
		case workflow.StageApproved:
			do(t, s, id, wang, workflow.Action{Kind: workflow.ActSubmitCorrection,
				Submission: &workflow.Submission{Channel: "pbc_dispute", Reference: "YY2026000123"}})
		case workflow.StageSubmitted:
			do(t, s, id, wang, workflow.Action{Kind: workflow.ActRecordOutcome, Outcome: &workflow.Outcome{Result: "corrected"}})
		case workflow.StageFeedback:
			at := s.Now()
			do(t, s, id, wang, workflow.Action{Kind: workflow.ActNotifyApplicant, At: at,
				Notification: &workflow.Notification{Channel: "letter", Date: workflow.Day(at)}})
		default:
			t.Fatalf("cannot advance case %d from %s to %s", id, c.Stage, to)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// summaryKey is everything a summary says, in a comparable form.
func summaryKey(t *testing.T, sm *store.Summary) string {
	d := sm.Due
	return fmt.Sprintf("%s|due=%s/%v/%v/%s", jsonOf(t, sm), d.At.UTC().Format(time.RFC3339), d.Provisional, d.Paused, d.Kind)
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func countEvents(t *testing.T, s *store.Store, id uint32) int {
	t.Helper()
	evs, err := s.Events(id)
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

// ---------------------------------------------------------------------------
// 1. Open / Close / persistence

func TestPersistenceAcrossReopen(t *testing.T) {
	s, path, clk := newStore(t)

	a := create(t, s, entA)
	b := create(t, s, entB)
	if a.No != "XF-2026-000001" || b.No != "XF-2026-000002" {
		t.Fatalf("case numbers %s, %s; want XF-2026-000001, XF-2026-000002", a.No, b.No)
	}
	if a.ID == b.ID || a.ID == 0 || b.ID == 0 {
		t.Fatalf("case ids %d, %d", a.ID, b.ID)
	}
	if a.Version != 1 || a.Stage != workflow.StageFormalReview || a.Owner != wang.Name || len(a.Materials) == 0 {
		t.Fatalf("new case: version %d stage %s owner %q %d materials", a.Version, a.Stage, a.Owner, len(a.Materials))
	}
	advance(t, s, a.ID, workflow.StageInvestigating)
	do(t, s, a.ID, chen, workflow.Action{Kind: workflow.ActReassign, Assignee: li.Name, Comment: "王芳休假"})
	do(t, s, a.ID, li, workflow.Action{Kind: workflow.ActComment, Comment: "已联系银行"})
	do(t, s, b.ID, wang, workflow.Action{Kind: workflow.ActComment, Comment: "企业来电询问进度"})

	wantCases := map[uint32]string{}
	wantEvents := map[uint32]string{}
	for _, id := range []uint32{a.ID, b.ID} {
		c, err := s.Case(id)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := s.Events(id)
		if err != nil {
			t.Fatal(err)
		}
		wantCases[id], wantEvents[id] = jsonOf(t, c), jsonOf(t, evs)
	}
	var wantSums []string
	for _, sm := range s.Snapshot().List() {
		wantSums = append(wantSums, summaryKey(t, sm))
	}
	wantStaff := jsonOf(t, s.ListStaff())
	wantFiling, ok := s.Filing(entA.code)
	if !ok || !slices.Equal(wantFiling.Cases, []uint32{a.ID}) {
		t.Fatalf("filing of %s: %+v, %v", entA.code, wantFiling, ok)
	}

	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
		t.Errorf("Close left the lock-info file behind (stat: %v)", err)
	}
	if _, err := s.Apply(a.ID, 1, wang, workflow.Action{Kind: workflow.ActComment, Comment: "x"}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Apply after Close: %v, want ErrClosed", err)
	}
	if _, err := s.Create(wang, intake(entC), ""); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Create after Close: %v, want ErrClosed", err)
	}

	s2 := openStore(t, path, clk)
	for id, want := range wantCases {
		c, err := s2.Case(id)
		if err != nil {
			t.Fatalf("after reopen Case(%d): %v", id, err)
		}
		if got := jsonOf(t, c); got != want {
			t.Errorf("case %d changed across reopen:\n got %s\nwant %s", id, got, want)
		}
		evs, err := s2.Events(id)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonOf(t, evs); got != wantEvents[id] {
			t.Errorf("events of case %d changed across reopen", id)
		}
	}
	var gotSums []string
	for _, sm := range s2.Snapshot().List() {
		gotSums = append(gotSums, summaryKey(t, sm))
	}
	if !slices.Equal(gotSums, wantSums) {
		t.Errorf("summaries changed across reopen:\n got %q\nwant %q", gotSums, wantSums)
	}
	if got := jsonOf(t, s2.ListStaff()); got != wantStaff {
		t.Errorf("staff changed across reopen:\n got %s\nwant %s", got, wantStaff)
	}
	if f, ok := s2.Filing(entA.code); !ok || jsonOf(t, f) != jsonOf(t, wantFiling) {
		t.Errorf("filing changed across reopen: %+v", f)
	}
	if c, err := s2.CaseByNo(b.No); err != nil || c.ID != b.ID {
		t.Errorf("CaseByNo(%s) after reopen: %d, %v", b.No, c.ID, err)
	}
	if m, _ := s2.Search(entB.name, nil, 5); len(m) == 0 || m[0].ID != b.ID {
		t.Errorf("search index not rebuilt at open: %v", m)
	}

	// The sequence continues, the same enterprise's filing grows, and the id is new.
	c := create(t, s2, entA)
	if c.No != "XF-2026-000003" || c.ID == a.ID || c.ID == b.ID {
		t.Errorf("after reopen the next case is %s (id %d), want XF-2026-000003 with a new id", c.No, c.ID)
	}
	if f, _ := s2.Filing(entA.code); !slices.Equal(f.Cases, []uint32{a.ID, c.ID}) {
		t.Errorf("filing after a second case: %v, want [%d %d]", f.Cases, a.ID, c.ID)
	}
	// Continuing after an existing case works too.
	do(t, s2, a.ID, li, workflow.Action{Kind: workflow.ActComment, Comment: "续办"})
	// A new year starts its own sequence; the old one carries on.
	clk.Set(time.Date(2027, 1, 5, 9, 0, 0, 0, workflow.ChinaTZ))
	if c := create(t, s2, entB); c.No != "XF-2027-000001" {
		t.Errorf("first case of 2027 is %s", c.No)
	}
	s2.Close()
	s3 := openStore(t, path, clk)
	if c := create(t, s3, entC); c.No != "XF-2027-000002" {
		t.Errorf("after reopen the 2027 sequence gave %s", c.No)
	}
	if n := len(s3.Snapshot().List()); n != 5 {
		t.Errorf("%d summaries, want 5", n)
	}
	if p := s3.Check(); len(p) > 0 {
		t.Errorf("Check after reopen: %v", p)
	}
}

func TestCreateRefusesInvalidIntake(t *testing.T) {
	s, _, _ := newStore(t)
	in := intake(entA)
	in.Agent.IDNumber = "110105194912310021" // wrong check digit
	if _, err := s.Create(wang, in, ""); err == nil {
		t.Fatal("Create accepted an invalid ID number")
	}
	auditor := workflow.Staff{Name: "audit", Role: workflow.RoleAuditor, Active: true}
	if _, err := s.Create(auditor, intake(entA), ""); err == nil {
		t.Fatal("an auditor took in a case")
	}
	if n := len(s.Snapshot().List()); n != 0 {
		t.Fatalf("refused intakes left %d summaries", n)
	}
	// A refused intake must not burn a case number.
	if c := create(t, s, entA); c.No != "XF-2026-000001" {
		t.Errorf("first accepted case is %s, want XF-2026-000001", c.No)
	}
}

// ---------------------------------------------------------------------------
// 2. Lock

const holdEnv = "REPAIRDESK_TEST_HOLD_DB"

// TestHelperProcess is not a test: run as a child with holdEnv set, it opens the database
// as "repairdesk serve" would, says "ready", and holds it until its stdin closes.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(holdEnv)
	if path == "" {
		return
	}
	s, err := store.Open(path, store.Options{Mode: "serve", Listen: "127.0.0.1:23234"})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	s.Close()
	os.Exit(0)
}

type holder struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// startHolder runs TestHelperProcess in a child that holds path open.
func startHolder(t *testing.T, path string) *holder {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), holdEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &holder{cmd: cmd, stdin: stdin}
	t.Cleanup(func() { h.stop(t) })
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if l := sc.Text(); l == "ready" || strings.HasPrefix(l, "error:") {
				ready <- l
				break
			}
		}
		close(ready)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case l := <-ready:
		if l != "ready" {
			t.Fatalf("holder process: %q", l)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("holder process did not open the database")
	}
	return h
}

// stop ends the child: closing stdin lets it close the store; it is killed if it hangs.
func (h *holder) stop(t *testing.T) {
	if h.cmd == nil {
		return
	}
	h.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- h.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("holder process: %v", err)
		}
	case <-time.After(10 * time.Second):
		_ = h.cmd.Process.Kill()
		<-done
		t.Error("holder process did not exit when asked")
	}
	h.cmd = nil
}

func lockedOpen(t *testing.T, path string, opts store.Options) *store.LockedError {
	t.Helper()
	start := time.Now()
	s, err := store.Open(path, opts)
	elapsed := time.Since(start)
	if err == nil {
		s.Close()
		t.Fatalf("a second Open of a held database succeeded")
	}
	if elapsed > 5*time.Second {
		t.Errorf("a second Open took %v to fail; it must fail fast", elapsed)
	}
	var le *store.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("a second Open returned %T %v, want *store.LockedError", err, err)
	}
	if le.Error() != le.Message("en") {
		t.Errorf("Error() %q differs from Message(en)", le.Error())
	}
	for _, lang := range []string{"en", "zh"} {
		if !strings.Contains(le.Message(lang), path) {
			t.Errorf("Message(%s) %q does not name the file %s", lang, le.Message(lang), path)
		}
	}
	return le
}

func TestLockHeldByServeProcess(t *testing.T) {
	path := dbPath(t)
	s0 := openStore(t, path, newClock(t0)) // create the file, then let the child have it
	s0.Close()

	h := startHolder(t, path)
	pid := h.cmd.Process.Pid
	le := lockedOpen(t, path, store.Options{})
	if le.PID != pid || le.Mode != "serve" || le.Listen != "127.0.0.1:23234" {
		t.Errorf("LockedError %+v, want pid %d mode serve listen 127.0.0.1:23234", le, pid)
	}
	en := le.Message("en")
	if want := fmt.Sprintf("served by repairdesk serve (pid %d) — connect with ssh -p 23234", pid); !strings.Contains(en, want) {
		t.Errorf("Message(en) = %q\nwant it to contain %q", en, want)
	}
	zh := le.Message("zh")
	for _, want := range []string{"repairdesk serve", strconv.Itoa(pid), "ssh -p 23234"} {
		if !strings.Contains(zh, want) {
			t.Errorf("Message(zh) = %q lacks %q", zh, want)
		}
	}
	// A read-only opener is refused the same way.
	if le := lockedOpen(t, path, store.Options{ReadOnly: true, Timeout: 300 * time.Millisecond}); le.PID != pid {
		t.Errorf("read-only open: pid %d, want %d", le.PID, pid)
	}

	h.stop(t)
	s := openStore(t, path, newClock(t0))
	b, err := os.ReadFile(path + ".lock")
	if err != nil {
		t.Fatalf("lock info after the holder left: %v", err)
	}
	if !strings.Contains(string(b), strconv.Itoa(os.Getpid())) {
		t.Errorf("lock info %s does not name the new holder (pid %d)", b, os.Getpid())
	}
	s.Close()
}

func TestLockStaleInfoAfterCrash(t *testing.T) {
	path := dbPath(t)
	h := startHolder(t, path)
	// The holder dies without closing: its lock info stays, the flock goes with it.
	_ = h.cmd.Process.Kill()
	_ = h.cmd.Wait()
	h.cmd = nil
	if _, err := os.Stat(path + ".lock"); err != nil {
		t.Fatalf("expected stale lock info after a crash: %v", err)
	}
	start := time.Now()
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("Open after the holder crashed: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open after a crash took %v", d)
	}
	s.Close()
}

func TestLockInProcess(t *testing.T) {
	path := dbPath(t)
	clk := newClock(t0)
	s := openStore(t, path, clk)
	addStaff(t, s)
	c := create(t, s, entA)

	le := lockedOpen(t, path, store.Options{})
	if le.PID != os.Getpid() || le.Mode != "console" {
		t.Errorf("LockedError %+v, want pid %d mode console", le, os.Getpid())
	}
	if en := le.Message("en"); !strings.Contains(en, fmt.Sprintf("another repairdesk console (pid %d)", os.Getpid())) {
		t.Errorf("Message(en) = %q", en)
	}
	// The failed Open released nothing: the first store still works and still holds the file.
	do(t, s, c.ID, wang, workflow.Action{Kind: workflow.ActComment, Comment: "仍可写"})
	lockedOpen(t, path, store.Options{Timeout: 200 * time.Millisecond})

	s.Close()
	s2 := openStore(t, path, clk)
	if n := countEvents(t, s2, c.ID); n != 2 {
		t.Errorf("%d events after reopen, want 2", n)
	}
}

// ---------------------------------------------------------------------------
// 3. Schema

func assertNewerRefused(t *testing.T, path string, file int) {
	t.Helper()
	before := fileHash(t, path)
	for _, ro := range []bool{false, true} {
		s, err := store.Open(path, store.Options{ReadOnly: ro, Timeout: time.Second})
		if err == nil {
			s.Close()
			t.Fatalf("Open (read-only %v) accepted a file with schema %d", ro, file)
		}
		var se *store.SchemaError
		if !errors.As(err, &se) {
			t.Fatalf("Open (read-only %v): %T %v, want *store.SchemaError", ro, err, err)
		}
		if se.File != file || se.Mine != store.SchemaVersion || se.Path != path {
			t.Errorf("SchemaError %+v, want file %d mine %d path %s", se, file, store.SchemaVersion, path)
		}
		if msg := se.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "not changed") {
			t.Errorf("SchemaError message %q", msg)
		}
	}
	if after := fileHash(t, path); after != before {
		t.Error("a refused open changed the file")
	}
	if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
		t.Errorf("a refused open left lock info behind (stat: %v)", err)
	}
	// The refused open released the file.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("the file is still locked after a refused open: %v", err)
	}
	db.Close()
}

func TestSchemaNewerRefusedFreshFile(t *testing.T) {
	path := dbPath(t)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	newer := store.SchemaVersion + 1
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("meta"))
		if err != nil {
			return err
		}
		return b.Put([]byte("schema"), []byte(strconv.Itoa(newer)))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	assertNewerRefused(t, path, newer)
}

func TestSchemaNewerRefusedFullFile(t *testing.T) {
	s, path, _ := newStore(t)
	create(t, s, entA)
	s.Close()
	newer := store.SchemaVersion + 7
	tamper(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte(strconv.Itoa(newer)))
	})
	assertNewerRefused(t, path, newer)
}

func TestSchemaWrittenOnCreate(t *testing.T) {
	s, path, _ := newStore(t)
	s.Close()
	var got string
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte("meta")); b != nil {
			got = string(b.Get([]byte("schema")))
		}
		return nil
	})
	db.Close()
	if got != strconv.Itoa(store.SchemaVersion) {
		t.Errorf("meta/schema = %q, want %d", got, store.SchemaVersion)
	}
}

// ---------------------------------------------------------------------------
// 4. The one write path

func TestApplyStaleVersionConflicts(t *testing.T) {
	s, _, _ := newStore(t)
	c := create(t, s, entA)
	loaded, _ := s.Case(c.ID) // wangfang loads version 1
	n := do(t, s, c.ID, li, workflow.Action{Kind: workflow.ActComment, Comment: "李军先改了"})

	beforeCase := jsonOf(t, n)
	beforeSum := summaryKey(t, mustSummary(t, s, c.ID))
	beforeEvents := countEvents(t, s, c.ID)
	ch, cancel := s.Subscribe()
	defer cancel()

	_, err := s.Apply(c.ID, loaded.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "王芳的备注"})
	var ce *store.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("stale Apply returned %T %v, want *store.ConflictError", err, err)
	}
	if ce.Expected != 1 || ce.Current != 2 || ce.CaseNo != c.No {
		t.Errorf("ConflictError %+v", ce)
	}
	at := n.UpdatedAt.In(workflow.ChinaTZ).Format("15:04")
	zh := ce.Message("zh")
	for _, want := range []string{c.No, "已被", li.Display, at} {
		if !strings.Contains(zh, want) {
			t.Errorf("Message(zh) %q lacks %q", zh, want)
		}
	}
	en := ce.Message("en")
	for _, want := range []string{c.No, "changed by", li.Display, at} {
		if !strings.Contains(en, want) {
			t.Errorf("Message(en) %q lacks %q", en, want)
		}
	}
	if got, _ := s.Case(c.ID); jsonOf(t, got) != beforeCase {
		t.Error("a conflicting Apply changed the case")
	}
	if got := countEvents(t, s, c.ID); got != beforeEvents {
		t.Errorf("a conflicting Apply wrote an event: %d → %d", beforeEvents, got)
	}
	if got := summaryKey(t, mustSummary(t, s, c.ID)); got != beforeSum {
		t.Error("a conflicting Apply changed the summary")
	}
	// A future version is a conflict too, never a write.
	if _, err := s.Apply(c.ID, 9, wang, workflow.Action{Kind: workflow.ActComment, Comment: "x"}); !errors.As(err, &ce) {
		t.Errorf("Apply with a future version: %v", err)
	}
	select {
	case chg := <-ch:
		t.Errorf("a refused Apply announced a change: %+v", chg)
	default:
	}
	if _, err := s.Apply(999, 1, wang, workflow.Action{Kind: workflow.ActComment, Comment: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Apply to a missing case: %v, want ErrNotFound", err)
	}
}

func mustSummary(t *testing.T, s *store.Store, id uint32) *store.Summary {
	t.Helper()
	sm, ok := s.Snapshot().Get(id)
	if !ok {
		t.Fatalf("no summary for case %d", id)
	}
	return sm
}

func TestApplyRefusalWritesNothing(t *testing.T) {
	s, _, _ := newStore(t)
	c := create(t, s, entA)
	do(t, s, c.ID, wang, workflow.Action{Kind: workflow.ActUpdateMaterial,
		Material: &workflow.MaterialUpdate{Key: "application_form", Received: true, Valid: true}})
	before, _ := s.Case(c.ID)
	beforeJSON := jsonOf(t, before)
	beforeEvents := countEvents(t, s, c.ID)
	gen := s.Snapshot().Gen

	refused := []struct {
		name  string
		actor workflow.Staff
		a     workflow.Action
		code  string
	}{
		{"accept with materials missing", wang, workflow.Action{Kind: workflow.ActAccept}, "materials"},
		{"approve at formal review", chen, workflow.Action{Kind: workflow.ActApprove}, "stage"},
		{"empty comment", wang, workflow.Action{Kind: workflow.ActComment, Comment: "   "}, "comment"},
		{"reassign by a specialist", wang, workflow.Action{Kind: workflow.ActReassign, Assignee: li.Name}, "role"},
		{"reassign to nobody we know", chen, workflow.Action{Kind: workflow.ActReassign, Assignee: "ghost"}, "assignee"},
		{"decline without avenues", wang, workflow.Action{Kind: workflow.ActDecline,
			Decline: &workflow.Decline{Reason: "out_of_scope", Explanation: "不属于修复范围"}}, "avenues"},
		{"disabled actor", workflow.Staff{Name: "gone", Role: workflow.RoleSpecialist}, workflow.Action{Kind: workflow.ActComment, Comment: "x"}, "inactive"},
	}
	for _, r := range refused {
		_, err := s.Apply(c.ID, before.Version, r.actor, r.a)
		var ref *workflow.Refusal
		if !errors.As(err, &ref) {
			t.Errorf("%s: %T %v, want *workflow.Refusal", r.name, err, err)
			continue
		}
		if ref.Code != r.code {
			t.Errorf("%s: refusal code %q (%s), want %q", r.name, ref.Code, ref.Message("en"), r.code)
		}
	}
	if got, _ := s.Case(c.ID); jsonOf(t, got) != beforeJSON {
		t.Error("a refused action changed the case")
	}
	if got := countEvents(t, s, c.ID); got != beforeEvents {
		t.Errorf("a refused action wrote events: %d → %d", beforeEvents, got)
	}
	if s.Snapshot().Gen != gen {
		t.Error("a refused action replaced the snapshot")
	}
	// The refusals did not disturb the next real action.
	do(t, s, c.ID, wang, workflow.Action{Kind: workflow.ActComment, Comment: "正常"})
}

func TestApplyFullFlowIsAtomic(t *testing.T) {
	s, _, _ := newStore(t)
	c := create(t, s, entA)
	assertAtomic(t, s, c)
	// advance checks after every action that the case has exactly Version events.
	done := advance(t, s, c.ID, workflow.StageClosed)
	if done.ClosedAt.IsZero() || done.Outcome == nil || done.Notification == nil {
		t.Errorf("closed case lacks its outcome: %+v", done)
	}
	evs, _ := s.Events(c.ID)
	if evs[0].Letter == nil || evs[0].Letter.Kind != "receipt" {
		t.Errorf("intake event carries no receipt letter: %+v", evs[0].Letter)
	}
	if last := evs[len(evs)-1]; last.Letter == nil || last.Letter.Kind != "result" {
		t.Errorf("notify event carries no result letter: %+v", last.Letter)
	}
	if _, err := s.Apply(c.ID, done.Version, wang, workflow.Action{Kind: workflow.ActWithdraw, Comment: "x"}); err == nil {
		t.Error("a closed case was withdrawn")
	}
	if p := s.Check(); len(p) > 0 {
		t.Errorf("Check: %v", p)
	}
}

func TestApplyConcurrentSameCase(t *testing.T) {
	s, _, _ := newStore(t)
	c := create(t, s, entA)
	const N = 20

	type result struct {
		comment string
		version int
		err     error
	}
	run := func(round string, barrier bool) []result {
		results := make([]result, N)
		var loaded, wg sync.WaitGroup
		gate := make(chan struct{})
		loaded.Add(N)
		wg.Add(N)
		for i := range N {
			go func() {
				defer wg.Done()
				cur, err := s.Case(c.ID)
				loaded.Done()
				if err != nil {
					results[i].err = err
					return
				}
				if barrier {
					<-gate
				}
				comment := fmt.Sprintf("%s-%02d", round, i)
				n, err := s.Apply(c.ID, cur.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: comment})
				results[i] = result{comment, n.Version, err}
				var ce *store.ConflictError
				if errors.As(err, &ce) && ce.Expected != cur.Version {
					t.Errorf("conflict says expected %d, the caller loaded %d", ce.Expected, cur.Version)
				}
			}()
		}
		loaded.Wait()
		close(gate)
		wg.Wait()
		return results
	}

	check := func(results []result, exactlyOne bool) {
		t.Helper()
		won := map[string]int{}
		conflicts := 0
		for _, r := range results {
			var ce *store.ConflictError
			switch {
			case r.err == nil:
				won[r.comment] = r.version
			case errors.As(r.err, &ce):
				conflicts++
			default:
				t.Fatalf("Apply: %v", r.err)
			}
		}
		if len(won)+conflicts != N || len(won) == 0 {
			t.Fatalf("%d succeeded, %d conflicts of %d", len(won), conflicts, N)
		}
		if exactlyOne && len(won) != 1 {
			t.Errorf("%d Applies at the same loaded version succeeded, want exactly 1", len(won))
		}
		evs, _ := s.Events(c.ID)
		cur, _ := s.Case(c.ID)
		if len(evs) != cur.Version {
			t.Fatalf("version %d, %d events", cur.Version, len(evs))
		}
		seen := map[string]int{}
		for i, ev := range evs {
			if ev.Seq != i+1 {
				t.Fatalf("event %d has seq %d: versions not contiguous", i+1, ev.Seq)
			}
			if ev.Kind == workflow.ActComment {
				seen[ev.Comment]++
				if v, ok := won[ev.Comment]; ok && v != ev.Seq {
					t.Errorf("%q: Apply returned version %d, its event is %d", ev.Comment, v, ev.Seq)
				}
			}
		}
		for comment := range won {
			if seen[comment] != 1 {
				t.Errorf("successful comment %q is in the history %d times", comment, seen[comment])
			}
		}
		for _, r := range results {
			if r.err != nil && seen[r.comment] != 0 {
				t.Errorf("conflicting comment %q was written", r.comment)
			}
		}
		if sm := mustSummary(t, s, c.ID); sm.Version != cur.Version {
			t.Errorf("summary version %d, case %d", sm.Version, cur.Version)
		}
	}
	check(run("a", true), true)
	check(run("b", false), false)
	if p := s.Check(); len(p) > 0 {
		t.Errorf("Check: %v", p)
	}
}

// ---------------------------------------------------------------------------
// 5. Change feed

func recv(t *testing.T, ch <-chan store.Change) store.Change {
	t.Helper()
	select {
	case c, ok := <-ch:
		if !ok {
			t.Fatal("change channel closed early")
		}
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no change announced")
	}
	return store.Change{}
}

func assertClosed(t *testing.T, ch <-chan store.Change, what string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatalf("%s: channel not closed", what)
		}
	}
}

func TestSubscribe(t *testing.T) {
	s, _, _ := newStore(t)
	ch, cancel := s.Subscribe()
	ch2, cancel2 := s.Subscribe()
	defer cancel2()

	c := create(t, s, entA)
	for _, sub := range []<-chan store.Change{ch, ch2} {
		got := recv(t, sub)
		if got.Topic != "case" || got.CaseID != c.ID || got.Version != 1 || got.Actor != wang.Name || got.Kind != workflow.ActCreate || got.At.IsZero() {
			t.Errorf("create announced as %+v", got)
		}
	}
	n := do(t, s, c.ID, li, workflow.Action{Kind: workflow.ActComment, Comment: "1"})
	if got := recv(t, ch); got.CaseID != c.ID || got.Version != n.Version || got.Actor != li.Name || got.Kind != workflow.ActComment {
		t.Errorf("apply announced as %+v", got)
	}
	recv(t, ch2)
	// Failed writes announce nothing: the next change heard is the next real one.
	_, _ = s.Apply(c.ID, 1, wang, workflow.Action{Kind: workflow.ActComment, Comment: "stale"})
	_, _ = s.Apply(c.ID, n.Version, wang, workflow.Action{Kind: workflow.ActAccept})
	n = do(t, s, c.ID, wang, workflow.Action{Kind: workflow.ActComment, Comment: "2"})
	if got := recv(t, ch); got.Version != n.Version || got.Actor != wang.Name {
		t.Errorf("after refusals heard %+v, want version %d", got, n.Version)
	}
	recv(t, ch2)
	// Staff changes are announced with their own topic.
	if err := s.PutStaff(root, workflow.Staff{Name: "zhangmin", Display: "张敏", Role: workflow.RoleSpecialist, Active: true}); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, ch); got.Topic != "staff" || got.CaseID != 0 {
		t.Errorf("staff change announced as %+v", got)
	}
	recv(t, ch2)

	cancel()
	assertClosed(t, ch, "after cancel")
	cancel() // twice is harmless
	do(t, s, c.ID, wang, workflow.Action{Kind: workflow.ActComment, Comment: "3"})
	if got := recv(t, ch2); got.Version != n.Version+1 {
		t.Errorf("remaining subscriber heard %+v", got)
	}

	// A slow reader never blocks writers.
	for i := range 100 {
		do(t, s, c.ID, wang, workflow.Action{Kind: workflow.ActComment, Comment: fmt.Sprint("flood ", i)})
	}

	s.Close()
	assertClosed(t, ch2, "after Close")
	cancel2() // after Close: harmless
}

// ---------------------------------------------------------------------------
// 6. Summaries and search

func TestSummaries(t *testing.T) {
	s, path, clk := newStore(t)
	a := create(t, s, entA)
	b := create(t, s, entB)
	c := create(t, s, entC)

	snap := s.Snapshot()
	var ids []uint32
	for sm := range snap.All() {
		ids = append(ids, sm.ID)
	}
	if !slices.Equal(ids, []uint32{c.ID, b.ID, a.ID}) {
		t.Fatalf("snapshot order %v, want newest first %v", ids, []uint32{c.ID, b.ID, a.ID})
	}
	if _, ok := snap.Get(12345); ok {
		t.Error("Get found a case that does not exist")
	}
	sm, ok := snap.Get(b.ID)
	if !ok || sm.ID != b.ID {
		t.Fatalf("Get(%d) = %+v, %v", b.ID, sm, ok)
	}
	if sm.No != b.No || sm.Version != 1 || sm.Stage != workflow.StageFormalReview || sm.Enterprise != entB.name ||
		sm.CreditCode != entB.code || sm.Agent != "刘洋" || sm.RecordType != "overdue_loan" ||
		!slices.Equal(sm.Sources, []string{"pbc"}) || sm.Owner != wang.Name || sm.UpdatedBy != wang.Name ||
		!sm.ReceivedAt.Equal(b.ReceivedAt) || !sm.StageSince.Equal(b.StageSince) {
		t.Errorf("summary of a new case: %+v", sm)
	}
	assertDue(t, s, b.ID)
	if sm.Due.At.IsZero() || sm.Due.Paused || !sm.Due.At.After(sm.StageSince) {
		t.Errorf("an open case at formal review has due %+v", sm.Due)
	}

	// Summaries follow actions; the old snapshot is left as it was.
	old := s.Snapshot()
	advance(t, s, a.ID, workflow.StageInvestigating)
	n := do(t, s, a.ID, chen, workflow.Action{Kind: workflow.ActReassign, Assignee: li.Name})
	sa := mustSummary(t, s, a.ID)
	if sa.Stage != workflow.StageInvestigating || sa.Owner != li.Name || sa.Version != n.Version || sa.UpdatedBy != chen.Name {
		t.Errorf("summary after accept+reassign: stage %s owner %s version %d (case %d) by %s", sa.Stage, sa.Owner, sa.Version, n.Version, sa.UpdatedBy)
	}
	if o, _ := old.Get(a.ID); o.Stage != workflow.StageFormalReview || o.Version != 1 {
		t.Errorf("an old snapshot was changed in place: %+v", o)
	}
	if s.Snapshot().Gen <= old.Gen {
		t.Errorf("snapshot generation did not advance: %d → %d", old.Gen, s.Snapshot().Gen)
	}
	assertDue(t, s, a.ID)
	advance(t, s, a.ID, workflow.StagePendingApproval)
	if sa := mustSummary(t, s, a.ID); sa.MayApprove(wang.Name) || !sa.MayApprove(chen.Name) {
		t.Errorf("four-eyes in the summary: blocked %v", sa.Blocked)
	}
	assertDue(t, s, a.ID)

	// Waiting for the applicant: the due date is theirs, and paused.
	do(t, s, b.ID, wang, workflow.Action{Kind: workflow.ActRequestMaterials})
	sb := mustSummary(t, s, b.ID)
	cb, _ := s.Case(b.ID)
	if sb.Stage != workflow.StageAwaitingMaterials || !sb.Due.Paused || sb.Due.Kind != "applicant" ||
		len(cb.Notices) != 1 || !sb.Due.At.Equal(cb.Notices[0].Deadline) || cb.Notices[0].Deadline.IsZero() {
		t.Errorf("awaiting materials: due %+v, notices %+v", sb.Due, cb.Notices)
	}
	assertDue(t, s, b.ID)
	do(t, s, b.ID, wang, workflow.Action{Kind: workflow.ActMaterialsReceived})
	assertDue(t, s, b.ID)

	// A terminal case has no deadline.
	do(t, s, c.ID, wang, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回申请"})
	if sc := mustSummary(t, s, c.ID); sc.Stage != workflow.StageWithdrawn || !sc.Due.At.IsZero() || sc.ClosedAt.IsZero() {
		t.Errorf("withdrawn case: stage %s due %+v closed %v", sc.Stage, sc.Due, sc.ClosedAt)
	}

	// Settings move every deadline at once.
	before := mustSummary(t, s, b.ID).Due.At
	if err := s.UpdateSettings(wang, func(st *store.Settings) error { return nil }); err == nil {
		t.Error("a specialist changed the settings")
	}
	err := s.UpdateSettings(root, func(st *store.Settings) error {
		st.SLA.Stage = map[workflow.Stage]workflow.Limit{workflow.StageFormalReview: {Days: 1}}
		st.SLA.Case = map[string]workflow.Limit{}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	after := mustSummary(t, s, b.ID).Due
	if !after.At.Before(before) || after.Kind != "stage" {
		t.Errorf("a shorter limit did not move the deadline: %v → %+v", before, after)
	}
	assertDue(t, s, b.ID)
	s.Close()
	s = openStore(t, path, clk)
	if got := mustSummary(t, s, b.ID).Due; !got.At.Equal(after.At) {
		t.Errorf("after reopen due %v, want %v (settings not persisted?)", got.At, after.At)
	}
	for _, id := range []uint32{a.ID, b.ID, c.ID} {
		assertDue(t, s, id)
	}
}

// assertDue: the summary's deadline is what the SLA says of the whole case.
func assertDue(t *testing.T, s *store.Store, id uint32) {
	t.Helper()
	c, err := s.Case(id)
	if err != nil {
		t.Fatal(err)
	}
	st := s.Settings()
	want := st.SLA.DueOf(&c, st.Calendar())
	got := mustSummary(t, s, id).Due
	if !got.At.Equal(want.At) || got.Paused != want.Paused || got.Kind != want.Kind || got.Provisional != want.Provisional {
		t.Errorf("case %d at %s: summary due %+v, the SLA of the case says %+v", id, c.Stage, got, want)
	}
}

func TestSearch(t *testing.T) {
	s, _, _ := newStore(t)
	a := create(t, s, entA)
	b := create(t, s, entB)
	c := create(t, s, entC)

	top := func(q string) uint32 {
		m, total := s.Search(q, nil, 10)
		if len(m) == 0 || total == 0 {
			t.Errorf("Search(%q) found nothing", q)
			return 0
		}
		return m[0].ID
	}
	for _, tc := range []struct {
		q    string
		want uint32
	}{
		{b.No, b.ID},
		{"000003", c.ID},
		{entA.name, a.ID},
		{"宏达科技", b.ID},
		{"zzhx", a.ID},   // 郑州华信
		{"lyhd", b.ID},   // 洛阳宏达
		{"bjzywl", c.ID}, // 北京中原物流
		{"luo yang", b.ID},
		{entC.code, c.ID},
	} {
		if got := top(tc.q); got != tc.want {
			t.Errorf("Search(%q) ranks case %d first, want %d", tc.q, got, tc.want)
		}
	}
	if m, _ := s.Search("lyhd", []uint32{a.ID, c.ID}, 10); len(m) != 0 {
		t.Errorf("Search within other cases found %v", m)
	}
	if m, _ := s.Search("qqqzzzxxx", nil, 10); len(m) != 0 {
		t.Errorf("nonsense query matched %v", m)
	}
}

// ---------------------------------------------------------------------------
// 8. Staff and keys

func TestPutStaffValidation(t *testing.T) {
	s, path, clk := newStore(t)
	for _, name := range []string{"", "Wang", "王芳", "1abc", "wang fang", "wang/fang", strings.Repeat("a", 33), "-x"} {
		err := s.PutStaff(workflow.Staff{}, workflow.Staff{Name: name, Role: workflow.RoleSpecialist, Active: true})
		var ref *workflow.Refusal
		if !errors.As(err, &ref) || ref.Code != "name" {
			t.Errorf("PutStaff(name %q): %v, want a name refusal", name, err)
		}
	}
	for _, name := range []string{"wang.fang", "zhang_min", "li-jun2", "_svc", strings.Repeat("a", 32)} {
		if err := s.PutStaff(workflow.Staff{}, workflow.Staff{Name: name, Role: workflow.RoleSpecialist, Active: true}); err != nil {
			t.Errorf("PutStaff(name %q): %v", name, err)
		}
	}
	for _, role := range []workflow.Role{"", "boss", "Admin"} {
		err := s.PutStaff(workflow.Staff{}, workflow.Staff{Name: "x", Role: role})
		var ref *workflow.Refusal
		if !errors.As(err, &ref) || ref.Code != "role" {
			t.Errorf("PutStaff(role %q): %v, want a role refusal", role, err)
		}
	}
	if _, ok := s.Staff("x"); ok {
		t.Error("a refused staff member was saved")
	}
	newcomer := workflow.Staff{Name: "zhangmin", Display: "张敏", Role: workflow.RoleSpecialist, Active: true}
	for _, by := range []workflow.Staff{wang, chen, {Name: "audit", Role: workflow.RoleAuditor, Active: true}} {
		err := s.PutStaff(by, newcomer)
		var ref *workflow.Refusal
		if !errors.As(err, &ref) || ref.Code != "role" {
			t.Errorf("PutStaff by %s (%s): %v, want refused", by.Name, by.Role, err)
		}
	}
	if _, ok := s.Staff(newcomer.Name); ok {
		t.Fatal("a non-admin added staff")
	}
	newcomer.Display = "张敏\n\x1b[31m"
	if err := s.PutStaff(root, newcomer); err != nil {
		t.Fatalf("admin PutStaff: %v", err)
	}
	got, ok := s.Staff(newcomer.Name)
	if !ok || got.Role != workflow.RoleSpecialist || strings.ContainsAny(got.Display, "\n\x1b") {
		t.Errorf("stored staff %+v", got)
	}
	if log := s.AuditLog(1); len(log) != 1 || log[0].Actor != root.Name || log[0].What != "staff" || log[0].Detail != newcomer.Name {
		t.Errorf("audit log after PutStaff: %+v", log)
	}
	var names []string
	for _, st := range s.ListStaff() {
		names = append(names, st.Name)
	}
	if !slices.IsSorted(names) || len(names) != s.StaffCount() {
		t.Errorf("ListStaff %v (count %d)", names, s.StaffCount())
	}
	s.Close()
	s = openStore(t, path, clk)
	if got2, ok := s.Staff(newcomer.Name); !ok || !reflect.DeepEqual(got2, got) {
		t.Errorf("staff after reopen %+v", got2)
	}
}

func newKey(t *testing.T) (ssh.PublicKey, string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return sp, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
}

func TestStaffByKey(t *testing.T) {
	s, _, _ := newStore(t)
	kWang, lineWang := newKey(t)
	kWang2, lineWang2 := newKey(t)
	kGone, lineGone := newKey(t)
	kStranger, _ := newKey(t)

	keys, err := store.ParseKeys([]byte(lineWang + " wang@laptop\n" + lineWang2 + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	w := wang
	w.Keys = keys
	if err := s.PutStaff(root, w); err != nil {
		t.Fatal(err)
	}
	gone := workflow.Staff{Name: "gone", Display: "离职", Role: workflow.RoleSupervisor, Active: false, Keys: []string{lineGone}}
	if err := s.PutStaff(root, gone); err != nil {
		t.Fatal(err)
	}
	for _, k := range []ssh.PublicKey{kWang, kWang2} {
		if st, ok := s.StaffByKey(k); !ok || st.Name != wang.Name {
			t.Errorf("StaffByKey(%s) = %q, %v; want wangfang", ssh.FingerprintSHA256(k), st.Name, ok)
		}
	}
	if _, ok := s.StaffByKey(kGone); ok {
		t.Error("a disabled staff member's key was accepted")
	}
	if _, ok := s.StaffByKey(kStranger); ok {
		t.Error("an unknown key was accepted")
	}
	// Re-enabling restores access; disabling takes it away again.
	gone.Active = true
	_ = s.PutStaff(root, gone)
	if st, ok := s.StaffByKey(kGone); !ok || st.Name != "gone" {
		t.Errorf("re-enabled staff not found: %q %v", st.Name, ok)
	}
	w.Active = false
	_ = s.PutStaff(root, w)
	if _, ok := s.StaffByKey(kWang); ok {
		t.Error("a disabled staff member's key was accepted")
	}
}

func TestParseKeys(t *testing.T) {
	k1, line1 := newKey(t)
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := ssh.NewPublicKey(&ek.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	line2 := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k2)))

	input := strings.Join([]string{
		"# office keys",
		"",
		"   " + line1 + " wang@laptop  ",
		`command="repairdesk",no-port-forwarding,no-pty ` + line2 + " li@desk",
		"\t# trailing comment",
	}, "\r\n")
	got, err := store.ParseKeys([]byte(input))
	if err != nil {
		t.Fatalf("ParseKeys: %v", err)
	}
	want := []string{store.NormalKey(k1), store.NormalKey(k2)}
	if !slices.Equal(got, want) {
		t.Errorf("ParseKeys = %q, want %q", got, want)
	}
	for _, k := range got {
		if strings.Contains(k, "@") || strings.Contains(k, "command=") {
			t.Errorf("normalised key %q keeps a comment or option", k)
		}
	}
	if fp := store.Fingerprint(got[0]); fp != ssh.FingerprintSHA256(k1) {
		t.Errorf("Fingerprint = %q, want %q", fp, ssh.FingerprintSHA256(k1))
	}
	if fp := store.Fingerprint("junk"); fp != "" {
		t.Errorf("Fingerprint(junk) = %q", fp)
	}

	for _, tc := range []struct {
		in   string
		line int
	}{
		{"# keys\n" + line1 + "\nthis is not a key\n", 3},
		{"ssh-ed25519 AAAAnotbase64!!!\n", 1},
		{line1 + "\n\n\n" + line1[:len(line1)-10] + "\n", 4},
		{"-----BEGIN OPENSSH PRIVATE KEY-----\n", 1},
	} {
		_, err := store.ParseKeys([]byte(tc.in))
		if err == nil {
			t.Errorf("ParseKeys accepted %q", tc.in)
			continue
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("line %d", tc.line)) {
			t.Errorf("ParseKeys(%q) error %q does not name line %d", tc.in, err, tc.line)
		}
	}
	for _, empty := range []string{"", "\n\n", "# only a comment\n"} {
		if _, err := store.ParseKeys([]byte(empty)); err == nil {
			t.Errorf("ParseKeys(%q) found keys in nothing", empty)
		}
	}
}

// ---------------------------------------------------------------------------
// 10. Backup

func TestBackupWhileWriting(t *testing.T) {
	s, path, clk := newStore(t)
	var ids []uint32
	for _, e := range []ent{entA, entB, entC, entA} {
		ids = append(ids, create(t, s, e).ID)
	}

	var stop atomic.Bool
	var applied atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				id := ids[(g+i)%len(ids)] // goroutines share cases: some conflicts
				c, err := s.Case(id)
				if err != nil {
					errs <- err
					return
				}
				_, err = s.Apply(id, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: fmt.Sprintf("g%d-%d", g, i)})
				var ce *store.ConflictError
				switch {
				case err == nil:
					applied.Add(1)
				case errors.As(err, &ce):
				default:
					errs <- err
					return
				}
			}
		}()
	}
	waitFor := func(n int64) {
		deadline := time.Now().Add(20 * time.Second)
		for applied.Load() < n {
			if time.Now().After(deadline) {
				stop.Store(true)
				t.Fatalf("writers stalled at %d actions", applied.Load())
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor(40)
	var buf bytes.Buffer
	n, err := s.Backup(&buf)
	if err != nil {
		stop.Store(true)
		wg.Wait()
		t.Fatalf("Backup: %v", err)
	}
	atBackup := applied.Load()
	waitFor(atBackup + 20) // writers carried on during and after the backup
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("writer: %v", err)
	}
	if n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Backup reported %d bytes, wrote %d", n, buf.Len())
	}

	bpath := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(bpath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	// A backup carries no key: keep the key file beside the copy, as an admin would.
	key, _ := os.ReadFile(path + ".key")
	os.WriteFile(bpath+".key", key, 0o600)
	// Nor its anchors: the anchor log up to the copy's last entry, and the anchor key.
	if ok, err := store.CopyAnchors(path+".anchors", bpath, bpath+".anchors"); !ok || err != nil {
		t.Fatalf("CopyAnchors: %v, %v", ok, err)
	}
	akey, _ := os.ReadFile(path + ".anchor-key")
	os.WriteFile(bpath+".anchor-key", akey, 0o600)
	b := openStore(t, bpath, clk)
	if p := b.Check(); len(p) > 0 {
		t.Errorf("Check of the backup: %v", p)
	}
	if p := s.Check(); len(p) > 0 {
		t.Errorf("Check of the live store: %v", p)
	}
	if len(b.Snapshot().List()) != len(ids) {
		t.Fatalf("backup has %d summaries, want %d", len(b.Snapshot().List()), len(ids))
	}
	backupTotal, liveTotal := 0, 0
	for _, id := range ids {
		bc, err := b.Case(id)
		if err != nil {
			t.Fatalf("backup Case(%d): %v", id, err)
		}
		bevs, _ := b.Events(id)
		if len(bevs) != bc.Version || bevs[len(bevs)-1].Seq != bc.Version {
			t.Errorf("backup case %d: version %d, %d events", id, bc.Version, len(bevs))
		}
		if sm := mustSummary(t, b, id); sm.Version != bc.Version {
			t.Errorf("backup case %d: summary version %d, case %d", id, sm.Version, bc.Version)
		}
		levs, _ := s.Events(id)
		if len(bevs) > len(levs) {
			t.Fatalf("backup case %d is ahead of the live one", id)
		}
		for i := range bevs {
			if bevs[i].Hash != levs[i].Hash {
				t.Fatalf("backup case %d event %d differs from the live history", id, i+1)
			}
		}
		backupTotal += len(bevs)
		liveTotal += len(levs)
	}
	if backupTotal >= liveTotal {
		t.Errorf("backup holds %d events, live %d: the backup was not taken while writing", backupTotal, liveTotal)
	}
	// The backup is a working database: the next case number follows on.
	if c := create(t, b, entB); c.No != "XF-2026-000005" {
		t.Errorf("first case in the restored backup is %s", c.No)
	}
	_ = path
}

// Two accounts holding the same key: either PutStaff refuses the duplicate, or a login
// with it finds the active account (a key moved from a departed colleague to a new one
// without being removed from the old account must not lock the newcomer out).
func TestStaffByKeySharedKey(t *testing.T) {
	s, _, _ := newStore(t)
	k, line := newKey(t)
	old := workflow.Staff{Name: "aaa", Display: "离职", Role: workflow.RoleSpecialist, Active: false, Keys: []string{line}}
	if err := s.PutStaff(root, old); err != nil {
		t.Fatal(err)
	}
	newcomer := workflow.Staff{Name: "zzz", Display: "新人", Role: workflow.RoleSpecialist, Active: true, Keys: []string{line}}
	if err := s.PutStaff(root, newcomer); err != nil {
		return // the duplicate was refused: fine
	}
	if st, ok := s.StaffByKey(k); !ok || st.Name != newcomer.Name {
		t.Errorf("StaffByKey = %q, %v; want the active holder %q (or PutStaff should refuse a key another account holds)", st.Name, ok, newcomer.Name)
	}
}

// A settings change that fails leaves the settings in force exactly as they were, even
// when the callback edited the SLA maps in place before failing.
func TestUpdateSettingsFailureChangesNothing(t *testing.T) {
	s, _, _ := newStore(t)
	before := jsonOf(t, s.Settings())
	err := s.UpdateSettings(root, func(st *store.Settings) error {
		st.SLA.Stage[workflow.StageFormalReview] = workflow.Limit{Days: 99}
		st.SLA.Case["pbc"] = workflow.Limit{Days: 99}
		return errors.New("abandoned")
	})
	if err == nil {
		t.Fatal("the failing change was reported as done")
	}
	if after := jsonOf(t, s.Settings()); after != before {
		t.Errorf("a failed settings change altered the settings in force:\nbefore %s\nafter  %s", before, after)
	}
}
