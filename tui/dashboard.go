package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"repairdesk/store"
	"repairdesk/workflow"
)

// ---- the screen ----

// canSeeDashboard: supervisors and admins run the office; auditors read everything.
func canSeeDashboard(r workflow.Role) bool { return r.CanReview() || r == workflow.RoleAuditor }

// dashboard is the supervisors' screen: the seed's results table for a month, quarter or
// year, the workload per specialist and the weekly throughput. It reads the period's
// aggregates from the store (off the UI loop: store.Results, a range scan of day
// buckets) and again when the period changes; r reloads.
type dashboard struct {
	c      *Common
	kind   workflow.PeriodKind
	anchor time.Time // the first day of a month inside the period shown
	period workflow.Period
	custom string // a custom period's spec (":dash 2026-01-01..2026-03-31"); "" for month/quarter/year

	loading  bool
	denied   bool
	err      string
	stale    bool // the store changed since the data was loaded
	data     *dashData
	res      workflow.Results
	haveRes  bool
	resFor   workflow.Period // the period res was computed for
	gen      int             // newest computation asked for
	loadedAt time.Time

	kPrev, kNext, kStep, kStepBack, kNow, kReload key.Binding // matched; their help is in bindings()
}

// dashData marks a load that succeeded; the figures are read per period, nothing of
// the cases is held.
type dashData struct{}

// dashLoadedMsg brings the results for the period asked for.
type dashLoadedMsg struct {
	d   *dashboard
	gen int
	dt  *dashData
	res workflow.Results
	p   workflow.Period
	at  time.Time
	err error
}

// dashComputedMsg brings the results for another period.
type dashComputedMsg struct {
	d   *dashboard
	gen int
	res workflow.Results
	p   workflow.Period
	at  time.Time
	err error
}

func newDashboard(c *Common) (*dashboard, tea.Cmd) {
	now := c.Now().In(workflow.ChinaTZ)
	d := &dashboard{c: c, kind: workflow.PeriodQuarter, anchor: time.Date(now.Year(), now.Month(), 1, 12, 0, 0, 0, workflow.ChinaTZ),
		kPrev:     key.NewBinding(key.WithKeys("left", "[")),
		kNext:     key.NewBinding(key.WithKeys("right", "]")),
		kStepBack: key.NewBinding(key.WithKeys(",", "<")),
		kStep:     key.NewBinding(key.WithKeys(".", ">")),
		kNow:      key.NewBinding(key.WithKeys("t")),
		kReload:   key.NewBinding(key.WithKeys("r")),
	}
	d.setPeriod()
	if !canSeeDashboard(c.Me.Role) {
		d.denied = true
		return d, nil
	}
	return d, d.load()
}

// Bindings are the dashboard's keys, in the session's language of the moment.
func (d *dashboard) Bindings() []Binding {
	b := func(help, desc string, keys ...string) Binding {
		return on(key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, d.c.T(desc))), d.onKey).when(d.deniedWhy)
	}
	return []Binding{
		b("←/→ [/]", "dash.key_kind", "left", "right", "[", "]").main(),
		b(",/.", "dash.key_step", ",", ".", "<", ">"),
		b("t", "dash.key_now", "t"),
		b("r", "dash.key_reload", "r"),
		on(key.NewBinding(key.WithKeys("e"), key.WithHelp("e", d.c.T("dash.key_export"))), d.exportResults).when(d.deniedWhy), // dashexport.go
		on(d.c.Keys.Close, func(tea.KeyMsg) tea.Cmd { d.c.send(popMsg{d}); return nil }).main(),
	}
}

func (d *dashboard) deniedWhy() string {
	if d.denied {
		return d.c.T("dash.denied")
	}
	return ""
}

func (d *dashboard) Typing() bool { return false }

func (d *dashboard) onChange(ch store.Change) tea.Cmd { d.noteChange(ch); return nil }

func (d *dashboard) setPeriod() {
	d.custom = ""
	d.period, _ = workflow.PeriodOf(d.kind, d.anchor, d.c.Lang)
}

// setCustom shows any period workflow.ParsePeriod understands (a custom range, a named
// month, quarter or year); the period keys go back to month/quarter/year.
func (d *dashboard) setCustom(spec string) error {
	p, err := workflow.ParsePeriod(spec, d.c.Now())
	if err != nil {
		return err
	}
	d.period, d.custom = p, spec
	if d.loading {
		d.gen++ // the load in flight computes the period no longer shown: it will recompute
	}
	return nil
}

