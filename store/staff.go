package store

import (
	"encoding/binary"
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

var staffName = regexp.MustCompile(`^[a-z_][a-z0-9_.-]{0,31}$`)

// ValidStaffName: login names are what SSH and the OS use: lower-case ASCII.
func ValidStaffName(name string) bool { return staffName.MatchString(name) }

func staffIn(tx kv.Tx, name string) (workflow.Staff, bool) {
	raw := tx.Bucket(bStaff).Get([]byte(name))
	if raw == nil {
		return workflow.Staff{}, false
	}
	var st workflow.Staff
	if json.Unmarshal(raw, &st) != nil {
		return workflow.Staff{}, false
	}
	return st, true
}

// Staff looks up one staff member; a database that cannot be read finds nobody (see
// LookupStaff where that must not be taken for "no such person").
func (s *Store) Staff(name string) (workflow.Staff, bool) {
	st, ok, _ := s.LookupStaff(name)
	return st, ok
}

// LookupStaff looks up one staff member, and says when the database could not be read
// (a shared case base whose connection is lost): then nothing is known of the person.
func (s *Store) LookupStaff(name string) (workflow.Staff, bool, error) {
	var st workflow.Staff
	var ok bool
	err := s.view(func(tx kv.Tx) error {
		st, ok = staffIn(tx, name)
		return nil
	})
	if err != nil {
		return workflow.Staff{}, false, err
	}
	return st, ok, nil
}

// ListStaff lists every staff member by name.
func (s *Store) ListStaff() []workflow.Staff {
	var out []workflow.Staff
	_ = s.view(func(tx kv.Tx) error {
		return tx.Bucket(bStaff).ForEach(func(k, v []byte) error {
			var st workflow.Staff
			if json.Unmarshal(v, &st) == nil {
				out = append(out, st)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// StaffCount says how many staff records exist (0 on a new database).
func (s *Store) StaffCount() int {
	n := 0
	_ = s.view(func(tx kv.Tx) error {
		n = tx.Bucket(bStaff).Stats().KeyN
		return nil
	})
	return n
}

// PutStaff adds or replaces a staff member. by is who did it ("" for the command line
// on the server's own machine, which is trusted like the file itself).
func (s *Store) PutStaff(by workflow.Staff, st workflow.Staff) error {
	if by.Name != "" && (!by.Role.CanAdminister() || !by.Active) {
		return workflow.Refuse("role", "store.staff_denied")
	}
	if !ValidStaffName(st.Name) {
		return workflow.Refuse("name", "store.staff_bad_name", st.Name)
	}
	if !st.Role.Valid() {
		return workflow.Refuse("role", "store.staff_bad_role", st.Role)
	}
	st.Display = workflow.CleanLine(st.Display)
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.update(func(tx kv.Tx) error {
		// One key, one person: a key still held by someone else would make the login
		// identity depend on name order.
		if err := tx.Bucket(bStaff).ForEach(func(k, v []byte) error {
			if string(k) == st.Name {
				return nil
			}
			var other workflow.Staff
			if json.Unmarshal(v, &other) != nil {
				return nil
			}
			for _, key := range st.Keys {
				if slices.Contains(other.Keys, key) {
					return workflow.Refuse("key_taken", "store.key_taken", Fingerprint(key), other.Name)
				}
			}
			return nil
		}); err != nil {
			return err
		}
		// The PIN hash and its count of wrong tries are kept as they are: they change
		// only through SetPIN, CheckPIN and ResetPIN (pin.go).
		r, _ := staffRecordIn(tx, st.Name)
		r.Staff = st
		if err := putStaffRecord(tx, r); err != nil {
			return err
		}
		return s.audit(tx, by.Name, "staff", st.Name)
	})
	if err != nil {
		return err
	}
	s.publish(Change{Topic: "staff", Actor: st.Name, At: s.opts.Now()})
	return nil
}

// AuditEntry is something done that is not a case action: revealing personal data,
// staff and settings changes, logins.
type AuditEntry struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	What   string    `json:"what"`
	Detail string    `json:"detail,omitempty"`
}

func (s *Store) audit(tx kv.Tx, actor, what, detail string) error {
	b := tx.Bucket(bAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	v, _ := json.Marshal(AuditEntry{At: s.opts.Now(), Actor: actor, What: what, Detail: workflow.CleanLine(detail)})
	return b.Put(k[:], v)
}

// Audit records an entry (e.g. an ID number shown whole, with the reason).
func (s *Store) Audit(actor, what, detail string) error {
	return s.update(func(tx kv.Tx) error { return s.audit(tx, actor, what, detail) })
}

// AuditLog lists the newest entries first, at most n.
func (s *Store) AuditLog(n int) []AuditEntry {
	var out []AuditEntry
	_ = s.view(func(tx kv.Tx) error {
		c := tx.Bucket(bAudit).Cursor()
		for k, v := c.Last(); k != nil && len(out) < n; k, v = c.Prev() {
			var e AuditEntry
			if json.Unmarshal(v, &e) == nil {
				out = append(out, e)
			}
		}
		return nil
	})
	return out
}

// SetLang stores a staff member's own language preference (anyone may set their own).
func (s *Store) SetLang(name, lang string) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.update(func(tx kv.Tx) error {
		r, ok := staffRecordIn(tx, name)
		if !ok {
			return ErrNotFound
		}
		r.Lang = lang
		return putStaffRecord(tx, r)
	})
	if err == nil {
		s.publish(Change{Topic: "staff", Actor: name, At: s.opts.Now()})
	}
	return err
}

// RevealID returns a case's agent ID number whole for actor, who must hold a role that
// handles cases and give a reason; the reveal is written to the audit log first. Screens
// show masked numbers otherwise.
func (s *Store) RevealID(actor workflow.Staff, caseID uint32, reason string) (string, error) {
	if !actor.Active || !actor.Role.CanRevealPersonal() {
		return "", workflow.Refuse("reveal", "store.reveal_denied")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", workflow.Refuse("reveal_reason", "store.reveal_reason")
	}
	c, err := s.Case(caseID)
	if err != nil {
		return "", err
	}
	if c.Agent.IDNumber == Locked {
		return "", s.KeyProblem()
	}
	if err := s.Audit(actor.Name, "reveal_id", c.No+": "+reason); err != nil {
		return "", err
	}
	return c.Agent.IDNumber, nil
}
