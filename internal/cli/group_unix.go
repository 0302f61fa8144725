//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"syscall"
)

// unreachableBy is the first folder on the way to dir that members of group gid cannot
// pass (no search permission for the group or for others), or "" when they can reach it.
// A control socket they may use is no use to them inside a folder they cannot enter.
func unreachableBy(dir string, gid int) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return ""
		}
		perm := fi.Mode().Perm()
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return ""
		}
		if perm&0o001 == 0 && !(int(st.Gid) == gid && perm&0o010 != 0) {
			return d
		}
		if d == filepath.Dir(d) {
			return ""
		}
	}
}
