package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"repairdesk/workflow"
)

// wantKeyTaken fails unless err is the duplicate-key refusal naming holder and the key's
// fingerprint, in both languages. Any other refusal (role, name…) is not this one.
func wantKeyTaken(t *testing.T, err error, holder string, pub ssh.PublicKey) {
	t.Helper()
	var r *workflow.Refusal
	if !errors.As(err, &r) {
		t.Fatalf("err = %v (%T); want the duplicate-key refusal", err, err)
	}
	fp := ssh.FingerprintSHA256(pub)
	if r.Code != "key_taken" {
		t.Fatalf("refusal %q (%s); want key_taken", r.Code, r.Message("en"))
	}
	if zh := r.Message("zh"); !strings.Contains(zh, "已登记给 "+holder) || !strings.Contains(zh, fp) {
		t.Errorf("zh message %q should name %s and %s", zh, holder, fp)
	}
	if en := r.Message("en"); !strings.Contains(en, "already registered to "+holder) || !strings.Contains(en, fp) {
		t.Errorf("en message %q should name %s and %s", en, holder, fp)
	}
}

// One SSH key, one person. A key shared by a specialist and a supervisor would let the
// specialist sign in as whichever the server finds first and approve their own proposal:
// four-eyes defeated. Both ways of giving someone a key are refused with the duplicate-key
// refusal itself, and nothing is written.
func TestPutStaffRefusesAnActiveMembersKey(t *testing.T) {
	s, _, _ := newStore(t)
	pub, line := newKey(t)
	_, own := newKey(t)
	w := wang
	w.Keys = []string{line}
	if err := s.PutStaff(root, w); err != nil {
		t.Fatal(err)
	}

	// staff key add: an existing supervisor is given the specialist's key.
	c := chen
	c.Keys = []string{own, line}
	wantKeyTaken(t, s.PutStaff(root, c), wang.Name, pub)
	if got, _ := s.Staff(chen.Name); len(got.Keys) != 0 {
		t.Errorf("the refused key change was written: %s holds %d keys", chen.Name, len(got.Keys))
	}

	// staff add: a new supervisor arrives with it.
	boss := workflow.Staff{Name: "zhaolei", Display: "赵磊", Role: workflow.RoleSupervisor, Active: true, Keys: []string{line}}
	wantKeyTaken(t, s.PutStaff(root, boss), wang.Name, pub)
	if _, ok := s.Staff(boss.Name); ok {
		t.Errorf("the refused new member %s was written", boss.Name)
	}

	// The key still signs in as its one holder.
	if st, ok := s.StaffByKey(pub); !ok || st.Name != wang.Name {
		t.Errorf("StaffByKey = %q, %v; want %s", st.Name, ok, wang.Name)
	}

	// Saving the holder again (a display-name change, disabling) is not a duplicate of
	// itself, and the key can move once it is removed from its holder.
	w.Display = "王芳芳"
	if err := s.PutStaff(root, w); err != nil {
		t.Errorf("re-saving the key's own holder: %v", err)
	}
	w.Keys = nil
	if err := s.PutStaff(root, w); err != nil {
		t.Fatal(err)
	}
	if err := s.PutStaff(root, c); err != nil {
		t.Errorf("the key was removed from %s, yet %s may not have it: %v", wang.Name, chen.Name, err)
	}
	if st, ok := s.StaffByKey(pub); !ok || st.Name != chen.Name {
		t.Errorf("after the move StaffByKey = %q, %v; want %s", st.Name, ok, chen.Name)
	}
}

// Decided: a disabled member's keys still count. Disabling keeps the account (and its
// keys) so it can be enabled again; if another account could take the key meanwhile,
// enabling the first would make two active holders. The admin removes the key from the
// disabled account first (staff key remove), which the message says.
func TestPutStaffRefusesADisabledMembersKey(t *testing.T) {
	s, _, _ := newStore(t)
	pub, line := newKey(t)
	gone := workflow.Staff{Name: "gone", Display: "离职", Role: workflow.RoleSpecialist, Active: true, Keys: []string{line}}
	if err := s.PutStaff(root, gone); err != nil {
		t.Fatal(err)
	}
	gone.Active = false
	if err := s.PutStaff(root, gone); err != nil {
		t.Fatalf("disabling a member who holds a key: %v", err)
	}
	if _, ok := s.StaffByKey(pub); ok {
		t.Error("a disabled member's key signs in")
	}
	sup := chen
	sup.Keys = []string{line}
	wantKeyTaken(t, s.PutStaff(root, sup), "gone", pub)
	if got, _ := s.Staff(chen.Name); slices.Contains(got.Keys, line) {
		t.Error("the refused key was written")
	}
	// Re-enabling the disabled holder is allowed: the key has one holder still.
	gone.Active = true
	if err := s.PutStaff(root, gone); err != nil {
		t.Fatalf("re-enabling: %v", err)
	}
	if st, ok := s.StaffByKey(pub); !ok || st.Name != "gone" {
		t.Errorf("StaffByKey after re-enabling = %q, %v", st.Name, ok)
	}
}
