package cli

import (
	"strings"
	"testing"
)

func TestCLIServeRefusesBadSessionLimits(t *testing.T) {
	for _, args := range [][]string{{"--max-sessions", "0"}, {"--max-sessions-per-staff", "-1"}} {
		code, _, errOut := cli(t, append([]string{"serve", "--lang", "zh", "--db", t.TempDir() + "/x.db"}, args...)...)
		if code != 2 || !strings.Contains(errOut, "--max-sessions 和 --max-sessions-per-staff 须为正整数") {
			t.Fatalf("%v: exit %d, %q", args, code, errOut)
		}
	}
	code, _, errOut := cli(t, "serve", "--max-sessions", "0")
	if code != 2 || !strings.Contains(errOut, "must be positive whole numbers") {
		t.Fatalf("exit %d, %q", code, errOut)
	}
}
