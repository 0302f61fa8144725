package tui

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/internal/sorted"
	"repairdesk/store"
	"repairdesk/workflow"
	"repairdesk/workflow/search"
)

type tabID int

const (
	tabMine tabID = iota
	tabOpen
	tabReview
	tabDue
	tabClosed
	tabFollowUp // closed cases whose follow-up call (回访) is not yet recorded
	tabCount
)

var tabKeys = [tabCount]string{"tab.mine", "tab.open", "tab.review", "tab.due", "tab.closed", "tab.followup"}
var tabNames = [tabCount]string{"mine", "open", "review", "due", "closed", "followup"}

// followUpDue: a closed case whose follow-up call is not yet recorded.
func followUpDue(sm *store.Summary) bool {
	return sm.Stage == workflow.StageClosed && sm.FollowedUp.IsZero()
}

// byFollowUp orders the follow-up queue: closed longest ago (the call most overdue) first.
func byFollowUp(a, b *store.Summary) int {
	if c := a.ClosedAt.Compare(b.ClosedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// queue shows the case lists as tabs over the shared snapshot.
type queue struct {
	c      *Common
	snap   *store.Snapshot
	tab    tabID
	rows   [tabCount][]*store.Summary // per tab, built once per snapshot
	cursor [tabCount]int
	offset [tabCount]int
	marked map[uint32]bool
	// unseen: cases of mine someone else acted on since I last opened them
	unseen map[uint32]bool

	// search
	searching bool
	query     string
	// edit is the search line's editor while searching (its value is query): the cursor
	// moves and text goes in where it stands, as in the ':' line and the forms.
	edit    textinput.Model
	qseq    int
	qDone   int // newest sequence whose result is shown
	hits    []uint32
	hitsFor string
	hitsTab tabID // a search runs within the rows of one tab
	// Every text match of a recent query, kept for the next keystroke to narrow within:
	// the search's (in its scope) and the count's (in every case). Read only, shared
	// with the commands that search.
	lastTab, lastAll *search.Matches
	lastAllSeq       int
	subs             [tabCount]*search.Subset // tabSubset's
	hitTotal         int
	wide             bool          // the search runs over every case, not the tab's (tab while typing)
	counts           [tabCount]int // matches per queue for the query of search sequence countsSeq
	countsSeq        int
	// limit bounds the search's result: searchLimit (tests set less, to rank a small
	// office's cases as a large one's).
	limit int

	// visible's cache: per tab, for this snapshot and these hits
	vis     [tabCount]*[]*store.Summary
	visSnap *store.Snapshot
	visHits []uint32
	dueOver int // overdue cases in the due tab, counted when the tab is built
	built   time.Time

	// rowCache keeps the lines of the rows last drawn. A summary is replaced, never
	// changed, so a row whose summary, width, selection, mark, deadline text and owner are
	// the same is the same line. Measuring CJK text cell by cell is the bulk of drawing a
	// frame, and after someone else's change every session redraws.
	rowCache map[*store.Summary]drawnRow
	// the column titles' widths, measured once per language
	hdrLang string
	hdrW    [nCols]int
}

// drawnRow is a row as drawn (line, exactly w cells) and what it was drawn from.
type drawnRow struct {
	w           int
	sel, marked bool
	due, owner  string
	cw          cellWidths // what its cells need
	lay         layout     // the column widths it was drawn at
	line        string
}

// patch updates the tab lists for the cases ids changed from q.snap to sn: a binary
// search and a memmove per list and case. Cursors stay on their rows.
func (q *queue) patch(sn *store.Snapshot, ids []uint32) {
	searching := q.hitsFor != "" && strings.TrimSpace(q.query) != ""
	var keep [tabCount]*store.Summary
	if !searching {
		for t := tabID(0); t < tabCount; t++ {
			if r := q.rows[t]; q.cursor[t] < len(r) {
				keep[t] = r[q.cursor[t]]
			}
		}
	}
	now := q.c.Now()
	st := q.c.Store.Settings()
	cal := st.Calendar()
	urgency := func(sm *store.Summary) workflow.Urgency {
		_, u := st.SLA.Left(sm.Due, cal, now)
		return u
	}
	mine := func(sm *store.Summary) bool { return !sm.Stage.Terminal() && sm.Owner == q.c.Me.Name }
	review := func(sm *store.Summary) bool { return sm.Stage == workflow.StagePendingApproval }
	due := func(sm *store.Summary) bool {
		u := urgency(sm)
		return !sm.Stage.Terminal() && (u == workflow.UrgencySoon || u == workflow.UrgencyOverdue)
	}
	edit := func(t tabID, was, is *store.Summary, in func(*store.Summary) bool, cmp func(a, b *store.Summary) int) {
		rows := q.rows[t]
		if was != nil && in(was) {
			var i int
			var ok bool
			if rows, i, ok = sorted.Delete(rows, was, cmp); ok {
				if keep[t] == was {
					keep[t] = is
				} else if i < q.cursor[t] {
					q.cursor[t]--
				}
			}
		}
		if is != nil && in(is) {
			var i int
			rows, i = sorted.Insert(rows, is, cmp)
			if keep[t] == is {
				q.cursor[t] = i
			} else if i <= q.cursor[t] && keep[t] != nil {
				q.cursor[t]++
			}
		}
		q.rows[t] = rows
	}
	done := map[uint32]bool{}
	for _, id := range ids {
		if done[id] {
			continue
		}
		done[id] = true
		was, _ := q.snap.Get(id)
		is, _ := sn.Get(id)
		if was != nil && due(was) && urgency(was) == workflow.UrgencyOverdue {
			q.dueOver--
		}
		edit(tabMine, was, is, mine, store.ByDue)
		edit(tabReview, was, is, review, store.ByDue)
		edit(tabDue, was, is, due, store.ByDue)
		edit(tabFollowUp, was, is, followUpDue, byFollowUp)
		if is != nil && due(is) && urgency(is) == workflow.UrgencyOverdue {
			q.dueOver++
		}
	}
	q.snap = sn
	q.rows[tabOpen] = sn.Open()
	q.rows[tabClosed] = sn.Closed()
	q.subs = [tabCount]*search.Subset{}             // rows were edited in place
	for _, t := range []tabID{tabOpen, tabClosed} { // shared lists: find the row again
		if sm := keep[t]; sm != nil {
			if now, ok := sn.Get(sm.ID); ok {
				cmp := store.ByNewest
				if t == tabClosed {
					cmp = store.ByClosed
				}
				if i, ok := slices.BinarySearchFunc(q.rows[t], now, cmp); ok {
					q.cursor[t] = i
				}
			}
		}
	}
	for t := tabID(0); t < tabCount; t++ {
		q.clamp(t)
	}
}

func newQueue(c *Common) *queue {
	q := &queue{c: c, marked: map[uint32]bool{}, unseen: map[uint32]bool{}, limit: searchLimit}
	if c.Me.Role.CanReview() {
		q.tab = tabReview // a supervisor's day starts with what waits for review
	}
	q.setSnapshot(c.Store.SnapshotSoFar()) // while the store loads: the cases so far, said so
	return q
}

// loading reports whether the queue's snapshot holds only part of the cases (the store is
// loading them at open): done of total so far, and the error that stopped the load.
func (q *queue) loading() (done, total int, ok bool, err error) { return q.snap.Loading() }

// loaded follows the store's load at open: the queues take the cases loaded so far, and
// once all are in, a search typed meanwhile runs again over every one of them (its
// answers from the partial lists were not shown).
func (q *queue) loaded() tea.Cmd {
	// A cursor on the first row stays there: the rows loaded now may come before the
	// case it stood on, which the person did not choose.
	var top [tabCount]bool
	for t := range top {
		top[t] = q.cursor[t] == 0
	}
	q.rebuild(q.c.Store.SnapshotSoFar())
	for t := range top {
		if top[t] {
			q.cursor[t], q.offset[t] = 0, 0
		}
	}
	if _, _, ok, _ := q.loading(); ok || strings.TrimSpace(q.query) == "" {
		return nil
	}
	q.hitsFor, q.hits = "", nil
	return q.runSearch()
}

// setSnapshot rebuilds the tab lists; cursors stay on the same case where possible.
// After a few commits it patches them instead (the changed cases only); the lists are
// rebuilt whole at least once a minute, as deadlines move with the clock.
func (q *queue) setSnapshot(sn *store.Snapshot) {
	if q.snap != nil && q.c.Now().Sub(q.built) < time.Minute {
		if ids, ok := sn.ChangesSince(q.snap); ok && len(ids) <= 64 {
			q.patch(sn, ids)
			return
		}
	}
	q.rebuild(sn)
}

func (q *queue) rebuild(sn *store.Snapshot) {
	q.built = q.c.Now()
	q.subs = [tabCount]*search.Subset{}
	var keep [tabCount]uint32
	for t := tabID(0); t < tabCount; t++ {
		if r := q.rows[t]; len(r) > 0 && q.cursor[t] < len(r) {
			keep[t] = r[q.cursor[t]].ID
		}
	}
	q.snap = sn
	now := q.c.Now()
	st := q.c.Store.Settings()
	cal := st.Calendar()
	var rows [tabCount][]*store.Summary
	over := 0
	rows[tabOpen] = sn.Open()     // shared by every session: read only
	rows[tabClosed] = sn.Closed() // already ordered by close time
	for _, sm := range rows[tabOpen] {
		if sm.Owner == q.c.Me.Name {
			rows[tabMine] = append(rows[tabMine], sm)
		}
		if sm.Stage == workflow.StagePendingApproval {
			rows[tabReview] = append(rows[tabReview], sm)
		}
		if _, u := st.SLA.Left(sm.Due, cal, now); u == workflow.UrgencySoon || u == workflow.UrgencyOverdue {
			rows[tabDue] = append(rows[tabDue], sm)
			if u == workflow.UrgencyOverdue {
				over++
			}
		}
	}
	for _, sm := range rows[tabClosed] {
		if followUpDue(sm) {
			rows[tabFollowUp] = append(rows[tabFollowUp], sm)
		}
	}
	slices.SortFunc(rows[tabFollowUp], byFollowUp)
	q.dueOver = over
	// The work lists are ordered by due date: the overdue first, then the nearest.
	for _, t := range []tabID{tabMine, tabReview, tabDue} {
		slices.SortFunc(rows[t], store.ByDue)
	}
	q.rows = rows
	for t := tabID(0); t < tabCount; t++ {
		if keep[t] != 0 {
			if i := slices.IndexFunc(q.visible(t), func(s *store.Summary) bool { return s.ID == keep[t] }); i >= 0 {
				q.cursor[t] = i
			}
		}
		q.clamp(t)
	}
}

// visible is the tab's rows, filtered and ranked by the search when one is active. The
// filtered lists are kept until the snapshot or the search result changes.
func (q *queue) visible(t tabID) []*store.Summary {
	rows := q.rows[t]
	if q.hitsFor == "" || strings.TrimSpace(q.query) == "" {
		return rows
	}
	if q.visSnap == q.snap && len(q.visHits) == len(q.hits) && (len(q.hits) == 0 || &q.visHits[0] == &q.hits[0]) && q.vis[t] != nil {
		return *q.vis[t]
	}
	if q.visSnap != q.snap || len(q.visHits) != len(q.hits) || (len(q.hits) > 0 && &q.visHits[0] != &q.hits[0]) {
		q.vis = [tabCount]*[]*store.Summary{}
		q.visSnap, q.visHits = q.snap, q.hits
	}
	var in func(*store.Summary) bool
	switch {
	case q.wide:
		in = func(*store.Summary) bool { return true }
	case t == tabOpen:
		in = func(sm *store.Summary) bool { return !sm.Stage.Terminal() }
	case t == tabClosed:
		in = func(sm *store.Summary) bool { return sm.Stage.Terminal() }
	case t == tabMine:
		in = func(sm *store.Summary) bool { return !sm.Stage.Terminal() && sm.Owner == q.c.Me.Name }
	case t == tabReview:
		in = func(sm *store.Summary) bool { return sm.Stage == workflow.StagePendingApproval }
	default:
		set := make(map[uint32]bool, len(rows))
		for _, r := range rows {
			set[r.ID] = true
		}
		in = func(sm *store.Summary) bool { return set[sm.ID] }
	}
	out := make([]*store.Summary, 0, min(len(q.hits), len(rows)))
	for _, id := range q.hits {
		if sm, ok := q.snap.Get(id); ok && in(sm) {
			out = append(out, sm)
		}
	}
	q.vis[t] = &out
	return out
}

func (q *queue) clamp(t tabID) {
	n := len(q.visible(t))
	if q.cursor[t] >= n {
		q.cursor[t] = n - 1
	}
	if q.cursor[t] < 0 {
		q.cursor[t] = 0
	}
}

func (q *queue) selected() *store.Summary {
	rows := q.visible(q.tab)
	if len(rows) == 0 {
		return nil
	}
	return rows[q.cursor[q.tab]]
}

// searchResultMsg carries a search answer with the sequence number that asked for it, so
// a late answer never overwrites a newer one.
type searchResultMsg struct {
	seq   int
	query string
	tab   tabID // the scope: a tab, or scopeAll
	ids   []uint32
	total int
	// counts, when set, is instead the number of matches in each queue (countCmd).
	counts *[tabCount]int
	// partial: asked while the store was still loading the cases, within the tab lists
	// of then. Not shown: the search runs again once all are in (loaded).
	partial bool
	// set is every text match of the query (in the scope, or in every case for the
	// counts): the next keystroke's search narrows within it.
	set *search.Matches
}

// searchLimit bounds a search result: the best matches, many screens of them, and the
// total. Ranking every match of a short query (most of the cases) costs more than typing
// allows.
const searchLimit = 2000

func (q *queue) runSearch() tea.Cmd {
	q.qseq++
	seq, query, t := q.qseq, q.query, q.scope()
	// Within the tab's rows, so that the best matches and the count are the tab's: the
	// best 2,000 of every case could hold few of one person's, and miss the one sought.
	var sub *search.Subset
	if t != scopeAll {
		sub = q.tabSubset(t)
	}
	// A query that only grew is searched within the whole set of the previous query's
	// matches (the search's in this tab, or the count's in every case), not within the
	// tab: the index knows when that gives the same answer (search.Narrows), and follows
	// the cases written since.
	prevTab, prevAll := q.lastTab, q.lastAll
	// The cases of the staff the query names (王芳, wangfang, wf), after the text matches:
	// found in the command, from the snapshot and the tab's ids, which do not change.
	names := q.staffNamed(query)
	st, sn, limit := q.c.Store, q.snap, q.limit
	_, _, partial, _ := q.loading()
	// The count of the other queues waits for the search's matches: it scans only the
	// cases outside the search's scope, after it, instead of every case beside it.
	found := make(chan *search.Matches, 1)
	find := func() tea.Msg {
		ms, total, set := st.SearchNarrow(query, sub, limit, prevTab, prevAll)
		found <- set
		owned := ownedIn(sn, sub, names)
		ids := make([]uint32, len(ms), len(ms)+min(len(owned), limit))
		seen := make(map[uint32]bool, len(ms))
		for i, m := range ms {
			ids[i] = m.ID
			seen[m.ID] = true
		}
		shown := 0
		for _, id := range owned {
			if !seen[id] {
				// Counted all, listed up to the limit as the text matches are: the
				// screen holds a page.
				if shown < limit {
					ids = append(ids, id)
					shown++
				}
				total++
			}
		}
		return searchResultMsg{seq: seq, query: query, tab: t, ids: ids, total: total, set: set, partial: partial}
	}
	return tea.Batch(find, q.countCmd(seq, query, names, found))
}

func (q *queue) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case searchResultMsg:
		if msg.partial {
			return nil // from the lists of a load in progress: loaded() searches again
		}
		if msg.counts != nil {
			if msg.seq == q.qseq {
				q.counts, q.countsSeq = *msg.counts, msg.seq
			}
			if msg.set != nil && msg.seq >= q.lastAllSeq && msg.seq <= q.qseq {
				q.lastAll, q.lastAllSeq = msg.set, msg.seq
			}
			return nil
		}
		if msg.seq < q.qDone || msg.seq > q.qseq {
			return nil
		}
		q.qDone = msg.seq
		q.lastTab = msg.set
		q.hits, q.hitsFor, q.hitsTab, q.hitTotal = msg.ids, msg.query, msg.tab, msg.total
		if strings.TrimSpace(msg.query) == "" {
			q.hitsFor = ""
		}
		q.cursor[q.tab], q.offset[q.tab] = 0, 0
		return nil
	case tea.KeyMsg:
		if q.searching {
			return q.updateSearch(msg) // the text of the search
		}
	}
	return nil
}

