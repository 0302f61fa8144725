package store

import "repairdesk/workflow"

// FoldStored folds stored (sealed) events as Check does, for tests that forge a
// consistent history behind the store's back; c is the stored case.
func FoldStored(evs []workflow.Event, c workflow.Case) (workflow.Case, error) {
	s := &Store{rules: workflow.DefaultRules(), keys: &keyring{}}
	return s.replayStored(evs, &c)
}
