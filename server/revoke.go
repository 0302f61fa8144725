package server

import (
	"slices"
	"time"

	"repairdesk/store"
	"repairdesk/tui"
)

// watch ends the sessions of staff who were disabled or lost the key they logged in with.
func (s *Server) watch(ch <-chan store.Change) {
	defer close(s.watchDone)
	t := time.NewTicker(recheckEvery)
	defer t.Stop()
	for {
		select {
		case c, ok := <-ch:
			if !ok {
				return
			}
			if c.Topic == "staff" {
				s.revoke()
			}
		case <-t.C:
			s.revoke()
		}
	}
}

func (s *Server) revoke() {
	s.mu.Lock()
	stopping := s.stopping
	list := s.listLocked()
	s.mu.Unlock()
	if stopping {
		return
	}
	for _, ss := range list {
		cur, ok, err := s.st.LookupStaff(ss.staff.Name)
		var key string
		switch {
		case err != nil:
			// The database cannot be read (a shared case base reconnecting): nothing is
			// known against the person, and their session and unsaved input stay.
			continue
		case !ok || !cur.Active:
			key = "ssh.ended_disabled"
		case !slices.Contains(cur.Keys, ss.key):
			key = "ssh.ended_key"
		default:
			continue
		}
		reason := sT(ss.lang, key)
		if ss.end(reason, 1, tui.EndSessionMsg{Reason: reason}) {
			s.log.Info("session ended: access revoked", "staff", ss.staff.Name, "key", ss.fp, "remote", ss.remote, "why", key)
		}
	}
}
