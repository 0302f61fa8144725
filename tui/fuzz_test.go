package tui

import (
	"testing"
	"time"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/workflow"
)

// keysFromBytes turns fuzz input into keystrokes: control bytes pick special keys, the
// rest is typed text (including escape sequences and CJK).
func keysFromBytes(data []byte) []tea.KeyMsg {
	var out []tea.KeyMsg
	for len(data) > 0 {
		b := data[0]
		switch {
		case b < 12:
			special := []tea.KeyType{tea.KeyTab, tea.KeyShiftTab, tea.KeyEnter, tea.KeyBackspace, tea.KeyLeft, tea.KeyRight,
				tea.KeyUp, tea.KeyDown, tea.KeyCtrlS, tea.KeySpace, tea.KeyEsc, tea.KeyCtrlU}
			out = append(out, tea.KeyMsg{Type: special[b]})
			data = data[1:]
		default:
			r, n := utf8.DecodeRune(data)
			out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
			data = data[n:]
		}
	}
	return out
}

// FuzzIntakeForm types anything into the intake form: the console never panics, never
// draws wider than the terminal, and never saves a case that does not validate.
func FuzzIntakeForm(f *testing.F) {
	f.Add([]byte("河南信修信用管理有限公司\x0091110000600037341L\x00张三\x00\x00王芳\x0013812345678\x0011010519491231002X\x08"))
	f.Add([]byte("\x1b[2J\x1b]52;c;ZXZpbA==\x07\x00\u202eabc\x08\x08\x0a\x0ay"))
	f.Add([]byte("2025-02-30\x02\x03\x03\x03\x08"))
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(f, clk)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 400 {
			data = data[:400]
		}
		m := New(Options{Store: st, Me: testSpecialist, Lang: "zh", Renderer: asciiRenderer(), Now: clk.now})
		m.manualFeed = true
		// No draft timer: run() waits out every timer, so each key of an input would cost
		// a second (the first seed took a minute and the fuzzer's baseline ran out of time).
		m.c.draftDelay = 0
		defer m.Close()
		m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		before := len(st.Snapshot().List())
		press(m, "n")
		for _, k := range keysFromBytes(data) {
			if intakeOf(m) == nil { // saved or cancelled: stop typing into the queue
				break
			}
			_, cmd := m.Update(k)
			run(m, cmd)
			checkAligned(t, screen(m), 80, 24)
		}
		for _, sm := range st.Snapshot().List()[:len(st.Snapshot().List())-before] {
			cs, err := st.Case(sm.ID)
			if err != nil {
				t.Fatal(err)
			}
			in := workflow.Intake{Enterprise: cs.Enterprise, Agent: cs.Agent, Records: cs.Records, Materials: cs.Materials}
			for _, e := range workflow.ValidateIntake(&in, clk.now()) {
				if !e.Warning {
					t.Fatalf("saved an invalid case %s: %s", cs.No, e.Message("en"))
				}
			}
		}
	})
}
