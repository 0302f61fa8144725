package tui

import (
	"slices"
	"strings"
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

// ownedBy lists the cases in the scope's rows that the staff matching query own, newest
// first. Read on the session's own goroutine: the tab lists are edited in place.
func (q *queue) ownedBy(query string, scope tabID) []uint32 {
	who := matchStaff(q.c.staffList(), query)
	if len(who) == 0 {
		return nil
	}
	names := make(map[string]bool, len(who))
	for _, s := range who {
		names[s.Name] = true
	}
	var out []uint32
	add := func(sm *store.Summary) {
		if names[sm.Owner] {
			out = append(out, sm.ID)
		}
	}
	if scope == scopeAll {
		for sm := range q.snap.All() {
			add(sm)
		}
	} else {
		for _, sm := range q.rows[scope] {
			add(sm)
		}
	}
	slices.SortFunc(out, func(a, b uint32) int { return -cmpU32(a, b) })
	return out
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// countCmd counts the matches in every queue: shown beside the result, so that a case
// sought in the wrong queue is not taken for missing. It runs apart from the search, so
// the result comes first.
func (q *queue) countCmd(seq int, query string) tea.Cmd {
	var subs [tabCount]*search.Subset
	var owned [tabCount]map[uint32]bool
	for t := tabID(0); t < tabCount; t++ {
		subs[t] = q.tabSubset(t)
		if ids := q.ownedBy(query, t); len(ids) > 0 {
			owned[t] = make(map[uint32]bool, len(ids))
			for _, id := range ids {
				owned[t][id] = true
			}
		}
	}
	st := q.c.Store
	return func() tea.Msg {
		var counts [tabCount]int
		for t := tabID(0); t < tabCount; t++ {
			if owned[t] == nil {
				_, counts[t] = st.SearchIn(query, subs[t], 1)
				continue
			}
			ms, _ := st.SearchIn(query, subs[t], 0)
			n := len(owned[t])
			for _, m := range ms {
				if !owned[t][m.ID] {
					n++
				}
			}
			counts[t] = n
		}
		return searchResultMsg{seq: seq, query: query, counts: &counts}
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
