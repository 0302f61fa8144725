package server

import (
	"fmt"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"

	"repairdesk/workflow"
)

// requireTerminal refuses commands, subsystems and sessions without a terminal, at once.
// It stands in for wish's activeterm, which lets a command through when the client also
// asks for a terminal (ssh -t desk ls) and answers in English only ("Requires an active
// PTY"): TestServeRefusesSessionsWithoutTerminal fails with activeterm.
func (s *Server) requireTerminal(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		_, _, tty := sess.Pty()
		if tty && sess.RawCommand() == "" && sess.Subsystem() == "" {
			next(sess)
			return
		}
		fp := ""
		if pk := sess.PublicKey(); pk != nil {
			fp = gossh.FingerprintSHA256(pk)
		}
		s.log.Info("session refused", "remote", sess.RemoteAddr().String(), "key", fp, "reason", "no terminal or a command",
			"command", workflow.CleanLine(sess.RawCommand()))
		fmt.Fprintln(sess.Stderr(), sT("", "ssh.no_pty"))
		_ = sess.Exit(1)
	}
}
