package server

import (
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"

	"repairdesk/store"
	"repairdesk/tui"
	"repairdesk/workflow"
)

// acceptKey is asked about every key a client offers, including keys it only asks about
// without proving it holds them. So it decides yes or no and remembers nothing: who is
// logged in is read from the key that authenticated (sess.PublicKey) in identify.
//
// A registered key of an active staff member is accepted before anything else is
// looked at: failures of other keys from the same address never refuse it.
func (s *Server) acceptKey(ctx ssh.Context, key ssh.PublicKey) bool {
	if _, ok := s.st.StaffByKey(key); ok {
		return true
	}
	cs, _ := ctx.Value(connStateKey{}).(*connState)
	if cs == nil {
		return false
	}
	fp := gossh.FingerprintSHA256(key)
	now := time.Now()
	switch {
	case s.fails.addrBlocked(cs.ip, now):
		// This address failed too often with keys nobody registered: its connections end
		// at the first such key. A connection that offers a registered key still gets in.
		cs.mu.Lock()
		cs.blocked++
		cs.reason = "too many failed logins from this address"
		cs.mu.Unlock()
		if cs.pre != nil {
			_ = cs.pre.SendAuthBanner(sT("", "ssh.too_many_failures") + "\n")
		}
		if cs.conn != nil {
			cs.conn.Close()
		}
		return false
	case s.fails.keyBlocked(cs.ip, fp, now):
		// This key failed too often from this address: refused without a second look
		// (no banner, no search of the staff list). Another key may still get in.
		cs.mu.Lock()
		cs.blocked++
		if cs.reason == "" {
			cs.reason = "too many failed logins with this key"
		}
		cs.mu.Unlock()
		s.log.Debug("key refused", "remote", cs.remote, "key", fp, "reason", "too many failed logins with this key")
		return false
	}
	reason, text := "unregistered key", sT("", "ssh.unknown_key", fp)
	if s.disabledKey(key) {
		reason, text = "account disabled", sT("", "ssh.disabled_key", fp)
	}
	cs.mu.Lock()
	seen := slices.Contains(cs.refused, fp)
	if !seen && len(cs.refused) < maxRefusedPerConn {
		cs.refused = append(cs.refused, fp)
	}
	cs.attempted = true
	cs.reason = reason
	cs.mu.Unlock()
	// Authentication failure alone says only "permission denied": tell the person why,
	// in a banner (OpenSSH prints it). Another key of theirs may still get them in.
	if !seen && cs.pre != nil {
		_ = cs.pre.SendAuthBanner(text + "\n")
	}
	return false
}

// disabledKey: the key belongs to a staff member who is disabled (for the message only).
func (s *Server) disabledKey(key ssh.PublicKey) bool {
	want := store.NormalKey(key)
	for _, st := range s.st.ListStaff() {
		if !st.Active && slices.Contains(st.Keys, want) {
			return true
		}
	}
	return false
}

// identify finds the staff member by the key the session authenticated with, and
// opens the console if there is room for it.
func (s *Server) identify(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		remote := sess.RemoteAddr().String()
		pk := sess.PublicKey()
		if pk == nil {
			s.log.Warn("session refused", "remote", remote, "reason", "no public key")
			_ = sess.Exit(1)
			return
		}
		fp := gossh.FingerprintSHA256(pk)
		me, ok := s.st.StaffByKey(pk)
		if !ok { // disabled or removed since the handshake
			s.log.Warn("session refused", "remote", remote, "key", fp, "reason", "key no longer registered or account disabled")
			fmt.Fprintln(sess.Stderr(), sT("", "ssh.unknown_key", fp))
			_ = sess.Exit(1)
			return
		}
		ss := &session{sess: sess, staff: me, key: store.NormalKey(pk), fp: fp, remote: remote, lang: sessionLang(me, sess.Environ()), since: time.Now()}
		if why := s.register(sess, ss); why != "" {
			s.log.Warn("session refused", "staff", me.Name, "key", fp, "remote", remote, "reason", why)
			limit := s.o.MaxSessions
			if why == "ssh.staff_full" {
				limit = s.o.MaxSessionsPerStaff
			}
			fmt.Fprintln(sess.Stderr(), sT(ss.lang, why, limit))
			_ = sess.Exit(1)
			return
		}
		s.log.Info("login", "staff", me.Name, "role", me.Role, "key", fp, "remote", remote, "lang", ss.lang)
		defer func() {
			r := recover()
			if r != nil {
				s.sessionPanicked(ss, r, debug.Stack())
				fmt.Fprintln(sess, tui.T(ss.lang, "err.panic"))
				_ = sess.Exit(1)
			}
			ss.close()
			s.unregister(sess)
			reason, _, panicked := ss.outcome()
			s.log.Info("logout", "staff", me.Name, "key", fp, "remote", remote,
				"duration", time.Since(ss.since).Round(time.Second), "ended_by_server", reason != "", "panicked", panicked)
		}()
		next(sess)
	}
}

// sessionLang: the staff record's language, else the client's locale, else Chinese.
func sessionLang(me workflow.Staff, env []string) string {
	if me.Lang != "" {
		return tui.NormLang(me.Lang)
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, name+"="); ok && v != "" {
				return tui.NormLang(v)
			}
		}
	}
	return "zh"
}
