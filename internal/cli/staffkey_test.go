package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"repairdesk/store"
)

// staffKeyFile writes a fresh public key as a .pub file and returns its path and fingerprint.
func staffKeyFile(t *testing.T, dir, name string) (string, string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".pub")
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp))) + " " + name + "@laptop\n"
	if err := os.WriteFile(path, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, ssh.FingerprintSHA256(sp)
}

// repairdesk staff add --key and staff key add refuse a key another member holds, with
// the duplicate-key message in the user's language, and write nothing.
func TestCLIStaffRefusesSharedKey(t *testing.T) {
	t.Setenv(store.KeyEnv, "")
	dir := t.TempDir()
	db := filepath.Join(dir, "office.db")
	key, fp := staffKeyFile(t, dir, "wang")
	other, _ := staffKeyFile(t, dir, "chen")

	if code, _, errs := cli(t, "staff", "add", "--db", db, "--display", "王芳", "--key", key, "wangfang"); code != 0 {
		t.Fatalf("staff add wangfang: exit %d: %s", code, errs)
	}
	// add: a supervisor with the specialist's key.
	code, _, errs := cli(t, "staff", "add", "--db", db, "--lang", "zh", "--role", "supervisor", "--key", key, "chenjing")
	if code != 1 || !strings.Contains(errs, "已登记给 wangfang") || !strings.Contains(errs, fp) {
		t.Errorf("staff add with a held key: exit %d, %q; want 1 and the duplicate-key message", code, errs)
	}
	if code, out, _ := cli(t, "staff", "list", "--db", db); code != 0 || strings.Contains(out, "chenjing") {
		t.Errorf("the refused member was written:\n%s", out)
	}

	// key add: an existing supervisor is given it (English this time).
	if code, _, errs := cli(t, "staff", "add", "--db", db, "--role", "supervisor", "--key", other, "chenjing"); code != 0 {
		t.Fatalf("staff add chenjing: exit %d: %s", code, errs)
	}
	code, _, errs = cli(t, "staff", "key", "add", "--db", db, "chenjing", key)
	if code != 1 || !strings.Contains(errs, "already registered to wangfang") || !strings.Contains(errs, fp) {
		t.Errorf("staff key add with a held key: exit %d, %q; want 1 and the duplicate-key message", code, errs)
	}
	_, out, _ := cli(t, "staff", "list", "--db", db)
	if strings.Count(out, fp) != 1 {
		t.Errorf("the key is listed %d times, want once (under wangfang):\n%s", strings.Count(out, fp), out)
	}
}
