//go:build !unix

package store

// withSharedLock runs fn (no advisory locks to respect here).
func withSharedLock(path string, fn func()) { fn() }
