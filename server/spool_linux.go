package server

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// openNameless opens a file in dir that never has a name (O_TMPFILE): no moment exists
// in which another process could find it in the folder, and nothing is left by a crash.
// It fails on a file system without O_TMPFILE; newSpool then creates and removes.
func openNameless(dir string) (*os.File, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	fd, err := unix.Open(dir, unix.O_RDWR|unix.O_TMPFILE|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, &os.PathError{Op: "open nameless file in", Path: dir, Err: err}
	}
	return os.NewFile(uintptr(fd), filepath.Join(dir, ".repairdesk-upload")), nil
}
