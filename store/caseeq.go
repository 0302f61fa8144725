package store

import "time"

// sameTime reports whether two times encode to the same JSON: RFC 3339 with the
// offset from UTC, so the same instant at the same offset (caseeq_gen.go's rule for a
// time).
func sameTime(a, b *time.Time) bool {
	if !a.Equal(*b) {
		return false
	}
	_, oa := a.Zone()
	_, ob := b.Zone()
	return oa == ob
}
