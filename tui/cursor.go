package tui

import (
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// The terminal's real cursor. An input method (pinyin) draws its preedit text and
// candidate window at the terminal's cursor, so while a field has the keyboard the real
// cursor must stand at the field's insertion point, visible; elsewhere it is hidden.
//
// Bubble Tea v1 hides the cursor and leaves it where its last frame ended (the start of
// the last line). So every input draws its cursor cell behind cursorMark, an APC string
// of no width; View finds the mark in the finished frame, notes its row and column and
// takes it out; and the program's output (Model.Output) follows every frame the renderer
// writes with a move to that cell and "show cursor", and hides it again before the next.
// The renderer (standard_renderer.go) draws in the alternate screen from an absolute
// home position every time, so moving the cursor between frames does not disturb it.

// cursorMark is an Application Program Command: terminals ignore it, ansi measures it
// as no width and Truncate keeps it.
const cursorMark = "\x1b_repairdesk-cursor\x1b\\"

// cursorStyle is the style of an input's cursor cell: reverse video, after the mark.
func cursorStyle(s lipgloss.Style) lipgloss.Style {
	return s.Reverse(true).Transform(func(v string) string { return cursorMark + v })
}

// cursorAt holds where the frame's insertion point is: row<<32 | col, or -1 for none.
type cursorAt struct{ v atomic.Int64 }

// set notes where the insertion point is, and says whether that changed.
func (c *cursorAt) set(row, col int, ok bool) (changed bool) {
	v := int64(-1)
	if ok {
		v = int64(row)<<32 | int64(uint32(col))
	}
	return c.v.Swap(v) != v
}

func (c *cursorAt) get() (row, col int, ok bool) {
	v := c.v.Load()
	if v < 0 {
		return 0, 0, false
	}
	return int(v >> 32), int(uint32(v)), true
}

// findCursor takes the marks out of a frame and returns where the first one stood.
func findCursor(frame string) (out string, row, col int, ok bool) {
	i := strings.Index(frame, cursorMark)
	if i < 0 {
		return frame, 0, 0, false
	}
	before := frame[:i]
	row = strings.Count(before, "\n")
	col = ansi.StringWidth(before[strings.LastIndexByte(before, '\n')+1:])
	return strings.ReplaceAll(frame, cursorMark, ""), row, col, true
}

// Cursor reports where the terminal cursor stands after the last frame: the insertion
// point of the input that has the keyboard (0-based row and column), or ok=false.
func (m *Model) Cursor() (row, col int, ok bool) { return m.cur.get() }

// Output wraps the program's output so that the terminal's cursor follows the focused
// input (see above). Pass it to tea.WithOutput; a terminal file keeps its descriptor, so
// Bubble Tea still sizes and configures it.
func (m *Model) Output(w io.Writer) io.Writer {
	cw := &cursorWriter{w: w, at: &m.cur}
	m.cw = cw
	if f, ok := w.(fileLike); ok {
		return &cursorFile{cursorWriter: cw, f: f}
	}
	return cw
}

type fileLike interface {
	io.ReadWriteCloser
	Fd() uintptr
}

type cursorWriter struct {
	mu    sync.Mutex
	w     io.Writer
	at    *cursorAt
	shown bool
	buf   []byte
}

func (c *cursorWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = c.buf[:0]
	if c.shown {
		c.buf = append(c.buf, ansi.HideCursor...)
		c.shown = false
	}
	c.buf = append(c.buf, p...)
	if row, col, ok := c.at.get(); ok {
		c.buf = append(c.buf, ansi.CursorPosition(col+1, row+1)...)
		c.buf = append(c.buf, ansi.ShowCursor...)
		c.shown = true
	}
	if _, err := c.w.Write(c.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// follow moves the terminal's cursor to where it now belongs without a frame: when only
// the insertion point moved (a terminal without colour shows no reverse-video cell, so
// the frame's characters are the same), the renderer writes nothing, and the cursor
// would stay behind.
func (c *cursorWriter) follow() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = c.buf[:0]
	if row, col, ok := c.at.get(); ok {
		c.buf = append(c.buf, ansi.CursorPosition(col+1, row+1)...)
		c.buf = append(c.buf, ansi.ShowCursor...)
		c.shown = true
	} else if c.shown {
		c.buf = append(c.buf, ansi.HideCursor...)
		c.shown = false
	}
	if len(c.buf) > 0 {
		_, _ = c.w.Write(c.buf)
	}
}

type cursorFile struct {
	*cursorWriter
	f fileLike
}

func (c *cursorFile) Read(p []byte) (int, error) { return c.f.Read(p) }
func (c *cursorFile) Close() error               { return c.f.Close() }
func (c *cursorFile) Fd() uintptr                { return c.f.Fd() }
