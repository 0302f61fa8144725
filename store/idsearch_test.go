package store_test

import (
	"os"
	"strings"
	"testing"

	"repairdesk/store"
	"repairdesk/workflow"
)

// A whole ID number finds the case by a keyed hash; the number itself is stored nowhere
// in the clear, part of it finds nothing, and without the key nothing is found.
func TestSearchByWholeIDNumber(t *testing.T) {
	s, path, clk := newStore(t)
	c := create(t, s, entA)
	other := intake(entB)
	other.Agent.IDNumber = "110105198001010016"
	c2, err := s.Create(wang, other, "")
	if err != nil {
		t.Fatal(err)
	}
	ms, n := s.Search("11010519491231002x", nil, 0)
	if n != 1 || ms[0].ID != c.ID {
		t.Fatalf("whole ID number: %d matches %v, want only %s", n, ms, c.No)
	}
	if ms, _ := s.Search("110105198001010016", nil, 0); len(ms) != 1 || ms[0].ID != c2.ID {
		t.Fatalf("second number: %v", ms)
	}
	if ms, _ := s.Search("1101051949", nil, 0); len(ms) != 0 {
		t.Fatalf("part of a number found %v", ms)
	}
	s.Close()
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), "11010519491231002X") {
		t.Fatal("the ID number is in the file in the clear")
	}
	// Reopened: the hash was stored with the summary.
	s = openStore(t, path, clk)
	if ms, _ := s.Search("11010519491231002X", nil, 0); len(ms) != 1 || ms[0].ID != c.ID {
		t.Fatalf("after reopen: %v", ms)
	}
	s.Close()
	// Without the key: nothing is found.
	os.Rename(path+".key", path+".key.away")
	locked, err := store.Open(path, store.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer locked.Close()
	if ms, _ := locked.Search("11010519491231002X", nil, 0); len(ms) != 0 {
		t.Fatalf("found %v without the key", ms)
	}
}

// Showing an ID number whole is refused to a read-only role and without a reason, and
// every reveal is in the audit log with its reason.
func TestRevealIDIsCheckedAndLogged(t *testing.T) {
	s, _, _ := newStore(t)
	c := create(t, s, entA)
	auditor := workflow.Staff{Name: "audit", Role: workflow.RoleAuditor, Active: true}
	if _, err := s.RevealID(auditor, c.ID, "想看看"); err == nil {
		t.Fatal("an auditor saw a whole ID number")
	}
	if _, err := s.RevealID(wang, c.ID, "  "); err == nil {
		t.Fatal("revealed without a reason")
	}
	id, err := s.RevealID(wang, c.ID, "核对授权委托书")
	if err != nil || id != "11010519491231002X" {
		t.Fatalf("%q %v", id, err)
	}
	log := s.AuditLog(10)
	if len(log) == 0 || log[0].What != "reveal_id" || log[0].Actor != wang.Name || !strings.Contains(log[0].Detail, "核对授权委托书") || !strings.Contains(log[0].Detail, c.No) {
		t.Fatalf("audit log: %+v", log)
	}
}
