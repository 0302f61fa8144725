package tui

import (
	"path/filepath"
	"slices"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/internal/office"
	"repairdesk/store"
	"repairdesk/workflow"
	"repairdesk/workflow/search"
)

// ownedByWalk is how a query naming staff found their cases before the index by owner:
// every case of the tab looked up in the snapshot. The reference the index must equal.
func ownedByWalk(sn *store.Snapshot, sub *search.Subset, names map[string]bool) []uint32 {
	var out []uint32
	if sub == nil {
		for sm := range sn.All() {
			if names[sm.Owner] {
				out = append(out, sm.ID)
			}
		}
	} else {
		for _, id := range sub.IDs() {
			if sm, ok := sn.Get(id); ok && names[sm.Owner] {
				out = append(out, id)
			}
		}
	}
	slices.SortFunc(out, func(a, b uint32) int { return int(b) - int(a) })
	return out
}

// ownerQueries are queries that name staff: one person, several (wa: 王芳 and others
// whose names begin so), and nobody's cases in some tabs.
var ownerQueries = []string{"wangfang", "wa", "lijun", "zm", "chenjing", "王芳"}

// checkOwnedAgreesWithWalk compares, for every tab and every case, the cases the owner
// queries find through the index with the walk over the tab.
func checkOwnedAgreesWithWalk(t *testing.T, m *Model, when string) {
	t.Helper()
	sn := m.q.snap
	for _, q := range ownerQueries {
		names := m.q.staffNamed(q)
		if len(names) == 0 {
			t.Fatalf("%q names no staff member", q)
		}
		for tab := tabID(0); tab <= scopeAll; tab++ {
			var sub *search.Subset
			if tab != scopeAll {
				sub = m.q.tabSubset(tab)
			}
			got, want := ownedIn(sn, sub, names), ownedByWalk(sn, sub, names)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: %q in tab %d: the index gives %d cases, the walk %d\nindex %v\nwalk  %v", when, q, tab, len(got), len(want), got, want)
			}
		}
	}
}

// searchIDs runs the search typed in tab t as the console does, and gives the ids shown.
func searchIDs(t *testing.T, m *Model, tab tabID, query string) []uint32 {
	t.Helper()
	m.q.tab = tab
	m.Update(kmsg("/"))
	var cmd tea.Cmd
	for _, r := range query {
		_, cmd = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	run(m, cmd)
	if m.q.hitsFor != query {
		t.Fatalf("the frame shows the result of %q, not %q", m.q.hitsFor, query)
	}
	ids := slices.Clone(m.q.hits)
	m.Update(kmsg("esc"))
	return ids
}

// TestOwnerQueryUsesIndexAndFollowsCommits: a query naming a staff member lists the same
// cases of a big closed tab (and of every tab) through the snapshot's index by owner as the
// walk over the tab did, and a commit that changes a case's owner or closes it moves the
// case: the index is derived from the previous snapshot's, not built again.
func TestOwnerQueryUsesIndexAndFollowsCommits(t *testing.T) {
	st := demo800(t)
	chen, _ := st.Staff("chenjing")
	m := New(Options{Store: st, Me: chen, Lang: "zh", Renderer: asciiRenderer()})
	m.manualFeed = true
	defer m.Close()
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	if n := len(m.q.rows[tabClosed]); n < 200 {
		t.Fatalf("the closed tab holds %d cases: not a big tab", n)
	}
	checkOwnedAgreesWithWalk(t, m, "at open")

	// wangfang's newest open case goes to lijun; lijun's newest open case is withdrawn.
	var moved, closed *store.Summary
	for _, sm := range m.q.snap.Open() {
		if moved == nil && sm.Owner == "wangfang" && sm.Stage != workflow.StagePendingApproval {
			moved = sm
		}
		if closed == nil && sm.Owner == "lijun" && sm.Stage != workflow.StagePendingApproval {
			closed = sm
		}
	}
	if moved == nil || closed == nil {
		t.Fatal("the demo has no open case of wangfang's or lijun's")
	}
	li, _ := st.Staff("lijun")
	if _, err := st.Apply(moved.ID, moved.Version, chen, workflow.Action{Kind: workflow.ActReassign, Assignee: "lijun"}); err != nil {
		t.Fatal(err)
	}
	deliver(m)
	checkOwnedAgreesWithWalk(t, m, "after the reassignment")
	if _, err := st.Apply(closed.ID, closed.Version, li, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回"}); err != nil {
		t.Fatal(err)
	}
	deliver(m)
	if m.q.snap == nil || m.q.snap.Gen == 0 {
		t.Fatal("the console has no snapshot")
	}
	if sm, _ := m.q.snap.Get(moved.ID); sm.Owner != "lijun" {
		t.Fatalf("the console's snapshot still has %s owned by %s", sm.No, sm.Owner)
	}
	checkOwnedAgreesWithWalk(t, m, "after the commits")

	// As the person sees it: lijun's search on the open tab now holds the reassigned case,
	// wangfang's does not; lijun's search on the closed tab holds the withdrawn one.
	if ids := searchIDs(t, m, tabOpen, "lijun"); !slices.Contains(ids, moved.ID) {
		t.Fatalf("lijun's cases on the open tab miss %s, reassigned to lijun", moved.No)
	}
	if ids := searchIDs(t, m, tabOpen, "wangfang"); slices.Contains(ids, moved.ID) {
		t.Fatalf("wangfang's cases on the open tab still hold %s, reassigned to lijun", moved.No)
	}
	if ids := searchIDs(t, m, tabClosed, "lijun"); !slices.Contains(ids, closed.ID) {
		t.Fatalf("lijun's cases on the closed tab miss %s, withdrawn", closed.No)
	}
	if ids := searchIDs(t, m, tabOpen, "lijun"); slices.Contains(ids, closed.ID) {
		t.Fatalf("lijun's cases on the open tab still hold %s, withdrawn", closed.No)
	}
}

// demo800 is a store of 800 demo cases (seed 11), closed when the test ends.
func demo800(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "t.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := office.GenerateDemo(st, 800, 11); err != nil {
		t.Fatal(err)
	}
	return st
}
