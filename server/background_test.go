package server

import (
	"io"
	"strings"
	"testing"
)

func TestDarkFromOSC(t *testing.T) {
	for _, c := range []struct {
		payload  string
		dark, ok bool
	}{
		{"rgb:0000/0000/0000", true, true},
		{"rgb:ffff/ffff/ffff", false, true},
		{"rgb:fd/f6/e3", false, true},        // solarized light, two digits
		{"rgb:1e1e/1e1e/2e2e", true, true},   // a dark theme
		{"rgb:ffff/ffff", false, false},      // two channels
		{"rgb:gggg/0000/0000", false, false}, // not hex
		{"#ffffff", false, false},
	} {
		dark, ok := darkFromOSC(c.payload)
		if dark != c.dark || ok != c.ok {
			t.Errorf("%q: dark %v ok %v, want %v %v", c.payload, dark, ok, c.dark, c.ok)
		}
	}
	for v, dark := range map[string]bool{"": true, "15;0": true, "0;15": false, "0;default;7": false, "12;8": true} {
		if got := darkFromColorFGBG(v); got != dark {
			t.Errorf("COLORFGBG=%q: dark %v, want %v", v, got, dark)
		}
	}
}

// TestInputTakesBackgroundAnswer: the terminal's answer to the background question is
// taken out of the keyboard's input, ended by BEL or by ESC \, and the keys around it
// reach the console; without the question asked, nothing is taken.
func TestInputTakesBackgroundAnswer(t *testing.T) {
	for _, c := range []struct{ src, keys, payload string }{
		{"a\x1b]11;rgb:ffff/ffff/ffff\x07b", "ab", "rgb:ffff/ffff/ffff"},
		{"\x1b]11;rgb:0000/0000/0000\x1b\\j\x1b[A", "j\x1b[A", "rgb:0000/0000/0000"},
		{"\x1b]11;" + strings.Repeat("z", 80) + "xy", strings.Repeat("z", 15) + "xy", ""}, // too long: not an answer
		{"\x1b]x", "\x1b]x", ""}, // alt+] then x
	} {
		var got []string
		// In pieces of three bytes: the answer split across reads.
		in := newSessionInput(&chunks{s: c.src, n: 3})
		in.onBackground = func(p string) { got = append(got, p) }
		b, _ := io.ReadAll(in)
		if string(b) != c.keys {
			t.Errorf("%q: keys %q, want %q", c.src, b, c.keys)
		}
		if c.payload == "" && len(got) != 0 || c.payload != "" && (len(got) != 1 || got[0] != c.payload) {
			t.Errorf("%q: answers %q, want %q", c.src, got, c.payload)
		}
	}
	in := newSessionInput(stringsReader("\x1b]11;rgb:ffff/ffff/ffff\x07"))
	if b, _ := io.ReadAll(in); string(b) != "\x1b]11;rgb:ffff/ffff/ffff\x07" {
		t.Errorf("not asked, yet taken: %q", b)
	}
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

// chunks reads s n bytes at a time.
type chunks struct {
	s string
	n int
}

func (r *chunks) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.n)], r.s)
	r.s = r.s[n:]
	return n, nil
}
