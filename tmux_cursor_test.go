package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// The terminal's real cursor, in a real terminal (issue 13 §5): an input method draws its
// preedit text and candidates at the cursor, so while a field has the keyboard the
// cursor stands at its insertion point, visible, counting a Chinese character as two
// cells; elsewhere it is hidden. The console runs in tmux, on a fresh demo database;
// text goes in as an input method commits it (tmux send-keys -l), and tmux says where
// its cursor is (#{cursor_x},#{cursor_y}) and whether it is shown (#{cursor_flag}).
//
// It runs twice: in tmux's own terminal type, and with NO_COLOR=1, where the console
// draws no reverse video, so a move of the insertion point alone changes no character
// of the frame (CI once ran this way, and the cursor stayed where it was).
func TestTerminalCursorInTmux(t *testing.T) {
	for _, env := range []string{"", "NO_COLOR=1"} {
		name := "default"
		if env != "" {
			name = env
		}
		t.Run(name, func(t *testing.T) { cursorInTmux(t, env) })
	}
}

func cursorInTmux(t *testing.T, env string) {
	if testing.Short() {
		t.Skip("builds the program and drives it in tmux")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the real-terminal cursor test needs it (.ci/run installs it)")
	}
	dir := t.TempDir()
	exe := filepath.Join(dir, "repairdesk")
	if out, err := exec.Command("go", "build", "-o", exe, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	tt := &tmuxTerm{t: t, sock: fmt.Sprintf("repairdesk-cursor-%d", os.Getpid()), session: "S"}
	t.Cleanup(func() { _ = tt.cmd("kill-server").Run() })
	start := fmt.Sprintf("%q --demo --db %q --lang zh", exe, filepath.Join(dir, "demo.db"))
	args := []string{"new-session", "-d", "-s", tt.session, "-x", "120", "-y", "40"}
	if env != "" {
		args = append(args, "-e", env)
	}
	tt.run(append(args, start)...)

	tt.waitFor("我的案件")
	tt.waitCursor("queues (no field)", -1, -1, false)

	// A form: 企业名称 has the keyboard when the intake opens.
	tt.run("send-keys", "-t", tt.session, "n")
	tt.waitFor("新建受理")
	x0, y0 := tt.waitShown("intake, empty 企业名称")
	if line := tt.line(y0); !strings.Contains(line, "企业名称") {
		t.Fatalf("the cursor is on row %d, not 企业名称's: %q", y0, line)
	}
	tt.run("send-keys", "-t", tt.session, "-l", "河南新乡")
	tt.waitFor("河南新乡")
	if x, y := tt.locate("河南新乡"); x != x0 || y != y0 {
		t.Fatalf("the text went to %d,%d, the cursor stood at %d,%d", x, y, x0, y0)
	}
	tt.waitCursor("intake, end of 河南新乡", x0+8, y0, true)
	tt.run("send-keys", "-t", tt.session, "Left", "Left")
	tt.waitCursor("intake, after ← ←", x0+4, y0, true)
	tt.run("send-keys", "-t", tt.session, "-l", "市")
	tt.waitFor("河南市新乡")
	tt.waitCursor("intake, typed in the middle", x0+6, y0, true)
	tt.run("send-keys", "-t", tt.session, "Left", "Left", "Left")
	tt.waitCursor("intake, start of the field", x0, y0, true)

	// Leaving the form (it asks first: there is input) hides the cursor again.
	tt.run("send-keys", "-t", tt.session, "Escape")
	tt.waitFor("y/n")
	tt.run("send-keys", "-t", tt.session, "y")
	tt.waitCursor("queues again", -1, -1, false)

	// The / search line: the insertion point at the end, in the middle (text goes in
	// there) and at the start, as in the fields and the : line.
	tt.run("send-keys", "-t", tt.session, "/")
	tt.waitFor("搜索：")
	sx, sy := tt.locate("搜索：")
	tt.waitCursor("search, empty", sx+6, sy, true)
	tt.run("send-keys", "-t", tt.session, "-l", "新乡")
	tt.waitFor("搜索：新乡")
	tt.waitCursor("search, after 新乡", sx+10, sy, true)
	tt.run("send-keys", "-t", tt.session, "Left")
	tt.waitCursor("search, after ←", sx+8, sy, true)
	tt.run("send-keys", "-t", tt.session, "-l", "市")
	tt.waitFor("搜索：新市乡")
	tt.waitCursor("search, typed in the middle", sx+10, sy, true)
	tt.run("send-keys", "-t", tt.session, "BSpace")
	tt.waitFor("搜索：新乡")
	tt.waitCursor("search, backspace in the middle", sx+8, sy, true)
	tt.run("send-keys", "-t", tt.session, "Home")
	tt.waitCursor("search, home", sx+6, sy, true)
	tt.run("send-keys", "-t", tt.session, "C-e")
	tt.waitCursor("search, ctrl+e", sx+10, sy, true)
	tt.run("send-keys", "-t", tt.session, "Escape")
	tt.waitCursor("search closed", -1, -1, false)

	// The : line.
	tt.run("send-keys", "-t", tt.session, ":")
	tt.waitFor("命令：")
	cx, cy := tt.locate("命令：")
	tt.waitCursor(": line, empty", cx+6, cy, true)
	tt.run("send-keys", "-t", tt.session, "-l", "open 河南")
	tt.waitFor("命令：open 河南")
	tt.waitCursor(": line, end", cx+15, cy, true)
	tt.run("send-keys", "-t", tt.session, "Left", "Left")
	tt.waitCursor(": line, after ← ←", cx+11, cy, true)
	tt.run("send-keys", "-t", tt.session, "Escape")
	tt.waitCursor(": line closed", -1, -1, false)
}

// tmuxTerm drives one tmux session on a server of its own.
type tmuxTerm struct {
	t             *testing.T
	sock, session string
}

func (tt *tmuxTerm) cmd(args ...string) *exec.Cmd {
	c := exec.Command("tmux", append([]string{"-u", "-L", tt.sock, "-f", "/dev/null"}, args...)...)
	c.Env = append(os.Environ(), "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
	return c
}

func (tt *tmuxTerm) run(args ...string) string {
	tt.t.Helper()
	out, err := tt.cmd(args...).CombinedOutput()
	if err != nil {
		tt.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (tt *tmuxTerm) capture() string { return tt.run("capture-pane", "-p", "-t", tt.session) }

func (tt *tmuxTerm) line(y int) string {
	lines := strings.Split(tt.capture(), "\n")
	if y < 0 || y >= len(lines) {
		return ""
	}
	return lines[y]
}

// The machine may be busy: the screen and the cursor are polled, with a generous
// deadline; nothing is asserted after a fixed sleep.
const tmuxDeadline = 30 * time.Second

func (tt *tmuxTerm) waitFor(text string) {
	tt.t.Helper()
	end := time.Now().Add(tmuxDeadline)
	for {
		s := tt.capture()
		if strings.Contains(s, text) {
			return
		}
		if time.Now().After(end) {
			tt.t.Fatalf("the screen never showed %q:\n%s", text, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// locate is the cell (column, row) where text starts on the screen, counting wide
// characters as two cells.
func (tt *tmuxTerm) locate(text string) (x, y int) {
	tt.t.Helper()
	for y, line := range strings.Split(tt.capture(), "\n") {
		if i := strings.Index(line, text); i >= 0 {
			return ansi.StringWidth(line[:i]), y
		}
	}
	tt.t.Fatalf("%q is not on the screen", text)
	return 0, 0
}

func (tt *tmuxTerm) cursor() (x, y int, shown bool) {
	tt.t.Helper()
	f := strings.Split(strings.TrimSpace(tt.run("display", "-p", "-t", tt.session, "#{cursor_x},#{cursor_y},#{cursor_flag}")), ",")
	if len(f) != 3 {
		tt.t.Fatalf("tmux display: %q", f)
	}
	x, _ = strconv.Atoi(f[0])
	y, _ = strconv.Atoi(f[1])
	return x, y, f[2] == "1"
}

// waitCursor waits until the cursor stands at x,y and is shown, or (shown false) is
// hidden, wherever it is.
func (tt *tmuxTerm) waitCursor(where string, x, y int, shown bool) {
	tt.t.Helper()
	end := time.Now().Add(tmuxDeadline)
	for {
		cx, cy, on := tt.cursor()
		if on == shown && (!shown || (cx == x && cy == y)) {
			return
		}
		if time.Now().After(end) {
			tt.t.Fatalf("%s: cursor at %d,%d shown=%v; want %d,%d shown=%v\n%s", where, cx, cy, on, x, y, shown, tt.capture())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitShown waits until the cursor is shown, and says where.
func (tt *tmuxTerm) waitShown(where string) (x, y int) {
	tt.t.Helper()
	end := time.Now().Add(tmuxDeadline)
	for {
		cx, cy, on := tt.cursor()
		if on {
			return cx, cy
		}
		if time.Now().After(end) {
			tt.t.Fatalf("%s: the cursor is hidden at %d,%d\n%s", where, cx, cy, tt.capture())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
