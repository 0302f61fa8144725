package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"repairdesk/store/kv"

	"repairdesk/workflow"
)

// issueLetters renders the letters an event of kind k issues on the case c it left (in
// Chinese, from the templates and letterhead in force), each with its verification code.
// shown turns a login name into the name a letter gives (the staff member responsible).
func (s *Store) issueLetters(c *workflow.Case, k workflow.ActionKind, seq int, at time.Time, prevHash string, shown func(string) string) ([]workflow.Letter, error) {
	kinds := workflow.LettersFor(k, c)
	if len(kinds) == 0 {
		return nil, nil
	}
	st := s.Settings()
	head := st.Letterhead
	head.Staff = shown(c.Owner)
	var out []workflow.Letter
	for i, lk := range kinds {
		l, err := st.Letters().Render(lk, c, head, "zh", at)
		if err != nil {
			return nil, fmt.Errorf("letter %s: %w", lk, err)
		}
		l.Code = workflow.LetterCodeAt(c.No, seq, prevHash, i)
		out = append(out, l)
	}
	return out, nil
}

// PreviewPrint is the fingerprint of letters as previewed: SHA-256 over their full text
// (title, body and verification code, as LetterText gives them).
func PreviewPrint(ls []workflow.Letter) string {
	h := sha256.New()
	for _, l := range ls {
		fmt.Fprintf(h, "%d\n%s", len(workflow.LetterText(l)), workflow.LetterText(l))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// completeAction fills what Apply fills before the engine sees an action: its time, its
// actor and a notice's supplement deadline.
func (s *Store) completeAction(actor workflow.Staff, a *workflow.Action) {
	if a.At.IsZero() {
		a.At = s.opts.Now()
	}
	a.Actor = actor.Name
	if a.Kind == workflow.ActRequestMaterials && a.Deadline.IsZero() {
		st := s.Settings()
		a.Deadline = st.SLA.ResubmitDeadline(st.Calendar(), a.At)
	}
}

// PreviewLetters works out, without writing anything, the exact letters action a would
// issue on case id at version expected: the same engine, templates, letterhead, time and
// verification codes as Apply. It returns the action completed (time, deadline) with its
// Previewed fingerprint set: applying that action stores exactly these letters, and is
// refused (store.preview_stale) if anything the letters depend on changed meanwhile; a
// change to the case itself is caught first by the version check (*ConflictError).
// An action that issues no letter gives none and is returned unmarked.
func (s *Store) PreviewLetters(id uint32, expected int, actor workflow.Staff, a workflow.Action) (workflow.Action, []workflow.Letter, error) {
	s.completeAction(actor, &a)
	a.Previewed = ""
	var out []workflow.Letter
	err := s.view(func(tx kv.Tx) error {
		raw := tx.Bucket(bCases).Get(u32(id))
		if raw == nil {
			return ErrNotFound
		}
		var c workflow.Case
		if err := unmarshalValue(raw, &c); err != nil {
			return fmt.Errorf("case %d is unreadable: %w", id, err)
		}
		if err := s.unsealCase(&c); err != nil {
			return err
		}
		if c.Version != expected {
			by := c.UpdatedBy
			if st, ok := staffIn(tx, by); ok {
				by = st.Shown()
			}
			return &ConflictError{CaseNo: c.No, By: by, At: c.UpdatedAt, Expected: expected, Current: c.Version}
		}
		n, ev, err := s.rules.Apply(c, actor, a)
		if err != nil {
			return err
		}
		prev, err := lastHash(tx, id)
		if err != nil {
			return err
		}
		out, err = s.issueLetters(&n, ev.Kind, ev.Seq, ev.At, prev, shownIn(tx))
		return err
	})
	if err != nil {
		return a, nil, err
	}
	if len(out) > 0 {
		a.Previewed = PreviewPrint(out)
	}
	return a, out, nil
}

// shownIn names staff as letters do, from the transaction's staff table.
func shownIn(tx kv.Tx) func(string) string {
	return func(name string) string {
		if st, ok := staffIn(tx, name); ok {
			return st.Shown()
		}
		return name
	}
}
