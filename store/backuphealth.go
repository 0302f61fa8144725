package store

import "time"

// BackupHealth is what the scheduled backups of the process holding the database (serve
// --backup-every) last said. It lives in memory only: the scheduler sets it after every
// run, and every console of the process reads it (admins see a problem in their header
// until a later backup, on time, succeeds).
type BackupHealth struct {
	// At is when the run that set this ended.
	At time.Time
	// Failed: the last run failed (Err says why; File is the copy kept as evidence, if any).
	Failed bool
	Err    string
	File   string
	// Missed counts the scheduled runs that never started (the machine slept or was
	// suspended, or a run took longer than the period) before the last one.
	Missed int
	// Late is how long after its slot the last run started, when Missed > 0.
	Late time.Duration
	// Slow is how long the last run took when it took longer than the period (the next
	// slot was then skipped).
	Slow time.Duration
	// Every is the period, for the message.
	Every time.Duration
	// LastGood is when the last good backup was taken (zero: none yet in this run).
	LastGood time.Time
}

// Problem reports whether admins should be told: a failure, a missed run or a slow one.
func (h BackupHealth) Problem() bool { return h.Failed || h.Missed > 0 || h.Slow > 0 }

// SetBackupHealth records the scheduled backups' latest state and tells every
// subscriber (topic "backup").
func (s *Store) SetBackupHealth(h BackupHealth) {
	s.health.Store(&h)
	s.publish(Change{Topic: "backup", At: h.At})
}

// BackupHealth is the scheduled backups' latest state (zero when none ran).
func (s *Store) BackupHealth() BackupHealth {
	if h := s.health.Load(); h != nil {
		return *h
	}
	return BackupHealth{}
}
