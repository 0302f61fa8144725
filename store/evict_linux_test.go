package store

import (
	"os"

	"golang.org/x/sys/unix"
)

// evictCache drops the file's pages from the page cache (those no process has mapped),
// so that the next reader reads it from disk.
func evictCache(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}