// load reads the results of the period shown (the store's aggregates of its days).
func (d *dashboard) load() tea.Cmd {
	d.loading = true
	d.gen++
	gen, p, st, now := d.gen, d.period, d.c.Store, d.c.Now()
	return func() tea.Msg {
		res, err := st.Results(p, now)
		if err != nil {
			return dashLoadedMsg{d: d, gen: gen, err: err}
		}
		return dashLoadedMsg{d: d, gen: gen, dt: &dashData{}, res: res, p: p, at: now}
	}
}

// recompute reads the results for the period now shown: the figures are as of now.
func (d *dashboard) recompute() tea.Cmd {
	if d.data == nil {
		return nil
	}
	d.gen++
	gen, p, st, now := d.gen, d.period, d.c.Store, d.c.Now()
	return func() tea.Msg {
		res, err := st.Results(p, now)
		return dashComputedMsg{d: d, gen: gen, p: p, res: res, at: now, err: err}
	}
}

func (d *dashboard) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dashLoadedMsg:
		if msg.d != d {
			return nil
		}
		if msg.gen != d.gen && msg.err == nil && msg.dt != nil {
			// The period changed while loading: keep the data, compute what is shown now.
			d.data, d.loadedAt, d.loading, d.stale = msg.dt, msg.at, false, false
			return d.recompute()
		}
		d.loading = false
		if msg.err != nil {
			d.err = T(d.c.Lang, "err.generic", msg.err.Error())
			return nil
		}
		d.err, d.stale = "", false
		d.data, d.loadedAt = msg.dt, msg.at
		d.res, d.resFor, d.haveRes = msg.res, msg.p, true
		return nil
	case dashComputedMsg:
		if msg.d == d && msg.gen == d.gen {
			if msg.err != nil {
				d.err = T(d.c.Lang, "err.generic", msg.err.Error())
				return nil
			}
			d.err, d.stale, d.loadedAt = "", false, msg.at
			d.res, d.resFor, d.haveRes = msg.res, msg.p, true
		}
		return nil
	case changeMsg:
		if msg.ok {
			d.noteChange(msg.ch)
		}
		return nil
	case tea.KeyMsg:
		return d.onKey(msg)
	}
	return nil
}

// noteChange marks the figures out of date when a case or the settings changed; they are
// reloaded on r, not at every change (a busy office would reload all day).
func (d *dashboard) noteChange(ch store.Change) {
	if ch.Topic != "staff" {
		d.stale = true
	}
}

func (d *dashboard) onKey(km tea.KeyMsg) tea.Cmd {
	if d.denied {
		return nil
	}
	switch {
	case key.Matches(km, d.kPrev):
		if d.kind == workflow.PeriodMonth {
			return nil
		}
		d.kind--
	case key.Matches(km, d.kNext):
		if d.kind == workflow.PeriodYear {
			return nil
		}
		d.kind++
	case key.Matches(km, d.kStepBack):
		d.anchor = d.anchor.AddDate(0, -d.months(), 0)
	case key.Matches(km, d.kStep):
		d.anchor = d.anchor.AddDate(0, d.months(), 0)
	case key.Matches(km, d.kNow):
		now := d.c.Now().In(workflow.ChinaTZ)
		d.anchor = time.Date(now.Year(), now.Month(), 1, 12, 0, 0, 0, workflow.ChinaTZ)
	case key.Matches(km, d.kReload):
		if d.loading {
			return nil
		}
		return d.load()
	default:
		return nil
	}
	old := d.period
	d.setPeriod()
	if d.period == old {
		return nil
	}
	if d.loading {
		d.gen++ // the load in flight computes a period no longer shown
		return nil
	}
	return d.recompute()
}

func (d *dashboard) months() int {
	switch d.kind {
	case workflow.PeriodYear:
		return 12
	case workflow.PeriodQuarter:
		return 3
	}
	return 1
}

