package tui

import (
	"os"

	"golang.org/x/sys/unix"
)

// evictCache drops the file's pages from the page cache, as after a reboot or when the
// kernel has reclaimed them, so that the next start-up reads the file from disk.
func evictCache(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}
