package store_test

import (
	"repairdesk/internal/office"
	"repairdesk/store"
)

// The demo office of the internal tests (store.Demo).
func init() {
	store.Demo.Generate = office.GenerateDemo
	store.Demo.Staff = office.DemoStaff
	store.Demo.IDNumber = office.DemoIDNumber
	store.Demo.CreditCode = office.DemoCreditCode
}
