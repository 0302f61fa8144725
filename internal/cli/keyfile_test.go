//go:build unix

package cli

import (
	"os"
	"strings"
	"testing"
)

// A key file others can read stops every command with the fix, in the user's language.
func TestKeyFileModeRefusedByCommands(t *testing.T) {
	db := dataDB(t)
	kf := db + ".key"
	if err := os.Chmod(kf, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "--db", db, "--lang", "zh"}, "chmod 600 " + kf},
		{[]string{"export", "--db", db, "--lang", "en"}, "can be read or written by other users"},
		{[]string{"report", "--db", db, "--lang", "zh"}, "可被其他用户读取或改写"},
		{[]string{"check", "--db", db}, "chmod 600 " + kf},
	} {
		code, out, errs := cli(t, c.args...)
		if code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, want a refusal saying %q:\n%s%s", c.args, code, c.want, out, errs)
		}
	}
	os.Chmod(kf, 0o600)
	if code, _, errs := cli(t, "check", "--db", db); code != 0 {
		t.Errorf("after chmod 600: exit %d %s", code, errs)
	}
}
