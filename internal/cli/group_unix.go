//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"syscall"
)

// unreachableBy lists the folders on the way to dir (the outermost first) that members
// of group gid cannot pass (no search permission for the group or for others); none when
// they can reach it. A control socket they may use is no use to them inside a folder
// they cannot enter.
func unreachableBy(dir string, gid int) []string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	var out []string
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return out
		}
		perm := fi.Mode().Perm()
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return out
		}
		if perm&0o001 == 0 && !(int(st.Gid) == gid && perm&0o010 != 0) {
			out = append([]string{d}, out...)
		}
		if d == filepath.Dir(d) {
			return out
		}
	}
}