// View draws the dashboard in exactly h lines of w cells.
func (d *dashboard) View(w, h int) string {
	st := d.c.Styles
	t := d.c.T
	if w <= 0 || h <= 0 {
		return ""
	}
	var lines []string
	// Line 1: title, period, the month/quarter/year selector on the right.
	sel := ""
	for k, name := range []string{t("dash.kind_month"), t("dash.kind_quarter"), t("dash.kind_year")} {
		if k > 0 {
			sel += st.Faint.Render("│")
		}
		if workflow.PeriodKind(k) == d.kind {
			sel += st.TabActive.Render("[" + name + "]")
		} else {
			sel += st.Tab.Render(" " + name + " ")
		}
	}
	_, name := workflow.PeriodOf(d.kind, d.anchor, d.c.Lang)
	if d.custom != "" {
		name = d.custom
	}
	left := st.Title.Render(t("dash.title")) + "  " + st.Highlight.Render(name) + "  " + st.Muted.Render(d.period.String())
	if width(left)+width(sel)+1 <= w {
		lines = append(lines, fitStyled(left, w-width(sel))+sel)
	} else {
		lines = append(lines, left)
	}
	// Line 2: where the figures come from, or what is going on.
	var sub string
	switch {
	case d.denied:
		sub = st.Err.Render(t("dash.denied"))
	case d.err != "":
		sub = st.Err.Render(safe(d.err))
	case d.loading:
		sub = st.Muted.Render(t("dash.loading"))
	case !d.haveRes || d.resFor != d.period:
		sub = st.Muted.Render(t("dash.computing"))
	default:
		sub = st.Muted.Render(t("dash.loaded_at", d.loadedAt.In(workflow.ChinaTZ).Format("2006-01-02 15:04")))
		if d.stale {
			sub += "  " + st.Warn.Render(t("dash.stale"))
		}
	}
	lines = append(lines, sub)
	if !d.haveRes || d.resFor != d.period || d.denied {
		return clampLines(lines, w, h)
	}
	lines = append(lines, "")

	rows := d.res.Rows(d.c.Lang)
	var main, stages []workflow.ResultRow
	for _, r := range rows {
		if r.Key == "stage" {
			stages = append(stages, r)
		} else {
			main = append(main, r)
		}
	}

	// The chart needs its title, at least two rows of bars and the axis; the rest of the
	// height goes to the tables first, then to the definitions of the figures.
	const chartMin = 4
	topMax := h - len(lines) - chartMin - 1
	if topMax < 3 {
		topMax = h - len(lines) // a tiny window: tables only
	}
	var top []string
	if w >= 72 {
		lw := min(w/2, 46)
		rw := w - lw - 2
		lcol := d.resultsBlock(main, lw)
		rcol := d.stageBlock(stages, rw)
		rcol = append(rcol, "")
		rcol = append(rcol, d.workloadBlock(rw, topMax-len(rcol))...)
		n := min(max(len(lcol), len(rcol)), topMax)
		for i := 0; i < n; i++ {
			l, r := "", ""
			if i < len(lcol) {
				l = lcol[i]
			}
			if i < len(rcol) {
				r = rcol[i]
			}
			top = append(top, fitStyled(l, lw)+"  "+fitStyled(r, rw))
		}
	} else {
		top = append(top, d.resultsBlock(main, w)...)
		top = append(top, "")
		top = append(top, d.stageBlock(stages, w)...)
		top = append(top, "")
		top = append(top, d.workloadBlock(w, 1<<20)...)
		if len(top) > topMax {
			top = top[:topMax]
		}
	}
	lines = append(lines, top...)
	// Under the tables, before the chart: what each figure means. The chart keeps its
	// least height; where the definitions do not fit whole, the last line says where to
	// read them. They need room for their heading, a first definition and that line: a
	// heading with only the pointer under it says nothing.
	if room := h - len(lines) - 1 - (chartMin + 1) - 1; room >= 3 {
		defs := d.definitions(w)
		if len(defs) > room {
			defs = append(defs[:room-1], d.c.Styles.Faint.Render(cut(d.c.T("dash.definitions_more"), w)))
		}
		lines = append(lines, "")
		lines = append(lines, defs...)
	}
	if rest := h - len(lines) - 1; rest >= chartMin {
		lines = append(lines, "")
		lines = append(lines, d.chart(w, rest)...)
	}
	return clampLines(lines, w, h)
}

// resultsBlock: the seed's figures, label on the left, value right-aligned, base muted.
func (d *dashboard) resultsBlock(rows []workflow.ResultRow, w int) []string {
	st := d.c.Styles
	out := []string{st.Section.Render(cut(d.c.T("dash.results"), w))}
	lw := 0
	for _, r := range rows {
		lw = max(lw, width(r.Short))
	}
	const vw = 9
	lw = min(lw, max(w-vw-2, 4))
	nw := max(w-lw-vw-2, 0)
	for _, r := range rows {
		v := padLeft(r.Text, vw)
		switch {
		case r.NA:
			v = st.Muted.Render(v)
		case r.Key == "sla_breaches" && r.Value > 0:
			v = st.DueOver.Render(v)
		case r.Key == "received" || r.Key == "repaired" || r.Key == "success_rate":
			v = st.Highlight.Render(v)
		default:
			v = st.Value.Render(v)
		}
		line := st.Label.Render(fit(r.Short, lw)) + " " + v
		if r.Note != "" && nw > 2 {
			line += " " + st.Faint.Render(cut(r.Note, nw))
		}
		out = append(out, line)
		if r.Goal != "" { // the handling-time baseline and target, beside the measured figure
			out = append(out, st.Faint.Render(cut(strings.Repeat(" ", min(2, w))+r.Goal, w)))
		}
	}
	out = append(out, st.Faint.Render(cut(d.c.T("dash.excl_note"), w)))
	return out
}

