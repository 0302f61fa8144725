package tui

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/internal/office"
	"repairdesk/store"
)

// TestQueueWhileLoading: a console opened while the store still loads the cases says so
// (how far, counts as "at least"), never shows a search result or count made from the
// lists of a partial load, and once every case is in, shows the search typed meanwhile
// over all of them.
func TestQueueWhileLoading(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := office.GenerateDemo(st, 150, 7); err != nil {
		t.Fatal(err)
	}
	st.Close()
	paused, release := make(chan int, 1), make(chan struct{})
	first := true
	st, err = store.Open(path, store.Options{LoadFirst: 20, LoadPause: func(done int) {
		if first {
			first = false
			paused <- done
			<-release
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	released := false
	defer func() {
		if !released {
			close(release)
		}
		st.Close()
	}()
	<-paused
	me, ok := st.Staff("wangfang")
	if !ok {
		t.Fatal("the demo has no wangfang")
	}
	m := New(Options{Store: st, Me: me, Lang: "zh", Renderer: asciiRenderer()})
	m.manualFeed = true
	defer m.Close()
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.q.tab = tabOpen
	var firstRows [tabCount]*store.Summary // each tab's first row while loading
	for tab := range firstRows {
		if len(m.q.rows[tab]) > 0 {
			firstRows[tab] = m.q.rows[tab][0]
		}
	}
	screen := m.View()
	for _, want := range []string{"正在载入案件 20 / 150", "已载入", "+"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("while loading, the queue does not say %q:\n%s", want, screen)
		}
	}
	// A search typed meanwhile: its answers come from the partial lists.
	m.Update(kmsg("/"))
	var pending []tea.Cmd
	for _, r := range "XF" {
		_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		pending = append(pending, cmd)
	}
	if s := m.View(); !strings.Contains(s, "搜索结果在全部载入后给出") || strings.Contains(s, "条结果") {
		t.Fatalf("a search during the load:\n%s", s)
	}

	close(release)
	released = true
	st.Snapshot() // every case is in
	// The store says the load is done: the queues take every case, and the search runs
	// again (its command held back here, so that the answers asked during the load
	// arrive after it was asked: they must not be shown).
	var again tea.Cmd
	deadline := time.After(10 * time.Second)
	for again == nil {
		select {
		case ch := <-m.sub:
			if ch.Topic != "load" {
				continue
			}
			_, cmd := m.Update(changeMsg{ch: ch, ok: true})
			if _, _, loading, _ := st.SnapshotSoFar().Loading(); !loading {
				again = cmd
			}
		case <-deadline:
			t.Fatal("no change of topic load after the load, or no search again")
		}
	}
	for _, c := range pending {
		run(m, c)
	}
	if s := m.View(); strings.Contains(s, "条结果") {
		t.Fatalf("a result from the partial lists was shown:\n%s", s)
	}
	run(m, again)
	// The cursor of a tab not touched is on its first row, not on the case that was first
	// among the cases loaded first.
	moved := 0
	for tab, sm := range firstRows {
		if sm == nil || slices.Index(m.q.rows[tab], sm) <= 0 {
			continue
		}
		moved++
		if m.q.cursor[tab] != 0 {
			t.Errorf("after the load the cursor of %s is on row %d (it followed %s), want the first", tabNames[tab], m.q.cursor[tab], sm.No)
		}
	}
	if moved == 0 {
		t.Fatal("no tab's first row moved with the load: the cursor check checked nothing")
	}
	screen = m.View()
	open := len(st.Snapshot().Open())
	if strings.Contains(screen, "正在载入") || strings.Contains(screen, "已载入") {
		t.Fatalf("after the load the queue still says it is loading:\n%s", screen)
	}
	if want := itoa(open) + " 条结果"; !strings.Contains(screen, want) {
		t.Fatalf("after the load the search shows no %q (every open case matches XF):\n%s", want, screen)
	}
}
