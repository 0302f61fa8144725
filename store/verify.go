package store

import (
	"repairdesk/internal/msg"
	"repairdesk/store/kv"
	"time"

	"repairdesk/workflow"
)

// LetterVerdict is what VerifyLetter found for a letter's case number and code.
type LetterVerdict struct {
	OK     bool
	CaseNo string
	Seq    int // the event that issued the letter (0: none found)
	Letter workflow.Letter
	At     time.Time
	// Anchored: the event was compared with the anchor log and matches it.
	Anchored bool
	Why      msg.Message // why not, when not OK (Why.Localize(lang))
}

func (v *LetterVerdict) refuse(key string, a ...any) LetterVerdict {
	v.OK, v.Why = false, msg.M(key, a...)
	return *v
}

// VerifyLetter says whether a letter with this case number and verification code is
// consistent with the history today: an event of the case issued a letter with that code,
// the chain up to and including that event is intact, the code recomputed from the chain
// head before it is the same, and — when there is an anchor log — that event's hash is the
// one that was anchored.
func (s *Store) VerifyLetter(caseNo, code string) (LetterVerdict, error) {
	v := LetterVerdict{CaseNo: caseNo}
	c, err := s.CaseByNo(caseNo)
	if err != nil {
		return v.refuse("verify.no_case", caseNo), nil
	}
	evs, err := s.Events(c.ID)
	if err != nil {
		return v, err
	}
	// Events as read here are unsealed for display; the hash covers the stored form, so
	// the chain is verified on the stored events.
	stored, err := s.storedEvents(c.ID)
	if err != nil {
		return v, err
	}
	idx, at := -1, 0
	for i, ev := range stored {
		for j, l := range ev.Letters() {
			if l.Code == code {
				idx, at = i, j
			}
		}
	}
	if idx < 0 {
		return v.refuse("verify.no_letter", caseNo, code), nil
	}
	v.Seq, v.At = stored[idx].Seq, stored[idx].At
	v.Letter = evs[idx].Letters()[at]
	prev := ""
	for i := 0; i <= idx; i++ {
		ev := stored[i]
		if ev.Seq != i+1 || ev.PrevHash != prev || EventHash(ev) != ev.Hash {
			return v.refuse("verify.chain", caseNo, i+1, v.Seq), nil
		}
		prev = ev.Hash
	}
	head := ""
	if idx > 0 {
		head = stored[idx-1].Hash
	}
	if workflow.LetterCodeAt(caseNo, v.Seq, head, at) != code {
		return v.refuse("verify.code", code, caseNo), nil
	}
	var an *anchored
	_ = s.view(func(tx kv.Tx) error {
		an, _ = s.anchorsFor(tx, 0, anchorsWhole)
		return nil
	})
	if an != nil {
		ac := an.cases[c.ID]
		if ac == nil || len(ac.hashes) < v.Seq {
			return v.refuse("verify.not_anchored", caseNo, v.Seq), nil
		}
		if ac.hashes[v.Seq-1] != stored[idx].Hash {
			return v.refuse("verify.anchor_diff", caseNo, v.Seq, ac.entry[v.Seq-1]), nil
		}
		v.Anchored = true
	}
	v.OK = true
	return v, nil
}

// storedEvents reads a case's events as stored (personal fields sealed).
func (s *Store) storedEvents(id uint32) ([]workflow.Event, error) {
	var evs []workflow.Event
	err := s.view(func(tx kv.Tx) error {
		js, err := caseEvents(tx, id)
		if err != nil {
			return err
		}
		for _, b := range js {
			var ev workflow.Event
			if err := decodeJSON(b, &ev); err != nil {
				return &eventError{CaseID: id, Seq: len(evs) + 1, Err: err}
			}
			evs = append(evs, ev)
		}
		return nil
	})
	return evs, err
}