// definitions: what each figure means, printed under the results table as `repairdesk
// report` prints them (workflow.ResultDefinitions, the one source of the definitions).
func (d *dashboard) definitions(w int) []string {
	st := d.c.Styles
	out := []string{st.Section.Render(cut(d.c.T("dash.definitions"), w))}
	for _, def := range workflow.ResultDefinitions(d.c.Lang) {
		for i, l := range wrap(def, max(w-2, 4)) {
			lead := "· "
			if i > 0 {
				lead = "  "
			}
			out = append(out, st.Muted.Render(cut(lead+l, w)))
		}
	}
	return out
}

func (d *dashboard) stageBlock(rows []workflow.ResultRow, w int) []string {
	st := d.c.Styles
	out := []string{st.Section.Render(cut(d.c.T("dash.stage_times"), w))}
	lw := 0
	for _, r := range rows {
		lw = max(lw, width(r.Label))
	}
	const vw = 9
	lw = min(lw, max(w-vw-2, 4))
	nw := max(w-lw-vw-2, 0)
	for _, r := range rows {
		v := padLeft(r.Text, vw)
		if r.NA {
			v = st.Muted.Render(v)
		}
		line := st.Label.Render(fit(r.Label, lw)) + " " + v
		if r.Note != "" && nw > 2 {
			line += " " + st.Faint.Render(cut(r.Note, nw))
		}
		out = append(out, line)
	}
	return out
}

// workloadBlock: per owner, open now, closed in the period, overdue now; at most h lines.
func (d *dashboard) workloadBlock(w, h int) []string {
	st := d.c.Styles
	if h < 2 {
		return nil
	}
	const cw = 6
	nameW := max(w-3*cw, 4)
	cols := []string{d.c.T("dash.col_open"), d.c.T("dash.col_closed"), d.c.T("dash.col_overdue")}
	head := st.Section.Render(fit(d.c.T("dash.workload"), nameW))
	for _, c := range cols {
		head += st.Header.Render(padLeft(cut(c, cw-1), cw))
	}
	out := []string{head}
	load := d.res.Load
	if len(load) == 0 {
		return append(out, st.Muted.Render(cut(d.c.T("dash.no_staff"), w)))
	}
	room := h - 1
	shown := load
	if len(load) > room {
		shown = load[:max(room-1, 0)]
	}
	for _, l := range shown {
		name := d.c.T("dash.unassigned")
		if l.Staff != "" {
			name = d.c.staffName(l.Staff)
		}
		over := padLeft(strconv.Itoa(l.Overdue), cw)
		if l.Overdue > 0 {
			over = st.DueOver.Render(over)
		}
		out = append(out, fit(name, nameW)+padLeft(strconv.Itoa(l.Open), cw)+padLeft(strconv.Itoa(l.ClosedInPeriod), cw)+over)
	}
	if len(shown) < len(load) {
		out = append(out, st.Muted.Render(cut(d.c.T("dash.more_staff", len(load)-len(shown)), w)))
	}
	return out
}

// blocks are the eighths a bar's top cell can show.
var blocks = []rune("▁▂▃▄▅▆▇█")

// barCol is one column group of the chart: a bar of width w and value v, or a gap (v < 0).
type barCol struct {
	v, w int
	s    lipgloss.Style
}

// drawBars draws the columns as bars height rows tall, scaled so top is the full height.
// Any value above zero shows at least ▁.
func drawBars(cols []barCol, top, height int) []string {
	out := make([]string, height)
	for r := 0; r < height; r++ {
		level := height - 1 - r // rows below this one
		var b strings.Builder
		for _, c := range cols {
			if c.v < 0 || c.w <= 0 {
				b.WriteString(strings.Repeat(" ", max(c.w, 0)))
				continue
			}
			units := 0
			if c.v > 0 && top > 0 {
				units = (c.v*height*8 + top - 1) / top // ceiling
			}
			k := units - level*8
			switch {
			case k <= 0:
				b.WriteString(strings.Repeat(" ", c.w))
			default:
				b.WriteString(c.s.Render(strings.Repeat(string(blocks[min(k, 8)-1]), c.w)))
			}
		}
		out[r] = b.String()
	}
	return out
}

