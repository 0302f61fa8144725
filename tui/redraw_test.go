package tui

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
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
	m := New(Options{Store: st, Me: testSpecialist, Lang: "en", Renderer: asciiRenderer(), Now: clk.now, Redraws: lim})
	m.manualFeed = true
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
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