// Typing: the search line has the keyboard.
func (q *queue) Typing() bool { return q.searching }

// Bindings of the queues; while searching, the keys of the search line.
func (q *queue) Bindings() []Binding {
	k := q.c.Keys
	if q.searching {
		// tab widens the search to every case, and narrows it back.
		widen := k.Widen
		if q.wide {
			widen = k.Narrow
		}
		return []Binding{
			on(k.Enter, func(tea.KeyMsg) tea.Cmd { return q.endTyping() }).main(),
			on(k.Down, func(tea.KeyMsg) tea.Cmd { q.searching = false; return nil }),
			on(widen, func(tea.KeyMsg) tea.Cmd { return q.widen() }),
			on(k.Cancel, func(tea.KeyMsg) tea.Cmd { q.endSearch(); return nil }).main(),
		}
	}
	move := func(f func(t tabID, rows []*store.Summary)) func(tea.KeyMsg) tea.Cmd {
		return func(tea.KeyMsg) tea.Cmd {
			f(q.tab, q.visible(q.tab))
			q.clamp(q.tab)
			return nil
		}
	}
	readonly := func() string {
		if !q.c.Me.Role.CanWork() {
			return q.c.T("err.readonly")
		}
		return ""
	}
	return []Binding{
		on(k.Up, move(func(t tabID, _ []*store.Summary) { q.cursor[t]-- })),
		on(k.Down, move(func(t tabID, _ []*store.Summary) { q.cursor[t]++ })),
		on(k.Top, move(func(t tabID, _ []*store.Summary) { q.cursor[t] = 0 })),
		on(k.Bottom, move(func(t tabID, rows []*store.Summary) { q.cursor[t] = len(rows) - 1 })),
		on(k.PgUp, move(func(t tabID, _ []*store.Summary) { q.cursor[t] -= q.pageRows() })),
		on(k.PgDown, move(func(t tabID, _ []*store.Summary) { q.cursor[t] += q.pageRows() })),
		on(k.Open, func(tea.KeyMsg) tea.Cmd {
			q.clamp(q.tab)
			if sm := q.selected(); sm != nil {
				q.c.send(openCaseMsg{id: sm.ID})
			}
			return nil
		}).main().when(func() string {
			if q.selected() == nil {
				return q.c.T("queue.empty")
			}
			return ""
		}),
		on(k.NextTab, func(tea.KeyMsg) tea.Cmd { q.tab = (q.tab + 1) % tabCount; return q.retab() }),
		on(k.PrevTab, func(tea.KeyMsg) tea.Cmd { q.tab = (q.tab + tabCount - 1) % tabCount; return q.retab() }),
		on(k.QueueTabs, func(km tea.KeyMsg) tea.Cmd { q.tab = tabID(km.Runes[0] - '1'); return q.retab() }),
		on(k.Search, func(tea.KeyMsg) tea.Cmd { q.startSearch(); return nil }).main(),
		on(k.New, func(tea.KeyMsg) tea.Cmd { q.c.send(pushMsg{newIntakeScreen(q.c)}); return nil }).main().when(readonly),
		on(k.Mark, func(tea.KeyMsg) tea.Cmd {
			if sm := q.selected(); sm != nil {
				if q.marked[sm.ID] {
					delete(q.marked, sm.ID)
				} else {
					q.marked[sm.ID] = true
				}
				q.cursor[q.tab]++
				q.clamp(q.tab)
			}
			return nil
		}),
		on(k.Clear, func(tea.KeyMsg) tea.Cmd {
			if q.query != "" {
				q.query, q.hitsFor, q.hits = "", "", nil
				q.setWide(false)
				q.qseq++
			} else {
				q.marked = map[uint32]bool{}
			}
			q.clamp(q.tab)
			return nil
		}).when(func() string {
			if q.query == "" && len(q.marked) == 0 {
				return q.c.T("queue.nothing_to_clear")
			}
			return ""
		}),
		on(k.Export, func(tea.KeyMsg) tea.Cmd { q.c.send(exportMsg{}); return nil }),
		on(k.Dashboard, func(tea.KeyMsg) tea.Cmd { q.c.send(dashMsg{}); return nil }).when(func() string {
			if !canSeeDashboard(q.c.Me.Role) {
				return q.c.T("dash.denied")
			}
			return ""
		}),
		on(k.Quit, func(tea.KeyMsg) tea.Cmd { q.c.send(quitMsg{}); return nil }).main(),
	}
}

