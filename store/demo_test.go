package store

import (
	"math/rand/v2"

	"repairdesk/workflow"
)

// Demo is the demo office for the tests of package store. The generator is a use case
// above the store (internal/office), which these tests cannot import (office imports
// store); demo_link_test.go, in package store_test of the same test binary, fills it in
// before any test runs.
var Demo struct {
	Generate   func(s *Store, n int, seed uint64) error
	Staff      []workflow.Staff
	IDNumber   func(r *rand.Rand) string
	CreditCode func(r *rand.Rand, region string) string
}
