// Package tui is repairdesk's console: one root Bubble Tea model with small screens, the
// key map, styles made from each session's renderer, and the message catalogue. The SSH
// server (package server) builds one Model per session with New.
package tui

import (
	"runtime"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"repairdesk/store"
	"repairdesk/workflow"
)

// Options are what one session of the console is given.
type Options struct {
	Store *store.Store
	Me    workflow.Staff
	Lang  string // "zh" (default) or "en"
	// Renderer is the session's own renderer (SSH) or the local terminal's.
	Renderer *lipgloss.Renderer
	// Now overrides the clock (tests).
	Now func() time.Time
	// IdleLock locks the screen after this long without a key (0 = never).
	IdleLock time.Duration
	// Demo says the console runs on the demo database (shown in the status bar).
	Demo bool
	// ExportDir is where letters and marked cases are written (on the machine running
	// the console or the server).
	ExportDir string
	// ExportFetch, on the office server, turns an exported file's name into the command
	// that fetches it (scp -P 23234 desk:exports/NAME .), shown instead of the path.
	ExportFetch func(name string) string
	// Redraws is shared by the sessions of one server (nil: no limit).
	Redraws RedrawLimit
}

// RedrawLimit bounds how many sessions redraw at once for a change someone else made.
// One commit wakes every session; unbounded, fifty redraws fill every core, and the next
// person's action waits behind them for its share of CPU (commit p99 13.8 ms in
// BenchmarkServe). Held to all cores but one, the redraws take a little longer and
// actions keep a core (p99 8.4 ms). Keys are never limited.
type RedrawLimit chan struct{}

// NewRedrawLimit leaves one core free (at least one redraw runs).
func NewRedrawLimit() RedrawLimit { return make(RedrawLimit, max(1, runtime.GOMAXPROCS(0)-1)) }

// do runs f while holding a slot (at once when there is no limit).
func (l RedrawLimit) do(f func()) {
	if l == nil {
		f()
		return
	}
	l <- struct{}{}
	defer func() { <-l }()
	f()
}

// Common is what every component of one session shares. Nothing here is global: many SSH
// sessions run in one process, each with its own renderer, styles and key map.
type Common struct {
	Store     *store.Store
	Me        workflow.Staff
	Lang      string
	R         *lipgloss.Renderer
	Styles    *Styles
	Keys      KeyMap
	Now       func() time.Time
	Width     int
	Height    int
	ExportDir string
	// ExportFetch: see Options.ExportFetch (nil on a desk).
	ExportFetch func(name string) string
	redraws     RedrawLimit
	// draftDelay: an open form's draft is saved this long after its last change (0: not
	// on a timer; tests that drive keys without the runtime).
	draftDelay time.Duration
	staff      map[string]workflow.Staff // display names, refreshed when staff change
	// outbox holds what the screens said during one update, for the root (screen.go).
	outbox []tea.Msg
}

type lipglossStyle = lipgloss.Style

func itoa(i int) string { return strconv.Itoa(i) }

// grouped writes n with thousands separators (1,000,000): the counts of a load.
func grouped(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (c *Common) loadStaff() {
	m := map[string]workflow.Staff{}
	for _, s := range c.Store.ListStaff() {
		m[s.Name] = s
	}
	c.staff = m
}

// staffName is who to show for a login name.
func (c *Common) staffName(name string) string {
	if st, ok := c.staff[name]; ok {
		return safe(st.Shown())
	}
	return safe(name)
}

// T translates a catalogue key in this session's language.
func (c *Common) T(key string, args ...any) string { return T(c.Lang, key, args...) }

// Msgs sent into a session from outside (the SSH server).
type (
	// ServerStoppingMsg tells the session the server is shutting down.
	ServerStoppingMsg struct{}
	// BackgroundMsg says whether the session's terminal has a dark background, once its
	// answer to the server's question has come (server/renderer.go). The styles' adaptive
	// colours follow the renderer; the rows drawn before are drawn again.
	BackgroundMsg struct{ Dark bool }
	// EndSessionMsg ends the session with a message (e.g. the account was disabled).
	EndSessionMsg struct{ Reason string }
)
