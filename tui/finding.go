package tui

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
	"repairdesk/workflow/search"
)

// Finding things (issue 13 §6): staff by display name, login name or pinyin; a whole case
// number or credit code straight to its case; and how many matches the other queues hold.

// matchStaff finds staff by display name, login name or pinyin (全拼 or initials). A
// query matches a person whole (any of those, case-insensitively), or as the beginning
// of one when it is two characters or more: one letter would name half the office.
// Several words, or fuzzy letters, name nobody. The list is sorted by login name.
func matchStaff(list []workflow.Staff, query string) []workflow.Staff {
	q := strings.TrimSpace(query)
	if q == "" || strings.ContainsAny(q, " \t") {
		return nil
	}
	ix := search.New()
	docs := make([]search.Doc, len(list))
	for i, s := range list {
		docs[i] = search.Doc{ID: uint32(i), Fields: []string{s.Display, s.Name}}
	}
	ix.Upsert(docs...)
	ms, _ := ix.Search(q, nil, 0)
	var out []workflow.Staff
	for _, m := range ms {
		if m.Score >= search.ExactBonus || (m.Score >= search.PrefixBonus && utf8.RuneCountInString(q) >= 2) {
			out = append(out, list[m.ID])
		}
	}
	slices.SortFunc(out, func(a, b workflow.Staff) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// resolveStaff picks the one staff member a name given to a command means: the login name
// itself, else the only person whose display name, login name or pinyin it is (whole),
// else the only one it begins. It returns the candidates when it names several.
func resolveStaff(list []workflow.Staff, name string) (workflow.Staff, []workflow.Staff) {
	name = strings.TrimSpace(name)
	for _, s := range list {
		if s.Name == name {
			return s, nil
		}
	}
	var whole []workflow.Staff
	for _, s := range list {
		if s.Display == name || strings.EqualFold(s.Name, name) {
			whole = append(whole, s)
		}
	}
	if len(whole) == 1 {
		return whole[0], nil
	}
	if len(whole) > 1 {
		return workflow.Staff{}, whole
	}
	found := matchStaff(list, name)
	if len(found) == 1 {
		return found[0], nil
	}
	return workflow.Staff{}, found
}

// staffList is the session's staff, in login-name order.
func (c *Common) staffList() []workflow.Staff {
	out := make([]workflow.Staff, 0, len(c.staff))
	for _, s := range c.staff {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b workflow.Staff) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// whole finds the case a whole case number or credit code names, in any queue: the case
// with that number, or the enterprise's newest case (an open one before a closed one;
// its filing, f, lists the others).
func whole(sn *store.Snapshot, s string) *store.Summary {
	s = strings.ToUpper(strings.TrimSpace(s))
	if sn == nil || len(s) < 14 {
		return nil
	}
	isNo := strings.HasPrefix(s, "XF-") && len(s) == len("XF-2026-000001")
	isCode := len(s) == 18 && strings.Trim(s, creditCodeRunes) == ""
	if !isNo && !isCode {
		return nil
	}
	var best *store.Summary
	for sm := range sn.All() {
		switch {
		case isNo && sm.No == s:
			return sm
		case isCode && sm.CreditCode == s:
			if best == nil || (best.Stage.Terminal() && !sm.Stage.Terminal()) ||
				(best.Stage.Terminal() == sm.Stage.Terminal() && sm.ID > best.ID) {
				best = sm
			}
		}
	}
	return best
}

// creditCodeRunes are the characters of a 统一社会信用代码 (GB 32100-2015).
const creditCodeRunes = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// scopeAll is the search scope past the tabs: every case, open or closed.
const scopeAll = tabCount

// scope is where the search runs: the current tab, or every case once widened.
func (q *queue) scope() tabID {
	if q.wide {
		return scopeAll
	}
	return q.tab
}

// staffNamed is the login names of the staff the query names (王芳, wangfang, wf): their
// cases are found after the text matches. nil when it names nobody.
func (q *queue) staffNamed(query string) map[string]bool {
	who := matchStaff(q.c.staffList(), query)
	if len(who) == 0 {
		return nil
	}
	names := make(map[string]bool, len(who))
	for _, s := range who {
		names[s.Name] = true
	}
	return names
}

// ownedIn lists the cases of the scope that the staff in names own, newest first: the
// subset's (a tab's rows), or every case of the snapshot when sub is nil. It reads only
// what does not change (the snapshot, the subset's ids), so it runs in the search's
// command, off the session's loop. The owners' cases come from the snapshot's index by
// owner and are kept if the tab holds them: a person's cases, not every case of a tab of
// 600,000 (at a million cases), are looked at.
func ownedIn(sn *store.Snapshot, sub *search.Subset, names map[string]bool) []uint32 {
	if len(names) == 0 {
		return nil
	}
	var in search.IDSet
	if sub != nil {
		in = sub.Set()
	}
	lists := make([][]uint32, 0, len(names))
	n := 0
	for name := range names {
		if l := sn.Owned(name); len(l) > 0 {
			lists = append(lists, l)
			n += len(l)
		}
	}
	// Merge the owners' lists (each by descending id; a case has one owner), keeping the
	// tab's.
	out := make([]uint32, 0, n)
	heads := make([]int, len(lists))
	for {
		b := -1
		for i, l := range lists {
			if heads[i] < len(l) && (b < 0 || l[heads[i]] > lists[b][heads[b]]) {
				b = i
			}
		}
		if b < 0 {
			break
		}
		id := lists[b][heads[b]]
		heads[b]++
		if in == nil || in.Has(id) {
			out = append(out, id)
		}
	}
	return out
}

// countCmd counts the matches in every queue: shown beside the result, so that a case
// sought in the wrong queue is not taken for missing. It runs apart from the search, so
// the result comes first. The text matches are counted in one pass over every case (or
// over the previous query's matches, narrowing): each queue's count is its share of
// that one set, not a search of its own. found gives the search's own matches (in its
// scope): the count waits for them and scans only the cases outside that scope.
func (q *queue) countCmd(seq int, query string, names map[string]bool, found <-chan *search.Matches) tea.Cmd {
	subs := make([]*search.Subset, tabCount)
	for t := tabID(0); t < tabCount; t++ {
		subs[t] = q.tabSubset(t) // made lazily: listed by the first search that needs it
	}
	st, sn, prev := q.c.Store, q.snap, q.lastAll
	_, _, partial, _ := q.loading()
	return func() tea.Msg {
		var have *search.Matches
		select {
		case have = <-found:
		case <-time.After(5 * time.Second): // no answer from the search: count every case
		}
		// The owned cases of each tab, and the text matches that are not among them.
		var owned [][]uint32
		for name := range names {
			if l := sn.Owned(name); len(l) > 0 {
				owned = append(owned, l)
			}
		}
		n, set := st.CountIn(query, subs, owned, have, prev)
		var counts [tabCount]int
		for t := tabID(0); t < tabCount; t++ {
			counts[t] = n[t]
			if len(owned) == 0 {
				continue
			}
			in := subs[t].Set()
			for _, l := range owned {
				for _, id := range l {
					if in.Has(id) {
						counts[t]++
					}
				}
			}
		}
		return searchResultMsg{seq: seq, query: query, counts: &counts, set: set, partial: partial}
	}
}

// otherCounts is the search line's note of the matches in the other queues.
func (q *queue) otherCounts() string {
	if q.countsSeq != q.qDone || q.hitsFor == "" {
		return ""
	}
	var parts []string
	for t := tabID(0); t < tabCount; t++ {
		if (t == q.tab && !q.wide) || q.counts[t] == 0 {
			continue
		}
		parts = append(parts, q.c.T(tabKeys[t])+" "+itoa(q.counts[t]))
	}
	if len(parts) == 0 {
		return ""
	}
	return q.c.T("search.elsewhere", strings.Join(parts, " · "))
}
