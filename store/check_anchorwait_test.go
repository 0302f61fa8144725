package store_test

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"repairdesk/store"
)

// Check's workers do not wait for the anchor log: with its reading held back, every case
// is verified — the check's last progress report, made once the workers are done, is
// made — before the log is read; the cases verified meanwhile are compared with it once
// it is, with the findings of a check that read it first (a rewritten case, compared
// hash by hash, and a bystander settled by its chain).
func TestCheckDoesNotWaitForTheAnchorLog(t *testing.T) {
	path, v, by, seq := approved(t)
	rewriteApprover(t, path, v, seq)
	check := func(hold bool) []store.Problem {
		t.Helper()
		verified := make(chan struct{}) // every case verified
		var once sync.Once
		s, err := store.Open(path, store.Options{ReadOnly: true, Progress: func(what string, done, total int64) {
			if what == "check" && done == 2 {
				once.Do(func() { close(verified) })
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if !hold {
			return s.Check()
		}
		release := store.HoldCheckAnchors()
		defer release()
		out := make(chan []store.Problem, 1)
		go func() { out <- s.Check() }()
		select {
		case <-verified:
		case <-time.After(30 * time.Second): // a deadlock's guard, not a measure of speed
			release()
			<-out
			t.Fatal("Check's workers waited for the anchor log: its cases were not verified while the log was held back")
		}
		release()
		return <-out
	}
	first, held := check(false), check(true)
	if !reflect.DeepEqual(first, held) {
		t.Errorf("with the anchor log read after the workers:\n%v\nread first:\n%v", held, first)
	}
	for _, p := range held {
		if p.CaseID == by {
			t.Errorf("Check blames the untouched case: %s", p)
		}
	}
	expectOne(t, held, v, seq, "rewritten after it was anchored", "anchor entry #")
}
