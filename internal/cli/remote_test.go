package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"repairdesk/store"
	"repairdesk/workflow"
)

// wayResult is what one run of a command gave: its output, exit code and the files it
// wrote in its working directory, with that directory written as {dir}.
type wayResult struct {
	code           int
	stdout, stderr string
	files          map[string]string
}

// copyDir copies the files of src (the database, its key, its anchor log) into a new
// directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Type().IsRegular() {
			b, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dst
}

// holdDB opens db as the server does and serves its control socket with commands.
func holdDB(t *testing.T, db string) *store.Store {
	t.Helper()
	st, err := store.Open(db, store.Options{Mode: "serve"})
	if err != nil {
		t.Fatal(err)
	}
	stop, err := st.ServeControl(context.Background())
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	remove := st.HandleCommands(CommandHandler("test", st))
	t.Cleanup(func() { remove(); stop(); st.Close() })
	return st
}

// bothWays runs args (where {db} is the database and {dir} a fresh working directory
// holding the given input files) once against a free copy of the database in dbDir and
// once against a copy held by an in-process server, and returns both results.
func bothWays(t *testing.T, dbDir string, inputs map[string]string, args ...string) (free, held wayResult) {
	t.Helper()
	run := func(hold bool) wayResult {
		dir := copyDir(t, dbDir)
		work := t.TempDir()
		for name, body := range inputs {
			if err := os.WriteFile(filepath.Join(work, name), []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		db := filepath.Join(dir, "r.db")
		if hold {
			holdDB(t, db)
			if !store.HeldElsewhere(db) {
				t.Fatal("the held database is not seen as held")
			}
		}
		var a []string
		for _, s := range args {
			a = append(a, strings.NewReplacer("{db}", db, "{dir}", work).Replace(s))
		}
		var out, errb bytes.Buffer
		code := Run("test", a, &out, &errb)
		norm := strings.NewReplacer(db, "{db}", work, "{dir}")
		r := wayResult{code: code, stdout: norm.Replace(out.String()), stderr: norm.Replace(errb.String()), files: map[string]string{}}
		ents, _ := os.ReadDir(work)
		for _, e := range ents {
			if _, input := inputs[e.Name()]; input {
				continue
			}
			b, _ := os.ReadFile(filepath.Join(work, e.Name()))
			r.files[e.Name()] = string(b)
		}
		return r
	}
	return run(false), run(true)
}

// officeDB is cliDB with the OS user who runs the tests registered as an admin (through
// the socket, commands run as them).
func officeDB(t *testing.T, role workflow.Role, active bool) string {
	t.Helper()
	t.Setenv("LC_ALL", "en_US.UTF-8")
	db, _ := cliDB(t)
	if role != "" {
		st, err := store.Open(db, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.PutStaff(workflow.Staff{}, workflow.Staff{Name: osUser(), Role: role, Active: active}); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	return filepath.Dir(db)
}

func sameResult(t *testing.T, what string, free, held wayResult) {
	t.Helper()
	if free.code != held.code || free.stdout != held.stdout || free.stderr != held.stderr {
		t.Errorf("%s differs:\nfree: exit %d\n%s\n%s\nheld: exit %d\n%s\n%s", what, free.code, free.stdout, free.stderr, held.code, held.stdout, held.stderr)
	}
	var fk, hk []string
	for k := range free.files {
		fk = append(fk, k)
	}
	for k := range held.files {
		hk = append(hk, k)
	}
	sort.Strings(fk)
	sort.Strings(hk)
	if strings.Join(fk, ",") != strings.Join(hk, ",") {
		t.Errorf("%s: files free %v, held %v", what, fk, hk)
		return
	}
	for k, v := range free.files {
		if held.files[k] != v {
			t.Errorf("%s: file %s differs (%d vs %d bytes)", what, k, len(v), len(held.files[k]))
		}
	}
}

const remoteCSV = "\ufeffenterprise_name,credit_code,legal_rep,address,agent_name,agent_phone,agent_id_number,auth_letter,source,record_type,institution,record_date,amount_yuan,problem,tier,detail,external_ref\r\n" +
	"郑州恒通商贸有限公司,91110000600037341L,张伟,郑州市,刘洋,13812345678,11010519491231002X,SQ-1,人民银行征信中心,贷款逾期,工商银行,2025-03-01,100,信息错误,,,EXT-9\r\n" +
	"坏公司,bad,张伟,,刘洋,13812345678,110105194912310021,,pbc,overdue_loan,某行,2025-03-01,,wrong_data,,,EXT-10\r\n"

const remoteCal = `{"year":2027,"source":"测试用安排","holidays":[{"date":"2027-02-06","name":"春节"}],"workdays":[]}`

// Every command that goes through the socket gives the same output, files and exit code
// whether the database is free or held by a server.
func TestCommandsSameFreeAndHeld(t *testing.T) {
	dbDir := officeDB(t, workflow.RoleAdmin, true)
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl office@test\n"
	inputs := map[string]string{"batch.csv": remoteCSV, "2027.json": remoteCal, "k.pub": key, "exists.txt": "keep me"}
	cases := [][]string{
		{"letter", "1", "notice", "--db", "{db}"},
		{"letter", "1", "notice", "--out", "{dir}/n.html", "--db", "{db}"},
		{"letter", "1", "notice", "--out", "{dir}/exists.txt", "--db", "{db}"},
		{"letter", "99", "notice", "--db", "{db}"},
		{"export", "--format", "json", "--db", "{db}"},
		{"export", "--format", "csv", "--out", "{dir}/cases.csv", "--db", "{db}"},
		{"report", "--period", "2026-Q1", "--db", "{db}"},
		{"report", "--period", "2026-Q1", "--format", "csv", "--out", "{dir}/r.csv", "--db", "{db}"},
		{"report", "--period", "nonsense", "--db", "{db}"},
		{"import", "{dir}/batch.csv", "--errors", "{dir}/bad.csv", "--db", "{db}"},
		{"import", "{dir}/missing.csv", "--db", "{db}"},
		{"staff", "add", "zhaolei", "--role", "specialist", "--key", "{dir}/k.pub", "--db", "{db}"},
		{"staff", "add", "wangfang", "--db", "{db}"},
		{"staff", "list", "--db", "{db}"},
		{"staff", "disable", "wangfang", "--db", "{db}"},
		{"staff", "enable", "chenjing", "--db", "{db}"},
		{"staff", "pin-reset", "wangfang", "--db", "{db}"},
		{"staff", "key", "add", "wangfang", "{dir}/k.pub", "--db", "{db}"},
		{"staff", "key", "remove", "wangfang", "SHA256:nope", "--db", "{db}"},
		{"sla", "set", "review", "7", "--db", "{db}"},
		{"sla", "show", "--db", "{db}"},
		{"agency", "set", "--name", "郑州信修", "--phone", "0371-5550-1234", "--contact", "陈静", "--db", "{db}"},
		{"agency", "set", "--db", "{db}"},
		{"agency", "show", "--db", "{db}"},
		{"calendar", "import", "{dir}/2027.json", "--db", "{db}"},
		{"calendar", "list", "--db", "{db}"},
		{"letters", "use", "{dir}/none", "--db", "{db}"},
		{"letters", "use", "--default", "--db", "{db}"},
		{"staff", "add", "x", "--role", "boss", "--db", "{db}"},
	}
	for _, args := range cases {
		free, held := bothWays(t, dbDir, inputs, args...)
		sameResult(t, strings.Join(args, " "), free, held)
		if held.stdout == "" && held.stderr == "" && len(held.files) == 0 {
			t.Errorf("%v said nothing", args)
		}
	}
}

// Through the socket the change is recorded as the OS user's staff member.
func TestHeldCommandRecordedAsPeer(t *testing.T) {
	dbDir := officeDB(t, workflow.RoleAdmin, true)
	db := filepath.Join(dbDir, "r.db")
	st := holdDB(t, db)
	var out, errb bytes.Buffer
	if code := Run("test", []string{"staff", "disable", "wangfang", "--db", db}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if s, _ := st.Staff("wangfang"); s.Active {
		t.Fatal("the server's store does not see wangfang disabled")
	}
	log := st.AuditLog(1)
	if len(log) != 1 || log[0].Actor != osUser() || log[0].What != "staff" {
		t.Fatalf("audit %+v, want staff change by %s", log, osUser())
	}
}

// Through the socket, a user who is not allowed is refused with the reason and what to do;
// nothing changes.
func TestHeldCommandRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		role   workflow.Role
		active bool
		args   []string
		want   []string
	}{
		{"unregistered", "", true, []string{"staff", "disable", "wangfang"}, []string{"not a staff member", "no active admin", "--role admin"}},
		{"disabled", workflow.RoleAdmin, false, []string{"staff", "disable", "wangfang"}, []string{"disabled", "staff enable"}},
		{"not admin", workflow.RoleSpecialist, true, []string{"staff", "disable", "wangfang"}, []string{"only an admin"}},
		{"read-only import", workflow.RoleAuditor, true, []string{"import", "x.csv"}, []string{"read-only"}},
		{"not a socket command", workflow.RoleAdmin, true, []string{"demo"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbDir := officeDB(t, tc.role, tc.active)
			db := filepath.Join(dbDir, "r.db")
			st := holdDB(t, db)
			var out, errb bytes.Buffer
			code := Run("test", append(tc.args, "--db", db), &out, &errb)
			if code == 0 {
				t.Fatalf("allowed: %s", out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("refusal %q lacks %q", errb.String(), w)
				}
			}
			if strings.Contains(errb.String(), "--role specialist") && tc.args[0] == "staff" {
				t.Errorf("suggests a role that cannot run staff commands: %s", errb.String())
			}
			if s, _ := st.Staff("wangfang"); !s.Active {
				t.Error("a refused command changed the database")
			}
		})
	}
}

// The first staff add on a new file makes the OS user its admin, and says so; a first
// member who is the OS user must be an admin.
func TestFirstStaffAddMakesAnAdmin(t *testing.T) {
	t.Setenv("LC_ALL", "en_US.UTF-8")
	db := filepath.Join(t.TempDir(), "new.db")
	code, out, errs := cli(t, "staff", "add", osUser(), "--role", "specialist", "--db", db)
	if code == 0 || !strings.Contains(errs, "must be an admin") || !strings.Contains(errs, "--role admin") {
		t.Fatalf("first member not an admin: %d %s %s", code, out, errs)
	}
	code, out, errs = cli(t, "staff", "add", "zhaolei", "--db", db)
	if code != 0 || !strings.Contains(out, "registered as its admin") {
		t.Fatalf("first staff add: %d %s %s", code, out, errs)
	}
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if s, ok := st.Staff(osUser()); !ok || s.Role != workflow.RoleAdmin || !s.Active {
		t.Fatalf("the OS user is not the admin: %+v", s)
	}
}
