package server

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/muesli/termenv"
)

// sessionRenderer gives the session its own colours, from the client's TERM and
// environment. It stands in for wish's bubbletea.MakeRenderer, which on a session
// without a kernel pty first asks the client's terminal for its background colour and
// reads the answer from the session. Its one-second timeout cannot interrupt a read of
// an SSH channel, so with a client that does not answer (most SSH libraries, some
// terminals) the console did not show at all until a key was pressed, and that key was
// eaten by the query (TestServeFirstKeyReachesTheConsole fails with MakeRenderer).
// So the background is first taken from COLORFGBG when the client sends it, else dark is
// assumed; the question is then asked without waiting (backgroundQuery) and the answer,
// when one comes, is taken out of the keyboard's input (input.go) and sets the renderer.
func sessionRenderer(sess ssh.Session, term string) *lipgloss.Renderer {
	if term == "" || term == "dumb" {
		return lipgloss.NewRenderer(sess, termenv.WithProfile(termenv.Ascii))
	}
	env := sshEnviron(append(sess.Environ(), "TERM="+term))
	r := lipgloss.NewRenderer(sess, termenv.WithEnvironment(env), termenv.WithUnsafe(), termenv.WithColorCache(true))
	r.SetHasDarkBackground(darkFromColorFGBG(env.Getenv("COLORFGBG")))
	return r
}

// backgroundQuery asks the terminal for its background colour (OSC 11); the answer is
// ESC ] 11 ; rgb:RRRR/GGGG/BBBB, ended by BEL or ESC \.
const backgroundQuery = "\x1b]11;?\x07"

// darkFromColorFGBG reads COLORFGBG ("15;0": white on black); without it, dark.
func darkFromColorFGBG(v string) bool {
	i := strings.LastIndexByte(v, ';')
	if i < 0 {
		return true
	}
	switch v[i+1:] {
	case "7", "9", "10", "11", "12", "13", "14", "15":
		return false
	}
	return true
}

// darkFromOSC reads the payload of a terminal's answer to backgroundQuery
// ("rgb:RRRR/GGGG/BBBB", 1 to 4 hex digits each); ok is false for anything else.
func darkFromOSC(payload string) (dark, ok bool) {
	rgb, found := strings.CutPrefix(payload, "rgb:")
	if !found {
		return false, false
	}
	parts := strings.Split(rgb, "/")
	if len(parts) != 3 {
		return false, false
	}
	var c [3]float64
	for i, p := range parts {
		if len(p) < 1 || len(p) > 4 {
			return false, false
		}
		v, err := strconv.ParseUint(p, 16, 16)
		if err != nil {
			return false, false
		}
		c[i] = float64(v) / float64(uint64(1)<<(4*len(p))-1)
	}
	// Relative luminance, roughly: a background under half is dark.
	return 0.2126*c[0]+0.7152*c[1]+0.0722*c[2] < 0.5, true
}

type sshEnviron []string

func (e sshEnviron) Environ() []string { return e }

func (e sshEnviron) Getenv(k string) string {
	for _, v := range e {
		if rest, ok := strings.CutPrefix(v, k+"="); ok {
			return rest
		}
	}
	return ""
}
