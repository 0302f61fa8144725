package store_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"repairdesk/store"
	"repairdesk/workflow"
)

// A PIN is stored as an argon2id hash: the digits appear nowhere in the database file,
// and two staff with the same PIN get different hashes (each has its own salt).
func TestPINStoredHashed(t *testing.T) {
	s, path, _ := newStore(t)
	const pin = "739164285017"
	for _, name := range []string{wang.Name, li.Name} {
		if err := s.SetPIN(name, pin); err != nil {
			t.Fatalf("SetPIN(%s): %v", name, err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(pin)) {
		t.Fatal("the PIN is in the database file in plain text")
	}
	hashes := bytes.Count(raw, []byte("$argon2id$v=19$m=19456,t=2,p=1$"))
	if hashes < 2 {
		t.Fatalf("found %d argon2id hashes with their parameters in the file, want 2", hashes)
	}
	if set, _ := s.HasPIN(wang.Name); !set {
		t.Fatal("HasPIN says no PIN after SetPIN")
	}
	// Distinct salts: the two records' hashes differ.
	var got []string
	for _, line := range strings.Split(string(raw), `"pin":"`)[1:] {
		got = append(got, line[:strings.IndexByte(line, '"')])
	}
	seen := map[string]bool{}
	for _, h := range got {
		seen[h] = true
	}
	if len(seen) < 2 {
		t.Fatalf("the same PIN gave the same stored hash for two people: %q", got)
	}
}

func TestPINCheckAndLockout(t *testing.T) {
	s, _, _ := newStore(t)
	if r, err := s.CheckPIN(wang.Name, "1234"); err != nil || !r.NoPIN || r.OK {
		t.Fatalf("without a PIN: %+v %v, want NoPIN", r, err)
	}
	if err := s.SetPIN(wang.Name, "12a4"); err == nil {
		t.Fatal("a PIN with a letter was accepted")
	}
	if err := s.SetPIN(wang.Name, "123"); err == nil {
		t.Fatal("a 3-digit PIN was accepted")
	}
	if err := s.SetPIN(wang.Name, "2468"); err != nil {
		t.Fatal(err)
	}
	// Set once: a second SetPIN (someone at an open console) cannot replace it.
	var rf *workflow.Refusal
	if err := s.SetPIN(wang.Name, "1111"); !errors.As(err, &rf) || rf.Code != "pin_set" {
		t.Fatalf("second SetPIN: %v, want a pin_set refusal", err)
	}
	if r, err := s.CheckPIN(wang.Name, "2468"); err != nil || !r.OK {
		t.Fatalf("right PIN: %+v %v", r, err)
	}
	// Wrong PINs count across calls (sessions); a right one clears the count.
	for i := 1; i <= 3; i++ {
		r, err := s.CheckPIN(wang.Name, "0000")
		if err != nil || r.OK || r.Fails != i {
			t.Fatalf("wrong PIN %d: %+v %v", i, r, err)
		}
	}
	if r, _ := s.CheckPIN(wang.Name, "2468"); !r.OK {
		t.Fatal("right PIN refused after three wrong ones")
	}
	if _, fails := s.HasPIN(wang.Name); fails != 0 {
		t.Fatalf("fails = %d after a right PIN, want 0", fails)
	}
	var last store.PINCheck
	for i := 1; i <= store.MaxPINFails; i++ {
		last, _ = s.CheckPIN(wang.Name, "9999")
	}
	if !last.LockedOut || last.Fails != store.MaxPINFails {
		t.Fatalf("after %d wrong PINs: %+v, want LockedOut", store.MaxPINFails, last)
	}
	// Stopped: even the right PIN is refused until an admin resets it.
	if r, _ := s.CheckPIN(wang.Name, "2468"); r.OK || !r.LockedOut {
		t.Fatalf("right PIN after the lockout: %+v, want refused", r)
	}
	found := false
	for _, e := range s.AuditLog(20) {
		if e.What == "pin_lockout" && e.Actor == wang.Name {
			found = true
		}
	}
	if !found {
		t.Fatal("the lockout is not in the audit log")
	}
}

func TestPINResetAndPutStaffKeepsIt(t *testing.T) {
	s, _, _ := newStore(t)
	if err := s.SetPIN(wang.Name, "2468"); err != nil {
		t.Fatal(err)
	}
	// Editing the record (display name, language) keeps the PIN.
	w := wang
	w.Display = "王芳芳"
	if err := s.PutStaff(root, w); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLang(wang.Name, "en"); err != nil {
		t.Fatal(err)
	}
	if set, _ := s.HasPIN(wang.Name); !set {
		t.Fatal("PutStaff/SetLang dropped the PIN")
	}
	// Only an admin resets.
	var rf *workflow.Refusal
	if err := s.ResetPIN(chen, wang.Name); !errors.As(err, &rf) {
		t.Fatalf("a supervisor reset a PIN: %v", err)
	}
	for i := 0; i < store.MaxPINFails; i++ {
		s.CheckPIN(wang.Name, "0000")
	}
	if err := s.ResetPIN(root, wang.Name); err != nil {
		t.Fatal(err)
	}
	if set, fails := s.HasPIN(wang.Name); set || fails != 0 {
		t.Fatalf("after reset: set=%v fails=%d", set, fails)
	}
	if err := s.SetPIN(wang.Name, "13579"); err != nil {
		t.Fatalf("a new PIN after the reset: %v", err)
	}
	if r, _ := s.CheckPIN(wang.Name, "13579"); !r.OK {
		t.Fatal("the new PIN does not unlock")
	}
	found := false
	for _, e := range s.AuditLog(20) {
		if e.What == "pin_reset" && e.Actor == root.Name && e.Detail == wang.Name {
			found = true
		}
	}
	if !found {
		t.Fatal("the reset is not in the audit log")
	}
}
