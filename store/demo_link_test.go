package store_test

import (
	"io"

	"repairdesk/internal/cli"
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

// The command line, for the benchmarks of the bulk tools (store.RunCLI).
func init() {
	store.RunCLI = func(args []string, stdout, stderr io.Writer) int { return cli.Run("bench", args, stdout, stderr) }
}
