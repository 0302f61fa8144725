package tui

import (
	"time"

	"repairdesk/store"
	"repairdesk/workflow"
)

// The scheduled backups of the server (serve --backup-every) report to the store after
// every run; a console of an admin shows a problem — failed, missed or slow — as a marker
// in its header for as long as it lasts (until a later backup, on time, succeeds), and
// on its status line when it happens. Others see nothing of it: it is an admin's task.

// backupHealth is the problem to show this console's person (ok false: none, or not an
// admin).
func (m *Model) backupHealth() (store.BackupHealth, bool) {
	if !m.c.Me.Role.CanAdminister() || m.c.Store == nil {
		return store.BackupHealth{}, false
	}
	h := m.c.Store.BackupHealth()
	return h, h.Problem()
}

// backupMark is the header's marker ("" when there is nothing to show).
func (m *Model) backupMark() string {
	h, ok := m.backupHealth()
	switch {
	case !ok:
		return ""
	case h.Failed:
		return m.c.T("backup.mark_failed")
	}
	return m.c.T("backup.mark_missed")
}

// backupText says what happened, for the status line.
func (m *Model) backupText(h store.BackupHealth) string {
	at := h.At.In(workflow.ChinaTZ).Format("01-02 15:04") // as every time in the console
	switch {
	case h.Failed:
		return m.c.T("backup.failed", at, workflow.CleanLine(h.Err))
	case h.Missed > 0:
		return m.c.T("backup.missed", h.Missed, h.Late.Round(time.Minute).String(), at)
	}
	return m.c.T("backup.slow", at, h.Slow.Round(time.Second).String(), h.Every.String())
}

// noteBackup: the scheduler has reported; an admin reads a problem on the status line.
func (m *Model) noteBackup() {
	if h, ok := m.backupHealth(); ok {
		m.setStatus(m.backupText(h), true)
	}
}