// seen: the case was opened; it no longer counts as changed by someone else.
func (q *queue) seen(id uint32) { delete(q.unseen, id) }

func (q *queue) endSearch() {
	q.searching = false
	q.query, q.hitsFor, q.hits = "", "", nil
	q.lastTab, q.lastAll = nil, nil
	q.setWide(false)
	q.qseq++
	q.clamp(q.tab)
}

// tabSubset is a tab's rows prepared for the search, kept until the rows change (patch
// and rebuild drop it): a search per keystroke on a tab of 60,000 cases need not list
// and look up its ids every time.
func (q *queue) tabSubset(t tabID) *search.Subset {
	if sub := q.subs[t]; sub != nil {
		return sub
	}
	// The ids are listed by the first search that needs them, off the session's loop: a
	// tab may hold hundreds of thousands of cases. The open and closed lists are the
	// snapshot's, never changed; the others are edited in place by patch, so the search
	// gets a copy of their rows (a memmove of pointers).
	rows := q.rows[t]
	if t != tabOpen && t != tabClosed {
		rows = slices.Clone(rows)
	}
	q.subs[t] = search.LazySubset(func() []uint32 {
		ids := make([]uint32, len(rows))
		for i, sm := range rows {
			ids[i] = sm.ID
		}
		return ids
	})
	return q.subs[t]
}

