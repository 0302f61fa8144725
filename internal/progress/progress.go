// Package progress shows how far long work has gone (an export, a check, a backup …) on
// one line of standard error, updated in place: done / total, the rate and the time
// left. It says nothing when standard error is not a terminal (a pipe, a file, a log),
// so it never mixes into data or logs.
package progress

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/charmbracelet/x/term"

	"repairdesk/internal/msg"
)

// Unit is what is counted.
type Unit int

const (
	Cases Unit = iota // counted one by one
	Bytes             // shown in MB
)

// every is how often the line is redrawn at most.
const every = 100 * time.Millisecond

// Line is one progress line. Its methods are safe for concurrent use; a nil or silent
// Line does nothing.
type Line struct {
	mu    sync.Mutex
	w     io.Writer
	lang  string
	what  string // catalogue key of the work's name
	unit  Unit
	on    bool
	start time.Time
	last  time.Time
	drawn bool
	now   func() time.Time
}

// New is a line on w for the work named by the catalogue key what; it is silent unless
// w is a terminal.
func New(w io.Writer, lang, what string, unit Unit) *Line {
	return newLine(w, lang, what, unit, IsTerminal(w))
}

// Forced is a line that draws whatever w is (tests).
func Forced(w io.Writer, lang, what string, unit Unit, now func() time.Time) *Line {
	l := newLine(w, lang, what, unit, true)
	l.now, l.start = now, now()
	return l
}

func newLine(w io.Writer, lang, what string, unit Unit, on bool) *Line {
	return &Line{w: w, lang: lang, what: what, unit: unit, on: on, now: time.Now, start: time.Now()}
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// On reports whether the line draws.
func (l *Line) On() bool { return l != nil && l.on }

// Update notes that done of total are done (total 0: unknown). The line is redrawn at
// most every 100 ms, and when done reaches total.
func (l *Line) Update(done, total int64) {
	if !l.On() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.start.IsZero() { // renamed: the clock starts again
		l.start = now
	}
	if l.drawn && now.Sub(l.last) < every && (total == 0 || done < total) {
		return
	}
	l.last, l.drawn = now, true
	fmt.Fprint(l.w, "\r"+l.text(done, total, now.Sub(l.start))+"\x1b[K")
}

// Rename changes the work's name (for example when a command's open first builds the
// results table, then does its own work); the clock starts again.
func (l *Line) Rename(what string, unit Unit) {
	if !l.On() {
		return
	}
	l.mu.Lock()
	l.what, l.unit, l.start = what, unit, time.Time{}
	l.mu.Unlock()
}

// Func adapts the line to the store's Options.Progress (what names the work: "results").
func (l *Line) Func() func(what string, done, total int64) {
	if !l.On() {
		return nil
	}
	return func(what string, done, total int64) {
		l.mu.Lock()
		cur := l.what
		l.mu.Unlock()
		if k := "progress." + what; k != cur {
			l.Rename(k, Cases)
		}
		l.Update(done, total)
	}
}

// Done clears the line, leaving the cursor where the line began.
func (l *Line) Done() {
	if !l.On() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.drawn {
		fmt.Fprint(l.w, "\r\x1b[K")
		l.drawn = false
	}
}

func (l *Line) text(done, total int64, el time.Duration) string {
	scale := func(n int64) string { return group(n) }
	if l.unit == Bytes {
		scale = func(n int64) string { return group(n >> 20) }
	}
	rate, left := "—", "—"
	if s := el.Seconds(); s > 0.2 && done > 0 {
		r := float64(done) / s
		if l.unit == Bytes {
			rate = strconv.FormatFloat(r/(1<<20), 'f', 0, 64)
		} else {
			rate = group(int64(r + 0.5))
		}
		if total >= done {
			left = clock(time.Duration(float64(total-done) / r * float64(time.Second)))
		}
	}
	tot := "?"
	if total > 0 {
		tot = scale(total)
	}
	key := "progress.cases"
	if l.unit == Bytes {
		key = "progress.bytes"
	}
	return msg.T(l.lang, key, msg.T(l.lang, l.what), scale(done), tot, rate, left)
}

// group writes n with thousands separators: 100,000.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// clock is a duration as 0:21 or 1:02:03.
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
