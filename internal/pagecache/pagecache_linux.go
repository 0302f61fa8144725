// Package pagecache drops a file's pages from the page cache, so that benchmarks can
// measure what a reader pays when the file is not cached (after a reboot, or when the
// kernel has reclaimed it).
package pagecache

import (
	"os"

	"golang.org/x/sys/unix"
)

// Evict drops the file's cached pages (those no process has mapped).
func Evict(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}
