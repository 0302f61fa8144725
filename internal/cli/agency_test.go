package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"repairdesk/workflow"
)

// repairdesk agency set/show: the agency's details every letter carries; a new database has
// none and says so; bad input is refused in the user's language and saves nothing; through
// the control socket only an admin may change them.
func TestCLIAgency(t *testing.T) {
	db, _ := cliDB(t)
	code, out, _ := cli(t, "--lang", "zh", "agency", "show", "--db", db)
	if code != 0 || !strings.Contains(out, "机构名称：（未设置）") || !strings.Contains(out, "文书中尚缺：机构名称、地址、电话、联系人") {
		t.Fatalf("new database: exit %d\n%s", code, out)
	}
	code, out, errs := cli(t, "--lang", "zh", "agency", "set", "--name", "郑州信修信用管理有限公司", "--address", "郑州市花园路88号", "--phone", "0371-5550-1234", "--contact", "陈静", "--db", db)
	if code != 0 || !strings.Contains(out, "联系人：陈静") || strings.Contains(out, "尚缺") {
		t.Fatalf("set: exit %d\n%s%s", code, out, errs)
	}
	for _, bad := range [][]string{
		{"--lang", "zh", "agency", "set", "--db", db},
		{"--lang", "zh", "agency", "set", "--phone", "0371\n1234", "--db", db},
		{"--lang", "zh", "agency", "set", "--name", strings.Repeat("长", 101), "--db", db},
	} {
		if code, _, errs := cli(t, bad...); code != exitUsage || !strings.Contains(errs, "未保存") && !strings.Contains(errs, "未给出") {
			t.Errorf("%v: exit %d %s", bad[:5], code, errs)
		}
	}
	code, out, _ = cli(t, "--lang", "en", "agency", "show", "--db", db)
	if code != 0 || !strings.Contains(out, "Phone: 0371-5550-1234") {
		t.Errorf("en show: %d\n%s", code, out)
	}
	// Only the phone changes; a letter issued now carries the new details.
	if code, _, errs := cli(t, "--lang", "zh", "agency", "set", "--phone", "0371-1111", "--db", db); code != 0 {
		t.Fatal(errs)
	}
	_, out, _ = cli(t, "--lang", "zh", "agency", "show", "--db", db)
	if !strings.Contains(out, "电话：0371-1111") || !strings.Contains(out, "联系人：陈静") {
		t.Errorf("partial set lost a detail:\n%s", out)
	}
}

// Through the socket: a specialist may show, not set.
func TestCLIAgencyHeldNeedsAdmin(t *testing.T) {
	dbDir := officeDB(t, workflow.RoleSpecialist, true)
	db := filepath.Join(dbDir, "r.db")
	st := holdDB(t, db)
	var out, errb bytes.Buffer
	if code := Run("test", []string{"--lang", "en", "agency", "set", "--name", "X", "--db", db}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "only an admin") {
		t.Fatalf("a specialist set the agency: %d %s %s", code, out.String(), errb.String())
	}
	if st.Settings().Letterhead.Agency == "X" {
		t.Fatal("changed")
	}
	out.Reset()
	if code := Run("test", []string{"--lang", "zh", "agency", "show", "--db", db}, &out, &errb); code != 0 || !strings.Contains(out.String(), "机构名称：") {
		t.Fatalf("show: %d %s %s", code, out.String(), errb.String())
	}
}