// retab follows a change of tab: a search runs again within the new tab's rows.
func (q *queue) retab() tea.Cmd {
	q.setWide(false) // a tab chosen is where to look
	q.clamp(q.tab)
	if strings.TrimSpace(q.query) == "" || (q.hitsFor != "" && q.hitsTab == q.tab) {
		return nil
	}
	return q.runSearch()
}

// setWide widens the search to every case or brings it back to the tab.
func (q *queue) setWide(on bool) {
	if q.wide != on {
		q.wide = on
		q.vis, q.visSnap, q.visHits = [tabCount]*[]*store.Summary{}, nil, nil
	}
}

// widen turns the search to every case, or back to the tab (tab while typing).
func (q *queue) widen() tea.Cmd {
	q.setWide(!q.wide)
	q.hitsFor, q.hits = "", nil
	q.cursor[q.tab], q.offset[q.tab] = 0, 0
	if strings.TrimSpace(q.query) == "" {
		return nil
	}
	return q.runSearch()
}

// endTyping leaves the search line (enter): a whole case number or credit code opens its
// case, whatever the queue.
func (q *queue) endTyping() tea.Cmd {
	q.searching = false
	sn := q.snap
	if _, _, ok, _ := q.loading(); ok {
		sn = q.c.Store.Snapshot() // the case may not be loaded yet: wait for all of them
	}
	if sm := whole(sn, q.query); sm != nil {
		q.c.send(openCaseMsg{id: sm.ID})
	}
	return nil
}

