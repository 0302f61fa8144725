//go:build unix

package store

import (
	"os"
	"syscall"
)

// withSharedLock runs fn holding a shared lock on path (the kind bbolt takes for a
// read-only open), or not at all when another process holds an exclusive one. A file
// that does not exist or cannot be locked is run on without one.
func withSharedLock(path string, fn func()) {
	f, err := os.Open(path)
	if err != nil {
		fn()
		return
	}
	defer f.Close()
	switch err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err {
	case nil:
		defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	case syscall.EWOULDBLOCK:
		return
	}
	fn()
}
