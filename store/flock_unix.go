//go:build unix

package store

import (
	"errors"
	"os"
	"syscall"
)

// lockHeld: bbolt holds flock on the file; a shared lock that cannot be had means a
// writer (console or server) has it.
func lockHeld(f *os.File) bool {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return false
	}
	return errors.Is(err, syscall.EWOULDBLOCK)
}

// lockExclusive takes f's exclusive lock without waiting; an error means another
// process (or another open file of this one) holds it.
func lockExclusive(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