// startSearch opens the search line on the query there is, the cursor at its end.
func (q *queue) startSearch() {
	q.searching = true
	q.edit = newInput()
	q.edit.Prompt = ""
	q.edit.SetValue(q.query)
	q.edit.CursorEnd()
	q.edit.Focus()
}

// updateSearch edits the search's text: the keys no binding of the search line took.
// The line edits as the ':' line does (←/→, home/end, ctrl+a/ctrl+e, backspace and
// delete where the cursor stands, ctrl+u, ctrl+k, ctrl+w); text goes in at the cursor.
func (q *queue) updateSearch(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyRunes, tea.KeySpace:
		text := workflow.CleanLine(string(msg.Runes))
		if msg.Type == tea.KeySpace && len(msg.Runes) == 0 { // a terminal's space carries its rune
			text = " "
		}
		if text == "" {
			return nil
		}
		msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(text), Paste: msg.Paste}
	case tea.KeyCtrlV:
		return nil // a paste comes from the user's terminal, never the clipboard of the machine running this
	}
	q.edit.Focus()
	q.edit, _ = q.edit.Update(msg)
	if q.edit.Value() == q.query {
		return nil // the cursor moved; the query is the same
	}
	q.query = q.edit.Value()
	if q.hitsFor != "" && !strings.HasPrefix(q.query, q.hitsFor) {
		q.hitsFor, q.hits = "", nil // not the old query grown at its end: the old result can't be narrowed
	}
	if strings.TrimSpace(q.query) == "" {
		q.hitsFor, q.hits = "", nil
		q.qseq++
		return nil
	}
	return q.runSearch()
}

