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

// serve --control-group with a group this machine does not have: refused before anything
// starts, saying how to make it.
func TestCLIServeRefusesUnknownControlGroup(t *testing.T) {
	code, _, errOut := cli(t, "serve", "--lang", "zh", "--db", t.TempDir()+"/x.db", "--control-group", "no-such-group-rd")
	if code != 2 || !strings.Contains(errOut, "本机没有名为 no-such-group-rd 的系统用户组") || !strings.Contains(errOut, "groupadd no-such-group-rd") {
		t.Fatalf("exit %d, %q", code, errOut)
	}
}
