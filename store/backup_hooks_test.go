package store

import "io"

// SetBackupFileWriter puts f between a local backup's copy and its file (what f writes is
// what lands on disk; the hash sees what the snapshot gave), until the returned function
// is called. Tests that use it must not run in parallel.
func SetBackupFileWriter(f func(io.Writer) io.Writer) (restore func()) {
	old := backupFileWriter
	backupFileWriter = f
	return func() { backupFileWriter = old }
}

// HoldBackupAnchors makes a local backup wait, before it carries the anchor log beside
// the copy, until release is called (which also ends the hold for later backups). Tests
// that use it must not run in parallel.
func HoldBackupAnchors() (release func()) { return holdAt(&backupCarryHold) }
