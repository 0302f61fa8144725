package server

import (
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
// Dark is assumed instead.
func sessionRenderer(sess ssh.Session, term string) *lipgloss.Renderer {
	if term == "" || term == "dumb" {
		return lipgloss.NewRenderer(sess, termenv.WithProfile(termenv.Ascii))
	}
	env := sshEnviron(append(sess.Environ(), "TERM="+term))
	r := lipgloss.NewRenderer(sess, termenv.WithEnvironment(env), termenv.WithUnsafe(), termenv.WithColorCache(true))
	r.SetHasDarkBackground(true)
	return r
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