func (q *queue) pageRows() int {
	n := q.c.Height - 6
	if n < 1 {
		n = 1
	}
	return n
}

// Queue columns, in the order drawn. The enterprise name comes second but is sized last.
const (
	colNo = iota
	colEnterprise
	colType
	colStage
	colOwner
	colDue
	colUpdated
	nCols
)

var colKeys = [nCols]string{"col.no", "col.enterprise", "col.type", "col.stage", "col.owner", "col.due", "col.updated"}

// colFloor is what a column keeps when the terminal is too narrow for its content (the
// widths the queue had before it measured content); en labels are longer.
var colFloor = map[string][nCols]int{
	"zh": {14, 0, 12, 10, 8, 16, 11},
	"en": {14, 0, 14, 17, 8, 19, 11},
}

// minEnterprise is the least the enterprise column is left before columns are dropped.
const minEnterprise = 20

type col struct {
	id    int
	title string
	w     int
}

// layout is the widths a row was drawn at (0: the column is not shown).
type layout [nCols]int16

// cellWidths are the cells a row's content needs, per column.
type cellWidths [nCols]int16

// columns sizes the queue's columns to the content of the rows on screen and the headers:
// each column as wide as its widest cell, then the enterprise name what is left, up to
// its widest. When that leaves
// the enterprise name less than minEnterprise cells, the columns give back what they
// have beyond their floor, then the last-change and record-type columns go.
func (q *queue) columns(w int, need cellWidths) []col {
	lang := q.c.Lang
	floor, ok := colFloor[lang]
	if !ok {
		floor = colFloor["zh"]
	}
	hw := q.headerWidths()
	var want [nCols]int
	for i := range nCols {
		want[i] = max(int(need[i]), hw[i])
	}
	want[colUpdated] = max(want[colUpdated], 11) // "01-02 15:04"
	shownCols := []int{colNo, colEnterprise, colType, colStage, colOwner, colDue, colUpdated}
	total := func(ws [nCols]int) int {
		n := 2 // marker
		for _, i := range shownCols {
			if i != colEnterprise {
				n += ws[i]
			}
			n++
		}
		return n
	}
	var ws [nCols]int
	// fits gives back what the columns have beyond their floor, widest overshoot first,
	// until the enterprise name has its minimum.
	fits := func() bool {
		ws = want
		for w-total(ws) < minEnterprise {
			best, over := -1, 0
			for _, i := range shownCols {
				if i != colEnterprise && ws[i]-floor[i] > over {
					best, over = i, ws[i]-floor[i]
				}
			}
			if best < 0 {
				return false
			}
			ws[best] -= min(over, minEnterprise-(w-total(ws)))
		}
		return true
	}
	for _, drop := range []int{colUpdated, colType} {
		if fits() {
			break
		}
		shownCols = slices.DeleteFunc(shownCols, func(i int) bool { return i == drop })
	}
	if !fits() { // still too narrow: the floors give way too, the widest first
		for w-total(ws) < minEnterprise {
			best, bw := -1, 4
			for _, i := range shownCols {
				if i != colEnterprise && ws[i] > bw {
					best, bw = i, ws[i]
				}
			}
			if best < 0 {
				break
			}
			ws[best]--
		}
	}
	// The enterprise name has the rest, up to its widest on screen; what is left after
	// that stays blank at the right.
	ws[colEnterprise] = max(10, min(w-total(ws), max(want[colEnterprise], minEnterprise)))
	cols := make([]col, len(shownCols))
	for j, i := range shownCols {
		cols[j] = col{id: i, title: q.c.T(colKeys[i]), w: ws[i]}
	}
	return cols
}

// headerWidths measures the column titles once per language.
func (q *queue) headerWidths() [nCols]int {
	if q.hdrLang != q.c.Lang {
		for i := range nCols {
			q.hdrW[i] = width(q.c.T(colKeys[i]))
		}
		q.hdrLang = q.c.Lang
	}
	return q.hdrW
}

// measure is what one row's cells need.
func (q *queue) measure(sm *store.Summary, due, owner string) cellWidths {
	lang := q.c.Lang
	var cw cellWidths
	cw[colNo] = int16(cellsOf(sm.No))
	cw[colEnterprise] = int16(min(cellsOf(shown(sm.Enterprise)), 1<<14))
	cw[colType] = int16(cellsOf(labelOf("record_type", sm.RecordType, lang)))
	cw[colStage] = int16(cellsOf(sm.Stage.Label(lang)))
	cw[colOwner] = int16(cellsOf(owner))
	cw[colDue] = int16(cellsOf(due))
	cw[colUpdated] = 11
	return cw
}

// cellsOf is width, without the grapheme walk for plain ASCII (case numbers, en labels).
func cellsOf(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return width(s)
		}
	}
	return len(s)
}

func layoutOf(cols []col) layout {
	var l layout
	for _, c := range cols {
		l[c.id] = int16(c.w)
	}
	return l
}

