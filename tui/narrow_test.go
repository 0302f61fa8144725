package tui

import (
	"fmt"
	"slices"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
	"repairdesk/workflow/search"
)

// freshSearch is what the console shows for query in tab t (or every case) with no
// earlier keystroke to narrow from: the result, its total and the other queues' counts,
// each count from a search of its own in the queue's rows (as counted before one pass
// counted them all). The result is the whole ranked list cut at the console's limit:
// a search to a limit decides most cases from their summaries once its list is full of
// better ones (workflow/search/prefix.go), and this one reads every case.
func freshSearch(t *testing.T, m *Model, scope tabID, query string) (ids []uint32, total int, counts [tabCount]int) {
	t.Helper()
	q := m.q
	var sub *search.Subset
	if scope != scopeAll {
		sub = q.tabSubset(scope)
	}
	ms, total := q.c.Store.SearchIn(query, sub, 0)
	ms = ms[:min(len(ms), q.limit)]
	names := q.staffNamed(query)
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	for _, id := range ownedIn(q.snap, sub, names) {
		if !slices.Contains(ids[:len(ms)], id) {
			if len(ids)-len(ms) < q.limit {
				ids = append(ids, id)
			}
			total++
		}
	}
	for tab := tabID(0); tab < tabCount; tab++ {
		all, _ := q.c.Store.SearchIn(query, q.tabSubset(tab), 0)
		in := map[uint32]bool{}
		for _, m := range all {
			in[m.ID] = true
		}
		for _, id := range ownedIn(q.snap, q.tabSubset(tab), names) {
			in[id] = true
		}
		counts[tab] = len(in)
	}
	return ids, total, counts
}

// TestTypingNarrowsAsFresh types queries key by key in the console, on every tab, with
// backspaces, a tab switch and a widening in the middle of a query, and commits between
// keys that change which cases match and where they are. After each key the result (its
// ids in order), the total and every queue's count must be what a fresh search gives,
// although most keys are searched within the previous query's matches. "aau" after "aa"
// is the case a narrowing must refuse: "aa" reads as pinyin (a·a), matched syllable by
// syllable; "aau" does not, and matches letters anywhere, so it finds more.
//
// It runs twice: with the console's limit, which no tab of 800 cases fills, and with a
// limit of 25, so that each search's list fills early and most cases are decided from
// their summaries (workflow/search/prefix.go), as at a million cases.
func TestTypingNarrowsAsFresh(t *testing.T) {
	for _, limit := range []int{searchLimit, 25} {
		t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) { typingNarrowsAsFresh(t, limit) })
	}
}

func typingNarrowsAsFresh(t *testing.T, limit int) {
	st := demo800(t)
	chen, _ := st.Staff("chenjing")
	wang, _ := st.Staff("wangfang")
	m := New(Options{Store: st, Me: wang, Lang: "zh", Renderer: asciiRenderer()})
	m.manualFeed = true
	defer m.Close()
	m.q.limit = limit
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})

	// A commit: the newest open case goes to another person (it leaves and joins the
	// owner queries' sets), or a case is withdrawn (it moves from open to closed).
	commits := 0
	commit := func() {
		commits++
		var pick *store.Summary
		for _, sm := range m.q.snap.Open() {
			if sm.Stage != workflow.StagePendingApproval {
				pick = sm
				break
			}
		}
		if pick == nil {
			t.Fatal("no open case to change")
		}
		act := workflow.Action{Kind: workflow.ActReassign, Assignee: "lijun"}
		if pick.Owner == "lijun" {
			act.Assignee = "wangfang"
		}
		if commits%3 == 0 {
			act = workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回"}
		}
		if _, err := st.Apply(pick.ID, pick.Version, chen, act); err != nil {
			t.Fatal(err)
		}
		deliver(m)
	}

	const bs, commitKey, switchTab, widen = "\b", "!commit", "!tab", "!widen"
	scripts := [][]string{
		{"a", "a", "u"},
		{"h", "n", commitKey, "x", "x", bs, bs, "z"},
		{"w", "a", commitKey, "n", "g", "f"},
		{"X", "F", "-", "2", commitKey, "0", "2", "5", "-", "0", "0", "1"},
		{"9", "1", switchTab, "4", "1", "0", commitKey, "M"},
		{"z", "h", "e", widen, "n", "g", " ", "z", "h", widen, "o"},
		{"王", "芳"},
		{"l", "i", "j", "u", "n"},
	}
	steps := 0
	for start := tabID(0); start < tabCount; start++ {
		for si, script := range scripts {
			m.q.tab = (start + tabID(si)) % tabCount
			m.Update(kmsg("/"))
			for _, key := range script {
				var cmd tea.Cmd
				switch key {
				case commitKey:
					commit()
					continue // the next key searches the new snapshot
				case switchTab: // leave the line, next tab, and type on
					m.Update(kmsg("down"))
					_, cmd = m.Update(kmsg("tab"))
					run(m, cmd)
					m.Update(kmsg("/"))
					continue
				case widen:
					_, cmd = m.Update(kmsg("tab"))
				case bs:
					_, cmd = m.Update(tea.KeyMsg{Type: tea.KeyBackspace})
				default:
					_, cmd = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(key)})
				}
				run(m, cmd)
				q := m.q
				what := fmt.Sprintf("tab %s, %q (script %d)", tabNames[q.tab], q.query, si)
				if q.hitsFor != q.query || q.countsSeq != q.qDone {
					t.Fatalf("%s: the frame shows the result of %q", what, q.hitsFor)
				}
				ids, total, counts := freshSearch(t, m, q.scope(), q.query)
				if !slices.Equal(q.hits, ids) || q.hitTotal != total {
					t.Fatalf("%s: the console shows %d of %d %v…, a fresh search %d of %d %v…", what,
						len(q.hits), q.hitTotal, q.hits[:min(8, len(q.hits))], len(ids), total, ids[:min(8, len(ids))])
				}
				if q.counts != counts {
					t.Fatalf("%s: counts %v, a fresh search's %v", what, q.counts, counts)
				}
				steps++
			}
			m.Update(kmsg("esc"))
		}
	}
	if steps < 300 {
		t.Fatalf("only %d steps checked", steps)
	}
}
