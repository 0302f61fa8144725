package store_test

import (
	"testing"

	"repairdesk/store"
)

// valueJSON is the JSON of a stored case or event value (nil for nil).
func valueJSON(t testing.TB, v []byte) []byte {
	t.Helper()
	if v == nil {
		return nil
	}
	js, err := store.ValueJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return js
}
