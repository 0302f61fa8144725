package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"repairdesk/store"
	"repairdesk/workflow"
)

// Fifty sessions act on the same three cases at once, each holding the version it last
// loaded (as a console does). Every accepted action is in the history exactly once, every
// refusal is a conflict, and no update is lost.
func TestFiftySessionsOnFewCases(t *testing.T) {
	s, _, _ := newStore(t)
	cases := []workflow.Case{create(t, s, entA), create(t, s, entB), create(t, s, entC)}
	const sessions, each = 50, 10
	type ack struct {
		id      uint32
		version int
		text    string
	}
	var (
		mu        sync.Mutex
		acks      []ack
		conflicts int
		wg        sync.WaitGroup
	)
	errs := make(chan error, sessions)
	for i := 0; i < sessions; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			actor := []workflow.Staff{wang, li, chen}[i%3]
			id := cases[i%len(cases)].ID
			held, err := s.Case(id)
			if err != nil {
				errs <- err
				return
			}
			for n := 0; n < each; n++ {
				text := fmt.Sprintf("session %d note %d", i, n)
				c, err := s.Apply(id, held.Version, actor, workflow.Action{Kind: workflow.ActComment, Comment: text})
				var ce *store.ConflictError
				switch {
				case err == nil:
					mu.Lock()
					acks = append(acks, ack{id, c.Version, text})
					mu.Unlock()
					held = c
				case errors.As(err, &ce):
					mu.Lock()
					conflicts++
					mu.Unlock()
					// As the console does: reload, then the person tries again.
					if held, err = s.Case(id); err != nil {
						errs <- err
						return
					}
				default:
					errs <- fmt.Errorf("session %d: %v", i, err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(acks) == 0 || conflicts == 0 {
		t.Fatalf("%d accepted, %d conflicts: the sessions did not overlap", len(acks), conflicts)
	}
	seen := map[string]int{}
	for _, c := range cases {
		evs, err := s.Events(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		cur, _ := s.Case(c.ID)
		if len(evs) != cur.Version {
			t.Fatalf("%s: version %d but %d events", c.No, cur.Version, len(evs))
		}
		for i, ev := range evs {
			if ev.Seq != i+1 {
				t.Fatalf("%s: event %d has seq %d", c.No, i+1, ev.Seq)
			}
			if ev.Kind == workflow.ActComment {
				seen[fmt.Sprintf("%d/%d/%s", c.ID, ev.Seq, ev.Comment)]++
			}
		}
	}
	for _, a := range acks {
		if n := seen[fmt.Sprintf("%d/%d/%s", a.id, a.version, a.text)]; n != 1 {
			t.Errorf("accepted %q at version %d appears %d times in the history", a.text, a.version, n)
		}
	}
	total := 0
	for _, n := range seen {
		total += n
	}
	if total != len(acks) {
		t.Fatalf("history holds %d comments, %d were accepted: an update was lost or invented", total, len(acks))
	}
	if probs := s.Check(); len(probs) != 0 {
		t.Fatalf("check: %v", probs)
	}
	t.Logf("%d accepted, %d conflicts", len(acks), conflicts)
}
