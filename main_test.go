package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNarrowAmbiguousDecision(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "false": false, "1": true, "true": true, "junk": false} {
		if got := wantsWideAmbiguous(v); got != want {
			t.Errorf("RUNEWIDTH_EASTASIAN=%q: %v, want %v", v, got, want)
		}
	}
}

// With RUNEWIDTH_EASTASIAN=1 in the environment the program restarts itself narrow: the
// version command still answers (the restart works) and nothing hangs.
func TestNarrowAmbiguousRestarts(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "repairdesk")
	if out, err := exec.Command("go", "build", "-o", exe, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // a restart loop would never end
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "version")
	cmd.Env = append(os.Environ(), "RUNEWIDTH_EASTASIAN=1")
	out, err := cmd.Output()
	if err != nil || !strings.HasPrefix(string(out), "repairdesk ") {
		t.Fatalf("%v %q", err, out)
	}
}