// chart draws the weekly received and closed counts in h lines: a title with the legend,
// the bars with a scale on the left, and the weeks along the bottom.
func (d *dashboard) chart(w, h int) []string {
	st := d.c.Styles
	weeks := d.res.Weekly
	top := 0
	for _, wk := range weeks {
		top = max(top, wk.Received, wk.Closed)
	}
	gut := len(strconv.Itoa(max(top, 0))) + 1
	pw := w - gut
	n := len(weeks)
	recv, closed := st.Highlight, st.OK
	title := st.Section.Render(d.c.T("dash.weekly"))
	if n == 0 || pw < n {
		return []string{cutStyled(title, w)}
	}
	barsH := min(h-2, 16)
	slot := pw / n
	paired := slot >= 3
	// The legend names the colours and, for terminals without colour, the positions.
	legend := recv.Render(d.c.T("dash.legend_received_pair")) + "  " + closed.Render(d.c.T("dash.legend_closed_pair"))
	if !paired {
		legend = recv.Render(d.c.T("dash.legend_received_stacked")) + "  " + closed.Render(d.c.T("dash.legend_closed_stacked"))
	}
	out := []string{cutStyled(title+"  "+legend, w)}
	scale := func(rows []string) []string {
		for i := range rows {
			g := strings.Repeat(" ", gut-1)
			switch {
			case i == 0 && top > 0:
				g = padLeft(strconv.Itoa(top), gut-1)
			case i == len(rows)-1:
				g = padLeft("0", gut-1)
			}
			rows[i] = st.Faint.Render(g+"│") + rows[i]
		}
		return rows
	}
	var slotW int
	if paired {
		bw := min((slot-1)/2, 3)
		slotW = 2*bw + 1
		var cols []barCol
		for _, wk := range weeks {
			cols = append(cols, barCol{v: wk.Received, w: bw, s: recv}, barCol{v: wk.Closed, w: bw, s: closed}, barCol{v: -1, w: 1})
		}
		out = append(out, scale(drawBars(cols, top, barsH))...)
	} else {
		slotW = slot
		bw := max(slot-1, 1)
		if slot == 1 {
			bw = 1
		}
		var rc, cc []barCol
		for _, wk := range weeks {
			rc = append(rc, barCol{v: wk.Received, w: bw, s: recv})
			cc = append(cc, barCol{v: wk.Closed, w: bw, s: closed})
			if gap := slot - bw; gap > 0 {
				rc = append(rc, barCol{v: -1, w: gap})
				cc = append(cc, barCol{v: -1, w: gap})
			}
		}
		hh := max(barsH/2, 1)
		out = append(out, scale(drawBars(rc, top, hh))...)
		out = append(out, scale(drawBars(cc, top, max(barsH-hh, 1)))...)
	}
	out = append(out, strings.Repeat(" ", gut)+d.axis(weeks, slotW, pw))
	return out
}

// axis labels the weeks: the first day of the week (3/2), or for a year the month.
func (d *dashboard) axis(weeks []workflow.WeekCount, slotW, pw int) string {
	var b strings.Builder
	pos := 0
	prevMonth := time.Month(0)
	for i, wk := range weeks {
		at := i * slotW
		day := wk.WeekStart
		if day.Before(d.period.From) {
			day = d.period.From
		}
		day = day.In(workflow.ChinaTZ)
		var label string
		if d.kind == workflow.PeriodYear {
			if day.Month() == prevMonth {
				continue
			}
			prevMonth = day.Month()
			label = d.c.T("dash.month_label", int(day.Month()), day.Month().String()[:3])
		} else {
			label = fmt.Sprintf("%d/%d", int(day.Month()), day.Day())
		}
		if at < pos || at+width(label) > pw {
			continue
		}
		b.WriteString(strings.Repeat(" ", at-pos))
		b.WriteString(label)
		pos = at + width(label) + 1
		b.WriteString(" ")
	}
	return d.c.Styles.Faint.Render(strings.TrimRight(b.String(), " "))
}

// padLeft right-aligns s in w cells (cut with … when longer).
func padLeft(s string, w int) string {
	s = cut(s, w)
	if d := w - width(s); d > 0 {
		return strings.Repeat(" ", d) + s
	}
	return s
}

// cutStyled truncates a styled line to w cells.
func cutStyled(s string, w int) string {
	if width(s) > w {
		return fitStyled(s, w)
	}
	return s
}
