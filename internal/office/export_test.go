package office

import "repairdesk/store"

// GenerateDemoSized is GenerateDemoWith with the pipeline's sizes given: cases per
// transaction, per reservation of ids and per worker's turn, and batches ahead.
func GenerateDemoSized(s *store.Store, n int, seed uint64, w store.Work, batch, reserve, chunk, ahead int) error {
	return generateDemo(s, n, seed, w, demoSizes{batch, reserve, chunk, ahead})
}
