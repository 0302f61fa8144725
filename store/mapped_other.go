//go:build !linux

package store

// releaseMapped is a Linux measure (see mapped_linux.go); elsewhere the kernel reclaims
// the mapped pages as it needs.
func (s *Store) releaseMapped() {}
