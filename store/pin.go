package store

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// PINs unlock an idle console. They are kept in the staff record as an argon2id hash with
// its own random salt and the parameters it was made with, never as the digits; the hash
// never leaves this package (workflow.Staff does not carry it).
const (
	PINMinLen   = 4
	PINMaxLen   = 12
	MaxPINFails = 5 // wrong PINs in a row that end the session and stop the PIN

	// OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane) rather than RFC 9106's 64 MiB:
	// the office server hashes for every session that unlocks, and at 19 MiB a dozen
	// unlocks at once stay within a small machine's memory. A 4-digit PIN is a small
	// space whatever the cost, so the hash keeps the digits out of the file; it does not
	// stand alone against someone who has the file (see SECURITY.md).
	pinTime    = 2
	pinMemory  = 19 * 1024 // KiB
	pinThreads = 1
	pinKeyLen  = 32
	pinSaltLen = 16
)

// pinSlots bounds how many PIN hashes run at once in this process (each holds 19 MiB
// while it runs): a process-wide resource limit, not session state.
var pinSlots = make(chan struct{}, 4)

// staffRecord is a staff member as stored: the public record plus the PIN hash and the
// count of wrong PINs in a row.
type staffRecord struct {
	workflow.Staff
	PIN      string `json:"pin,omitempty"`       // $argon2id$v=19$m=19456,t=2,p=1$salt$hash
	PINFails int    `json:"pin_fails,omitempty"` // wrong PINs in a row, across sessions
}

func staffRecordIn(tx kv.Tx, name string) (staffRecord, bool) {
	raw := tx.Bucket(bStaff).Get([]byte(name))
	if raw == nil {
		return staffRecord{}, false
	}
	var r staffRecord
	if json.Unmarshal(raw, &r) != nil {
		return staffRecord{}, false
	}
	return r, true
}

func putStaffRecord(tx kv.Tx, r staffRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	kv.Feed(tx, "staff", 0)
	return tx.Bucket(bStaff).Put([]byte(r.Name), b)
}

// ValidPIN says why pin cannot be a PIN (4–12 digits), or nil.
func ValidPIN(pin string) error {
	if len(pin) < PINMinLen || len(pin) > PINMaxLen || strings.Trim(pin, "0123456789") != "" {
		return workflow.Refuse("pin_format", "store.pin_format", PINMinLen, PINMaxLen)
	}
	return nil
}

func hashPIN(pin string, salt []byte, t, m uint32, p uint8, keyLen uint32) []byte {
	pinSlots <- struct{}{}
	defer func() { <-pinSlots }()
	return argon2.IDKey([]byte(pin), salt, t, m, p, keyLen)
}

func newPINHash(pin string) (string, error) {
	salt := make([]byte, pinSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	sum := hashPIN(pin, salt, pinTime, pinMemory, pinThreads, pinKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, pinMemory, pinTime, pinThreads,
		enc.EncodeToString(salt), enc.EncodeToString(sum)), nil
}

// pinMatches checks pin against a stored hash, with the parameters stored beside it.
func pinMatches(stored, pin string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<20 || t > 16 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := hashPIN(pin, salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// HasPIN says whether name has a PIN set, and how many wrong PINs in a row stand against it.
func (s *Store) HasPIN(name string) (set bool, fails int) {
	_ = s.view(func(tx kv.Tx) error {
		r, _ := staffRecordIn(tx, name)
		set, fails = r.PIN != "", r.PINFails
		return nil
	})
	return set, fails
}

// SetPIN gives name a PIN when none is set (first login, or after an admin reset). A PIN
// that is set is changed only by an admin reset: whoever sits at an open console must
// not be able to replace it.
func (s *Store) SetPIN(name, pin string) error {
	if err := ValidPIN(pin); err != nil {
		return err
	}
	// Hash outside the write lock: the hash takes a while and others' writes must not wait.
	h, err := newPINHash(pin)
	if err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err = s.update(func(tx kv.Tx) error {
		r, ok := staffRecordIn(tx, name)
		if !ok {
			return ErrNotFound
		}
		if r.PIN != "" {
			return workflow.Refuse("pin_set", "store.pin_set")
		}
		r.PIN, r.PINFails = h, 0
		if err := putStaffRecord(tx, r); err != nil {
			return err
		}
		return s.audit(tx, name, "pin_set", name)
	})
	if err == nil {
		s.publish(Change{Topic: "staff", Actor: name, At: s.opts.Now()})
	}
	return err
}

// PINCheck is the outcome of CheckPIN.
type PINCheck struct {
	OK        bool
	NoPIN     bool // none set (never, or reset by an admin): nothing to check against
	Fails     int  // wrong PINs in a row now
	LockedOut bool // Fails reached MaxPINFails: the PIN is stopped until an admin resets it
}

// CheckPIN checks pin for name. A right PIN clears the count of wrong ones; a wrong one
// adds to it, across sessions, and the fifth in a row is written to the audit log and
// stops the PIN: later tries are refused unchecked until an admin resets it (so ending
// the session and logging in again does not give five more guesses).
func (s *Store) CheckPIN(name, pin string) (PINCheck, error) {
	var r staffRecord
	var found bool
	_ = s.view(func(tx kv.Tx) error {
		r, found = staffRecordIn(tx, name)
		return nil
	})
	switch {
	case !found:
		return PINCheck{}, ErrNotFound
	case r.PIN == "":
		return PINCheck{NoPIN: true}, nil
	case r.PINFails >= MaxPINFails:
		return PINCheck{Fails: r.PINFails, LockedOut: true}, nil
	}
	ok := ValidPIN(pin) == nil && pinMatches(r.PIN, pin)
	var res PINCheck
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.update(func(tx kv.Tx) error {
		now, found := staffRecordIn(tx, name)
		if !found {
			return ErrNotFound
		}
		if now.PIN != r.PIN { // reset (or set) while hashing: judge against what is there now
			res = PINCheck{NoPIN: now.PIN == "", Fails: now.PINFails}
			return nil
		}
		if ok {
			res = PINCheck{OK: true}
			if now.PINFails == 0 {
				return nil
			}
			now.PINFails = 0
			return putStaffRecord(tx, now)
		}
		now.PINFails++
		res = PINCheck{Fails: now.PINFails, LockedOut: now.PINFails >= MaxPINFails}
		if err := putStaffRecord(tx, now); err != nil {
			return err
		}
		if res.LockedOut {
			return s.audit(tx, name, "pin_lockout", fmt.Sprintf("%d wrong PINs in a row", now.PINFails))
		}
		return nil
	})
	return res, err
}

// ResetPIN clears name's PIN and its count of wrong PINs; the person chooses a new one at
// their next login. by is who did it ("" for the command line, like PutStaff).
func (s *Store) ResetPIN(by workflow.Staff, name string) error {
	if by.Name != "" && (!by.Role.CanAdminister() || !by.Active) {
		return workflow.Refuse("role", "store.pin_denied")
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.update(func(tx kv.Tx) error {
		r, ok := staffRecordIn(tx, name)
		if !ok {
			return ErrNotFound
		}
		r.PIN, r.PINFails = "", 0
		if err := putStaffRecord(tx, r); err != nil {
			return err
		}
		return s.audit(tx, by.Name, "pin_reset", name)
	})
	if err == nil {
		s.publish(Change{Topic: "staff", Actor: name, At: s.opts.Now()})
	}
	return err
}
