//go:build unix

package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// narrowAmbiguous makes East Asian ambiguous characters one cell wide for the whole
// process. x/ansi (and so lipgloss) reads RUNEWIDTH_EASTASIAN once, before main runs; if
// the environment asks for wide ambiguous characters, the program starts itself again
// without it, so what is measured is what the staff's terminals draw.
func narrowAmbiguous() {
	if !wantsWideAmbiguous(os.Getenv("RUNEWIDTH_EASTASIAN")) {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	// Replace the variable, not append to it: with two entries the first one wins.
	env := []string{"RUNEWIDTH_EASTASIAN=0"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RUNEWIDTH_EASTASIAN=") {
			env = append(env, kv)
		}
	}
	_ = syscall.Exec(exe, os.Args, env) // returns only on failure: carry on as we are
}

func wantsWideAmbiguous(v string) bool {
	b, err := strconv.ParseBool(v)
	return err == nil && b
}
