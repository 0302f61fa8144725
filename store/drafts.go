package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// Drafts: what a staff member has typed into an open form and not yet submitted, kept
// outside the case history so that a dropped connection, a killed client, a crash or a
// server stop loses nothing. One draft per staff member, form and case; a submitted or
// discarded form deletes its own. A draft may hold ID and mobile numbers, so the whole of
// it is sealed with the file's key, bound to its own key in the bucket.
//
// Form tokens: every form instance carries a random token; Create records the token with
// the case it made, so a submit that is retried (a held key, a paste, a laggy link, a
// resumed draft of a form that was in fact saved) returns the first case instead of
// making a second.
var (
	bDrafts     = []byte("drafts")
	bFormTokens = []byte("form_tokens")
)

// Draft is one unsubmitted form.
type Draft struct {
	Staff  string            `json:"staff"`
	Form   string            `json:"form"` // "intake", or the action kind
	CaseID uint32            `json:"case_id,omitempty"`
	Fields map[string]string `json:"fields"`
	Focus  string            `json:"focus,omitempty"` // the field that had the keyboard
	Token  string            `json:"token,omitempty"` // the form instance's idempotency token
	Saved  time.Time         `json:"saved"`
}

// maxDraft bounds one draft (a form's fields are bounded far below it).
const maxDraft = 256 << 10

func draftKey(staff, form string, caseID uint32) []byte {
	return []byte(staff + "\x00" + form + "\x00" + strconv.FormatUint(uint64(caseID), 10))
}

// SaveDraft stores (replaces) the draft of staff's form on a case, sealed.
func (s *Store) SaveDraft(d Draft) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if err := s.writable(); err != nil {
		return err
	}
	if d.Staff == "" || d.Form == "" {
		return errors.New("a draft needs its staff member and form")
	}
	if d.Saved.IsZero() {
		d.Saved = s.opts.Now()
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if len(raw) > maxDraft {
		return errors.New("the draft is too large to keep")
	}
	k := draftKey(d.Staff, d.Form, d.CaseID)
	sealed, err := s.keys.sealRaw("draft:"+string(k), string(raw))
	if err != nil {
		return err
	}
	return s.update(func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bDrafts)
		if err != nil {
			return err
		}
		return b.Put(k, []byte(sealed))
	})
}

// DeleteDraft removes a draft (the form was submitted or discarded). No draft is no error.
func (s *Store) DeleteDraft(staff, form string, caseID uint32) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return s.update(func(tx kv.Tx) error {
		b := tx.Bucket(bDrafts)
		if b == nil {
			return nil
		}
		return b.Delete(draftKey(staff, form, caseID))
	})
}

// Drafts lists staff's drafts, newest first. A draft that cannot be opened (the key is
// missing, or it is damaged) is left out, not deleted.
func (s *Store) Drafts(staff string) []Draft {
	var out []Draft
	prefix := []byte(staff + "\x00")
	_ = s.view(func(tx kv.Tx) error {
		b := tx.Bucket(bDrafts)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
			plain, err := s.keys.open("draft:"+string(k), string(v))
			if err != nil {
				continue
			}
			var d Draft
			if json.Unmarshal([]byte(plain), &d) != nil || d.Staff != staff {
				continue
			}
			out = append(out, d)
		}
		return nil
	})
	for i := 1; i < len(out); i++ { // newest first; a handful at most
		for j := i; j > 0 && out[j].Saved.After(out[j-1].Saved); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// CreateOnce is Create with the form's idempotency token: the first Create with a token
// makes the case and records the token with it, in the same transaction; every later one
// with the same token returns that case (again=true) and writes nothing. An empty token
// is plain Create.
func (s *Store) CreateOnce(actor workflow.Staff, in workflow.Intake, comment, token string) (cs workflow.Case, again bool, err error) {
	if token == "" {
		cs, err = s.Create(actor, in, comment)
		return cs, false, err
	}
	cs, err = s.create(actor, in, comment, token)
	var dup *dupToken
	if errors.As(err, &dup) {
		cs, err = s.Case(dup.id)
		return cs, err == nil, err
	}
	return cs, false, err
}

// dupToken: the token was used before, by case id. Create returns it from inside its
// transaction so that nothing is written.
type dupToken struct{ id uint32 }

func (d *dupToken) Error() string { return "form already submitted as case " + strconv.Itoa(int(d.id)) }

// useToken records token for case id, or reports the case that already has it.
func useToken(tx kv.Tx, token string, id uint32) error {
	b, err := tx.CreateBucketIfNotExists(bFormTokens)
	if err != nil {
		return err
	}
	if raw := b.Get([]byte(token)); len(raw) == 4 {
		return &dupToken{id: binary.BigEndian.Uint32(raw)}
	}
	return b.Put([]byte(token), u32(id))
}

// tokenCase looks a token up before anything else happens.
func tokenCase(tx kv.Tx, token string) (uint32, bool) {
	b := tx.Bucket(bFormTokens)
	if b == nil {
		return 0, false
	}
	if raw := b.Get([]byte(token)); len(raw) == 4 {
		return binary.BigEndian.Uint32(raw), true
	}
	return 0, false
}
