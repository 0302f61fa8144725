//go:build windows

package store

import (
	"os"

	"golang.org/x/sys/windows"
)

// lockExclusive takes f's exclusive lock without waiting; an error means another
// process holds it. LockFileEx locks a byte range, and a locked range cannot be read by
// others: the byte locked lies far beyond any end the file will reach (2^62), so a
// reader of the file is never refused.
func lockExclusive(f *os.File) error {
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &windows.Overlapped{OffsetHigh: 1 << 30})
}
