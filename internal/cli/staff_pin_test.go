package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"repairdesk/store"
	"repairdesk/workflow"
)

// repairdesk staff pin-reset NAME clears the PIN (and its count of wrong tries) so the
// person chooses a new one at their next login; an unknown name or a missing one is an
// error that says so, and changes nothing.
func TestCLIStaffPINReset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []workflow.Staff{cliSpecialist, cliSupervisor} {
		if err := st.PutStaff(workflow.Staff{}, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []workflow.Staff{cliSpecialist, cliSupervisor} {
		if err := st.SetPIN(s.Name, "2468"); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < store.MaxPINFails; i++ {
		st.CheckPIN(cliSpecialist.Name, "0000")
	}
	st.Close()

	code, _, errOut := cli(t, "staff", "pin-reset", "--db", path)
	if code != 2 || !strings.Contains(errOut, "pin-reset --help") {
		t.Fatalf("no name: code %d, %q", code, errOut)
	}
	code, _, errOut = cli(t, "staff", "pin-reset", "--db", path, "--lang", "zh", "nobody")
	if code != 1 || !strings.Contains(errOut, "没有人员") {
		t.Fatalf("unknown name: code %d, %q", code, errOut)
	}
	code, out, errOut := cli(t, "staff", "pin-reset", "--db", path, "--lang", "zh", cliSpecialist.Name)
	if code != 0 || !strings.Contains(out, "已重置 wangfang 的 PIN") {
		t.Fatalf("pin-reset: code %d, out %q, err %q", code, out, errOut)
	}

	st, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if set, fails := st.HasPIN(cliSpecialist.Name); set || fails != 0 {
		t.Fatalf("after pin-reset: set=%v fails=%d", set, fails)
	}
	if set, _ := st.HasPIN(cliSupervisor.Name); !set {
		t.Fatal("pin-reset of one person cleared another's PIN")
	}
	if err := st.SetPIN(cliSpecialist.Name, "1357"); err != nil {
		t.Fatalf("a new PIN after the reset: %v", err)
	}
}