// View renders only the visible window of the list.
func (q *queue) View(w, h int) string {
	st := q.c.Styles
	var lines []string
	done, total, loading, loadErr := q.loading()
	// Tabs with live counts.
	var tabs []string
	for t := tabID(0); t < tabCount; t++ {
		// Counts are styled apart from the tab name: lipgloss underlines rune by rune and
		// would break a nested escape sequence.
		name := q.c.T(tabKeys[t])
		n := itoa(len(q.rows[t]))
		if loading {
			n += "+" // at least: the rest are still loading
		}
		count := " " + st.TabCount.Render(n)
		if t == tabDue && q.dueOver > 0 {
			// Said in words, not by colour alone: "4 · 2 逾期".
			count += st.TabCount.Render(" · ") + st.DueOver.Render(q.c.T("due.tab_over", q.dueOver))
		}
		if t == tabMine && len(q.unseen) > 0 {
			count += st.TabCount.Render(" · ") + st.Highlight.Render(q.c.T("tab.unseen", len(q.unseen)))
		}
		if t == q.tab {
			tabs = append(tabs, " "+st.TabActive.Render(name)+count+" ")
		} else {
			tabs = append(tabs, " "+st.Tab.Render(name)+count+" ")
		}
	}
	lines = append(lines, cut(strings.Join(tabs, ""), w))
	switch {
	case loadErr != nil:
		lines = append(lines, cut(st.DueOver.Render(q.c.T("queue.load_failed", grouped(done), grouped(total), loadErr.Error())), w))
	case loading:
		lines = append(lines, cut(st.Muted.Render(q.c.T("queue.loading", grouped(done), grouped(total))), w))
	}
	// Search line.
	if q.searching || q.query != "" {
		shown := safe(q.query)
		if id, fe := workflow.ValidateIDNumber(q.query, q.c.Now()); fe == nil {
			shown = workflow.MaskID(id) // a whole ID number is masked like everywhere else
		}
		prompt := q.c.T("search.prompt")
		if q.wide {
			prompt = q.c.T("search.prompt_all")
		}
		s := st.Key.Render(prompt) + shown
		if q.searching {
			// The terminal's cursor stands at the insertion point (cursor.go), drawn as a
			// reversed cell: the character under it, or a space at the end.
			r := []rune(shown)
			pos := q.edit.Position()
			if len(r) != len([]rune(q.query)) || pos > len(r) {
				pos = len(r)
			}
			under := " "
			if pos < len(r) {
				under = string(r[pos])
			}
			after := ""
			if pos < len(r) {
				after = string(r[pos+1:])
			}
			s = st.Key.Render(prompt) + string(r[:pos]) + cursorMark + st.RowSel.Render(under) + after
		}
		if q.query == "" {
			s += " " + st.Faint.Render(q.c.T("search.hint"))
		} else if loading && loadErr == nil {
			s += "  " + st.Faint.Render(q.c.T("search.waits_for_load"))
		} else if q.hitsFor != "" {
			s += "  " + st.Muted.Render(q.c.T("search.results", len(q.visible(q.tab))))
			if q.hitTotal > len(q.hits) {
				s += " " + st.Faint.Render(q.c.T("search.best_of", len(q.hits), q.hitTotal))
			}
			if o := q.otherCounts(); o != "" {
				s += "  " + st.Muted.Render(o)
			}
		}
		if q.searching && q.query != "" {
			hint := "search.widen"
			if q.wide {
				hint = "search.narrow"
			}
			s += "  " + st.Faint.Render(q.c.T(hint))
		}
		lines = append(lines, cut(s, w))
	}
	rows := q.visible(q.tab)
	body := h - len(lines) - 2 // the header above, the count below
	if body < 1 {
		body = 1
	}
	t := q.tab
	if q.cursor[t] < q.offset[t] {
		q.offset[t] = q.cursor[t]
	}
	if q.cursor[t] >= q.offset[t]+body {
		q.offset[t] = q.cursor[t] - body + 1
	}
	// The rows on screen, measured (or their measure reused) before the columns are sized.
	now := q.c.Now()
	type onScreen struct {
		d     drawnRow
		sm    *store.Summary
		style lipglossStyle
	}
	win := make([]onScreen, 0, body)
	var need cellWidths
	for i := q.offset[t]; i < len(rows) && i < q.offset[t]+body; i++ {
		sm := rows[i]
		dueText, dueStyle := q.dueCell(sm, now)
		d := drawnRow{w: w, sel: i == q.cursor[t], marked: q.marked[sm.ID], due: dueText, owner: q.staffName(sm.Owner)}
		if c, ok := q.rowCache[sm]; ok && c.due == d.due && c.owner == d.owner {
			d.cw = c.cw
		} else {
			d.cw = q.measure(sm, d.due, d.owner)
		}
		for j := range nCols {
			need[j] = max(need[j], d.cw[j])
		}
		win = append(win, onScreen{d, sm, dueStyle})
	}
	cols := q.columns(w, need)
	lay := layoutOf(cols)
	var hdr strings.Builder
	hdr.WriteString("  ")
	for _, c := range cols {
		hdr.WriteString(fit(c.title, c.w) + " ")
	}
	lines = append(lines, st.Header.Render(cut(hdr.String(), w)))
	if len(rows) == 0 {
		lines = append(lines, "  "+st.Muted.Render(q.c.T("queue.empty")))
	}
	top := len(lines)
	drawn := make(map[*store.Summary]drawnRow, body)
	for _, r := range win {
		d := r.d
		d.lay = lay
		if c, ok := q.rowCache[r.sm]; ok && c.w == d.w && c.lay == d.lay && c.sel == d.sel && c.marked == d.marked && c.due == d.due && c.owner == d.owner {
			d.line = c.line
		} else {
			d.line = fitStyled(q.row(r.sm, cols, d.sel, w, d.due, r.style), w)
		}
		drawn[r.sm] = d
		lines = append(lines, d.line)
	}
	q.rowCache = drawn
	rowsEnd := len(lines)
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	foot := q.c.T("queue.count", len(rows))
	if loading {
		foot = q.c.T("queue.count_so_far", len(rows))
	}
	if len(q.marked) > 0 {
		foot += "  " + st.RowMarked.Render(q.c.T("queue.marked", len(q.marked)))
	}
	lines = append(lines, st.Muted.Render(foot))
	// As clampLines, without measuring the rows again: they are exactly w cells. The
	// builder is sized once: every session draws a frame after every commit.
	var b strings.Builder
	size := h * (w + 1)
	for _, l := range lines {
		size += len(l)
	}
	b.Grow(size)
	for i := range h {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch {
		case i >= len(lines):
			b.WriteString(strings.Repeat(" ", w))
		case i >= top && i < rowsEnd:
			b.WriteString(lines[i])
		default:
			b.WriteString(fitStyled(lines[i], w))
		}
	}
	return b.String()
}

