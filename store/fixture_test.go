package store_test

import (
	"testing"
	"time"

	"repairdesk/store"
	"repairdesk/workflow"
)

// The fixed clock and staff of tests that began as import tests (the import itself is
// internal/office now, with its own copy).
// impNow is the fixed clock of the import tests: Tuesday 2026-03-10 10:00 China time.
var impNow = time.Date(2026, 3, 10, 10, 0, 0, 0, workflow.ChinaTZ)

var (
	impClerk   = workflow.Staff{Name: "wangfang", Display: "王芳", Role: workflow.RoleSpecialist, Active: true}
	impAuditor = workflow.Staff{Name: "sunli", Display: "孙丽", Role: workflow.RoleAuditor, Active: true}
)

// impOpen opens a new database with the import clerk and an auditor, on a fixed clock.
func impOpen(t testing.TB, path string) *store.Store {
	t.Helper()
	s, err := store.Open(path, store.Options{Now: func() time.Time { return impNow }})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	for _, st := range []workflow.Staff{impClerk, impAuditor} {
		if _, ok := s.Staff(st.Name); !ok {
			if err := s.PutStaff(workflow.Staff{}, st); err != nil {
				t.Fatalf("PutStaff: %v", err)
			}
		}
	}
	return s
}
