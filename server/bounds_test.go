package server

import (
	"bytes"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"repairdesk/workflow"
)

// sizeSpy records the window sizes one staff member's console is told of.
type sizeSpy struct {
	mu    sync.Mutex
	sizes []tea.WindowSizeMsg
}

func (s *sizeSpy) wrap(name string) func(workflow.Staff, tea.Model) tea.Model {
	return func(me workflow.Staff, m tea.Model) tea.Model {
		if me.Name != name {
			return m
		}
		return &spyModel{Model: m, spy: s}
	}
}

func (s *sizeSpy) get() []tea.WindowSizeMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]tea.WindowSizeMsg(nil), s.sizes...)
}

type spyModel struct {
	tea.Model
	spy *sizeSpy
}

func (m *spyModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if w, ok := msg.(tea.WindowSizeMsg); ok {
		m.spy.mu.Lock()
		m.spy.sizes = append(m.spy.sizes, w)
		m.spy.mu.Unlock()
	}
	inner, cmd := m.Model.Update(msg)
	m.Model = inner
	return m, cmd
}

func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// A client asking for a 100000×100000 terminal (in its pty-req and in a window change)
// gets a console of at most MaxWidth × MaxHeight: the server's heap stays where it was,
// and another person's console keeps answering.
func TestServeHugeTerminalIsClamped(t *testing.T) {
	spy := &sizeSpy{}
	o := newSrvOffice(t, func(so *Options) { so.wrap = spy.wrap("wu") })
	_, zhaoKey := o.hire("zhao", "赵强", workflow.RoleSupervisor)
	_, wuKey := o.hire("wu", "吴明", workflow.RoleSpecialist)
	other := o.login(zhaoKey)
	other.waitFor(0, "赵强")

	before := heapInuse()
	c, err := o.dial(o.config(gossh.PublicKeys(wuKey)))
	if err != nil {
		t.Fatal(err)
	}
	huge := o.consoleSized(c, 100000, 100000)
	huge.waitFor(0, "吴明")
	if err := huge.sess.WindowChange(100000, 100000); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // a redraw at the new size
	m := huge.mark()
	huge.key("?") // and another frame
	huge.waitFor(m, "快捷键")

	m = other.mark()
	other.key("?")
	other.waitFor(m, "快捷键", "按 esc 或 ? 关闭")

	after := heapInuse()
	huge.mu.Lock()
	huge.raw = nil // what the client received is the test's, not the server's
	huge.mu.Unlock()
	after = min(after, heapInuse())
	if after > before+8<<20 {
		t.Errorf("the server's heap grew from %d MB to %d MB", before>>20, after>>20)
	}
	sizes := spy.get()
	if len(sizes) == 0 {
		t.Fatal("the console was never told its size")
	}
	for _, s := range sizes {
		if s.Width > MaxWidth || s.Height > MaxHeight {
			t.Fatalf("the console was told %d×%d", s.Width, s.Height)
		}
	}
	if last := sizes[len(sizes)-1]; last.Width != MaxWidth || last.Height != MaxHeight {
		t.Fatalf("the last size was %d×%d, want the largest allowed %d×%d", last.Width, last.Height, MaxWidth, MaxHeight)
	}
	if !other.running() || !huge.running() {
		t.Fatal("a session ended")
	}
}

// A client flooding window changes does not make the console redraw for each one: it
// hears of at most one per resizeEvery, and of the last one.
func TestServeWindowChangeFloodIsCoalesced(t *testing.T) {
	t.Parallel()
	spy := &sizeSpy{}
	o := newSrvOffice(t, func(so *Options) { so.wrap = spy.wrap("wu") })
	_, wuKey := o.hire("wu", "吴明", workflow.RoleSpecialist)
	sc := o.login(wuKey)
	sc.waitFor(0, "吴明")
	first := len(spy.get())

	start := time.Now()
	const n = 3000
	for i := range n {
		if err := sc.sess.WindowChange(30+i%40, 80+i%100); err != nil {
			t.Fatal(err)
		}
	}
	if err := sc.sess.WindowChange(33, 111); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		s := spy.get()
		if last := s[len(s)-1]; last.Width == 111 && last.Height == 33 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the last window change never arrived; last seen %+v", s[len(s)-1])
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	got := len(spy.get()) - first
	if limit := int(elapsed/resizeEvery) + 2; got > limit {
		t.Fatalf("%d window changes in %s reached the console, want at most %d", got, elapsed, limit)
	}
	t.Logf("%d window changes sent in %s; the console heard of %d", n+1, elapsed, got)
	m := sc.mark()
	sc.key("?")
	sc.waitFor(m, "快捷键")
}

// A paste that never ends (or is huge) is cut: the server does not hold it, the form
// field keeps its limit, and the session answers keys afterwards.
func TestServeEndlessPasteIsCut(t *testing.T) {
	o := newSrvOffice(t, nil)
	_, key := o.hire("li", "王丽", workflow.RoleSpecialist)
	sc := o.login(key)
	sc.waitFor(0, "王丽")
	m := sc.mark()
	sc.key("n")
	sc.waitFor(m, "企业名称")
	before := heapInuse()

	sc.key("\x1b[200~")
	chunk := strings.Repeat("甲", 4096)
	for range 1500 { // 18 MB, no end marker yet
		sc.key(chunk)
	}
	mid := heapInuse()
	sc.key("\x1b[201~")
	m = sc.mark()
	sc.key("\x1b") // esc: leave the form (asks whether to discard the typed name)
	sc.waitFor(m, "y")
	if mid > before+8<<20 {
		t.Errorf("the server's heap grew from %d MB to %d MB while the paste went on", before>>20, mid>>20)
	}
	if !sc.running() {
		t.Fatal("the session ended")
	}
}

// The input filter on its own: a paste is cut at maxPaste bytes with its end marker sent
// early; what follows the client's own end marker passes; full reads are made short
// every maxRun bytes.
func TestSessionInputBounds(t *testing.T) {
	src := append([]byte("x\x1b[200~"), bytes.Repeat([]byte("a"), 3*maxPaste)...)
	src = append(src, "\x1b[201~zz"...)
	in := newSessionInput(bytes.NewReader(src))
	var got []byte
	buf := make([]byte, 256)
	fullRun := 0
	for {
		n, err := in.Read(buf)
		got = append(got, buf[:n]...)
		if n == len(buf) {
			fullRun += n
			if fullRun > maxRun+len(buf) {
				t.Fatalf("%d bytes in full reads without a short one", fullRun)
			}
		} else {
			fullRun = 0
		}
		if err != nil {
			break
		}
	}
	want := "x\x1b[200~" + strings.Repeat("a", maxPaste) + "\x1b[201~zz"
	if string(got) != want {
		t.Fatalf("got %d bytes (ends %q), want %d", len(got), got[max(0, len(got)-12):], len(want))
	}
}