func (q *queue) row(sm *store.Summary, cols []col, sel bool, w int, dueText string, dueStyle lipglossStyle) string {
	st := q.c.Styles
	lang := q.c.Lang
	// The selection is marked by ▸ as well as by reverse video, which a terminal without
	// colour (vt100, screen, dumb: the Ascii profile) does not show.
	mark := "  "
	switch {
	case sel && q.marked[sm.ID]:
		mark = "▸●"
	case sel:
		mark = "▸ "
	case q.marked[sm.ID]:
		mark = " ●"
	}
	cells := make([]string, len(cols))
	for i, c := range cols {
		switch c.id {
		case colNo:
			cells[i] = fit(sm.No, c.w)
		case colEnterprise:
			cells[i] = fit(shown(sm.Enterprise), c.w)
		case colType:
			cells[i] = fit(labelOf("record_type", sm.RecordType, lang), c.w)
		case colStage:
			cells[i] = fit(sm.Stage.Label(lang), c.w)
		case colOwner:
			cells[i] = fit(q.staffName(sm.Owner), c.w)
		case colDue:
			cells[i] = fit(dueText, c.w)
			if !sel {
				cells[i] = dueStyle.Render(cells[i])
			}
		case colUpdated:
			cells[i] = fit(sm.UpdatedAt.In(workflow.ChinaTZ).Format("01-02 15:04"), c.w)
		}
	}
	if sel {
		return st.RowSel.Render(fitStyled(mark+strings.Join(cells, " "), w))
	}
	if q.marked[sm.ID] {
		return st.RowMarked.Render(mark) + strings.Join(cells, " ")
	}
	return mark + strings.Join(cells, " ")
}

func (q *queue) dueCell(sm *store.Summary, now time.Time) (string, lipglossStyle) {
	st := q.c.Styles
	set := q.c.Store.Settings()
	if q.tab == tabFollowUp && followUpDue(sm) {
		due := workflow.Due{At: workflow.FollowUpDueFrom(sm.ClosedAt, set.SLA, set.Calendar())}
		left, u := set.SLA.Left(due, set.Calendar(), now)
		day := due.At.In(workflow.ChinaTZ).Format("01-02")
		switch {
		case u == workflow.UrgencyOverdue:
			return day + " " + q.c.T("due.over", -left), st.DueOver
		case left == 0:
			return day + " " + q.c.T("due.today"), st.DueSoon
		case u == workflow.UrgencySoon:
			return day + " " + q.c.T("due.left", left), st.DueSoon
		}
		return day + " " + q.c.T("due.left", left), st.DueOK
	}
	if sm.Stage.Terminal() {
		return workflow.Day(sm.ClosedAt), st.Muted
	}
	left, u := set.SLA.Left(sm.Due, set.Calendar(), now)
	prov := ""
	if sm.Due.Provisional {
		prov = "*"
	}
	day := sm.Due.At.In(workflow.ChinaTZ).Format("01-02")
	switch {
	case sm.Due.Paused:
		return day + " " + q.c.T("due.paused"), st.DuePaused
	case u == workflow.UrgencyOverdue:
		return day + prov + " " + q.c.T("due.over", -left), st.DueOver
	case u == workflow.UrgencySoon && left == 0:
		return day + prov + " " + q.c.T("due.today"), st.DueSoon
	case u == workflow.UrgencySoon:
		return day + prov + " " + q.c.T("due.left", left), st.DueSoon
	case u == workflow.UrgencyNone:
		return "", st.Muted
	}
	return day + prov + " " + q.c.T("due.left", left), st.DueOK
}

func (q *queue) staffName(name string) string { return q.c.staffName(name) }
