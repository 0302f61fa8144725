package tui

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

// TestRedrawLimit: no more sessions than the limit redraw for a change at once; the
// frame drawn inside the limit is what the next View shows, and it shows the change; a
// key is handled even while every slot is taken.
func TestRedrawLimit(t *testing.T) {
	var l RedrawLimit = make(chan struct{}, 1)
	var now, most atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.do(func() {
				n := now.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(2 * time.Millisecond)
				now.Add(-1)
			})
		}()
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Fatalf("%d redraws ran at once under a limit of 1", most.Load())
	}

	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)}
	st := newTestStore(t, clk)
	lim := NewRedrawLimit()
	m := newTestModelWith(t, Options{Store: st, Me: testSpecialist, Lang: "en", Renderer: asciiRenderer(), Now: clk.now, Redraws: lim}, 120, 30)
	c, err := st.Create(testSpecialist2, testIntake("河南信修商贸有限公司", "91410105MA44N6YJ0W"), "")
	if err != nil {
		t.Fatal(err)
	}
	m.Update(changeMsg{ch: store.Change{CaseID: c.ID, Version: c.Version, Topic: "case"}, ok: true})
	if len(lim) != 0 {
		t.Fatal("the redraw slot was not given back")
	}
	if !m.frameOK {
		t.Fatal("no frame was drawn inside the limit")
	}
	if got, want := m.View(), m.view(); got != want || !strings.Contains(got, "All open 1") {
		t.Fatalf("the kept frame differs from a fresh one or does not count the new case:\n%s", got)
	}
	if m.frameOK {
		t.Fatal("the kept frame is shown a second time")
	}

	for range cap(lim) { // every slot taken by other sessions' redraws
		lim <- struct{}{}
	}
	done := make(chan struct{})
	go func() {
		m.Update(kmsg("down"))
		m.View()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a key waited for the redraw limit")
	}
}

// TestRowCache: whatever happens between two frames (a move, a mark, someone else's
// action, the clock, a new name for the owner), the frame drawn with the rows kept from
// the last one is the frame drawn afresh.
func TestRowCache(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)}
	st := newTestStore(t, clk)
	var ids []uint32
	for i := range 6 {
		c, err := st.Create(testSpecialist, testIntake("河南信修商贸有限公司"+string(rune('A'+i)), "91410105MA44N6YJ0W"), "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 30)
	same := func(what string) {
		t.Helper()
		kept := m.View()
		m.q.rowCache = nil
		if fresh := m.View(); kept != fresh {
			t.Fatalf("%s: the frame from kept rows differs from a fresh one:\n%s\n---\n%s", what, kept, fresh)
		}
	}
	same("first")
	m.Update(kmsg("down"))
	same("after a move")
	m.Update(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
	same("after a mark")
	if !strings.Contains(m.View(), "●") {
		t.Fatal("the mark is not shown")
	}
	c, _ := st.Case(ids[2])
	if _, err := st.Apply(c.ID, c.Version, testSpecialist, workflow.Action{Kind: workflow.ActComment, Comment: "核对"}); err != nil {
		t.Fatal(err)
	}
	m.Update(changeMsg{ch: store.Change{CaseID: c.ID, Topic: "case"}, ok: true})
	same("after a change to a shown case")
	clk.t = clk.t.AddDate(0, 0, 40) // every deadline passes
	m.Update(changeMsg{ch: store.Change{Topic: "case"}, ok: true})
	same("after the deadlines passed")
	renamed := testSpecialist
	renamed.Display = "王芳芳"
	if err := st.PutStaff(workflow.Staff{}, renamed); err != nil {
		t.Fatal(err)
	}
	m.Update(changeMsg{ch: store.Change{Topic: "staff"}, ok: true})
	same("after the owner was renamed")
	if !strings.Contains(m.View(), "王芳芳") {
		t.Fatal("the new name is not shown")
	}
}
