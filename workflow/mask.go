package workflow

import (
	"fmt"
	"reflect"
	"repairdesk/internal/msg"
	"slices"
	"strings"
)

// TextKind says what a string field of a case or event holds, for masking and sealing.
type TextKind int

const (
	// TextFree is text people type freely (details, notes, comments, findings, reasons,
	// letters): masked wherever it leaves the program, sealed in the file when it holds an
	// ID or mobile number.
	TextFree TextKind = iota + 1
	// TextBounded is typed text whose length intake checks (names, the address): masked on
	// the way out, kept as typed in the file (a sealed value would fail that check on replay).
	TextBounded
	// TextIDNumber and TextPhone are the agent's structured ID number and phone, masked
	// whole (and sealed by the store on their own).
	TextIDNumber
	TextPhone
	// TextCode is what the program or a choice list writes: keys, staff names, dates, case
	// and credit codes, hashes. Masked too on the way out, in case one was tampered with.
	TextCode
)

// WalkCase calls fn with every string field of c (the enumerations Stage excepted) and
// what it holds. fn may change the field: c's slices and pointers are c's own, so call it
// on a CloneCase when the case is shared.
func WalkCase(c *Case, fn func(k TextKind, p *string)) {
	fn(TextCode, &c.No)
	walkEnterprise(&c.Enterprise, fn)
	walkAgent(&c.Agent, fn)
	for i := range c.Records {
		walkRecord(&c.Records[i], fn)
	}
	for i := range c.Materials {
		m := &c.Materials[i]
		fn(TextCode, &m.Key)
		fn(TextFree, &m.Label)
		fn(TextFree, &m.Note)
		fn(TextCode, &m.WaivedBy)
		fn(TextFree, &m.WaiverWhy)
		walkLinks(m.Files, fn)
	}
	for i := range c.Findings {
		walkFinding(&c.Findings[i], fn)
	}
	for i := range c.Notices {
		n := &c.Notices[i]
		fn(TextCode, &n.By)
		fn(TextFree, &n.Override)
		fn(TextCode, &n.OverrideBy)
		for j := range n.Items {
			it := &n.Items[j]
			fn(TextCode, &it.Key)
			fn(TextFree, &it.Label)
			fn(TextFree, &it.Note)
		}
	}
	for i := range c.Files {
		walkFile(&c.Files[i], fn)
	}
	fn(TextCode, &c.Owner)
	for i := range c.Investigators {
		fn(TextCode, &c.Investigators[i])
	}
	fn(TextCode, &c.Proposer)
	fn(TextCode, &c.CreditCodeOverride)
	fn(TextCode, &c.IntakeBy)
	walkProposal(c.Proposal, fn)
	if d := c.Approval; d != nil {
		fn(TextCode, &d.By)
		fn(TextFree, &d.Comment)
	}
	walkDecline(c.Decline, fn)
	walkSubmission(c.Submission, fn)
	walkOutcome(c.Outcome, fn)
	walkNotification(c.Notification, fn)
	fn(TextFree, &c.Withdrawal)
	walkSeen(c.Seen, fn)
	walkDuplicate(c.Duplicate, fn)
	walkFollowUp(c.FollowUp, fn)
	fn(TextCode, &c.UpdatedBy)
}

// WalkEvent is WalkCase for an event, its action and its letter (ActionKind, Stage and
// Role excepted).
func WalkEvent(ev *Event, fn func(k TextKind, p *string)) {
	fn(TextCode, &ev.Actor)
	fn(TextFree, &ev.Comment)
	for i := range ev.Changes {
		ch := &ev.Changes[i]
		fn(TextCode, &ch.Field)
		fn(TextFree, &ch.Old)
		fn(TextFree, &ch.New)
	}
	a := &ev.Action
	fn(TextCode, &a.Actor)
	fn(TextFree, &a.Comment)
	fn(TextCode, &a.Previewed) // a SHA-256 in hex
	if in := a.Intake; in != nil {
		fn(TextCode, &in.No)
		walkEnterprise(&in.Enterprise, fn)
		walkAgent(&in.Agent, fn)
		for i := range in.Records {
			walkRecord(&in.Records[i], fn)
		}
		walkMaterials(in.Materials, fn)
		fn(TextCode, &in.Owner)
		walkSeen(in.Seen, fn)
		walkDuplicate(in.Duplicate, fn)
	}
	walkFollowUp(a.FollowUp, fn)
	if u := a.Material; u != nil {
		fn(TextCode, &u.Key)
		fn(TextFree, &u.Label)
		fn(TextFree, &u.Note)
	}
	if a.Finding != nil {
		walkFinding(a.Finding, fn)
	}
	walkProposal(a.Proposal, fn)
	walkDecline(a.Decline, fn)
	walkSubmission(a.Submission, fn)
	walkOutcome(a.Outcome, fn)
	walkNotification(a.Notification, fn)
	fn(TextCode, &a.Assignee)
	if a.Record != nil {
		walkRecord(a.Record, fn)
	}
	walkMaterials(a.Materials, fn)
	if a.File != nil {
		walkFile(a.File, fn)
	}
	if t := a.Tie; t != nil {
		fn(TextFree, &t.File.Name)
		fn(TextCode, &t.File.SHA256)
		fn(TextCode, &t.Material)
	}
	letter := func(l *Letter) {
		fn(TextCode, &l.Kind)
		fn(TextCode, &l.Lang)
		fn(TextCode, &l.Code) // the verification code (核验码): base32 of a hash
		fn(TextFree, &l.Title)
		fn(TextFree, &l.Body)
	}
	if ev.Letter != nil {
		letter(ev.Letter)
	}
	for i := range ev.Also {
		letter(&ev.Also[i])
	}
	fn(TextCode, &ev.PrevHash)
	fn(TextCode, &ev.Hash)
}

func walkEnterprise(e *Enterprise, fn func(TextKind, *string)) {
	fn(TextBounded, &e.Name)
	fn(TextCode, &e.CreditCode)
	fn(TextBounded, &e.LegalRep)
	fn(TextBounded, &e.Address)
	fn(TextFree, &e.Contact)
}

func walkSeen(s *Seen, fn func(TextKind, *string)) {
	if s != nil {
		fn(TextCode, &s.By)
	}
}

func walkDuplicate(d *Duplicate, fn func(TextKind, *string)) {
	if d == nil {
		return
	}
	for i := range d.Of {
		fn(TextCode, &d.Of[i])
	}
	fn(TextFree, &d.Reason)
}

func walkFollowUp(f *FollowUp, fn func(TextKind, *string)) {
	if f == nil {
		return
	}
	fn(TextCode, &f.Satisfaction)
	fn(TextFree, &f.Comment)
	for i := range f.Thanks {
		fn(TextCode, &f.Thanks[i].Kind)
	}
	fn(TextCode, &f.By)
}

func walkAgent(a *Agent, fn func(TextKind, *string)) {
	fn(TextBounded, &a.Name)
	fn(TextPhone, &a.Phone)
	fn(TextIDNumber, &a.IDNumber)
	fn(TextFree, &a.AuthLetter)
}

func walkRecord(r *Record, fn func(TextKind, *string)) {
	fn(TextCode, &r.Source)
	fn(TextCode, &r.Type)
	fn(TextFree, &r.Institution)
	fn(TextCode, &r.Date)
	fn(TextCode, &r.Problem)
	fn(TextCode, &r.Tier)
	fn(TextFree, &r.Detail)
}

func walkMaterials(ms []Material, fn func(TextKind, *string)) {
	for i := range ms {
		fn(TextCode, &ms[i].Key)
		fn(TextFree, &ms[i].Label)
		fn(TextFree, &ms[i].Note)
		fn(TextCode, &ms[i].WaivedBy)
		fn(TextFree, &ms[i].WaiverWhy)
		walkLinks(ms[i].Files, fn)
	}
}

// walkLinks: the files tied to an item or a finding (tie_file).
func walkLinks(ls []FileLink, fn func(TextKind, *string)) {
	for i := range ls {
		fn(TextFree, &ls[i].Name)
		fn(TextCode, &ls[i].SHA256)
	}
}

func walkFinding(f *Finding, fn func(TextKind, *string)) {
	fn(TextFree, &f.Checked)
	fn(TextCode, &f.Contact)
	fn(TextCode, &f.Method)
	fn(TextCode, &f.Result)
	fn(TextFree, &f.Evidence)
	fn(TextCode, &f.By)
	walkLinks(f.Files, fn)
}

func walkProposal(p *Proposal, fn func(TextKind, *string)) {
	if p != nil {
		fn(TextFree, &p.Conclusion)
		fn(TextFree, &p.Plan)
		fn(TextFree, &p.Override)
		fn(TextCode, &p.By)
	}
}

func walkDecline(d *Decline, fn func(TextKind, *string)) {
	if d != nil {
		fn(TextCode, &d.Reason)
		fn(TextFree, &d.Explanation)
		for i := range d.Avenues {
			fn(TextCode, &d.Avenues[i])
		}
		fn(TextCode, &d.ExpiryDate)
		fn(TextCode, &d.By)
	}
}

func walkSubmission(s *Submission, fn func(TextKind, *string)) {
	if s != nil {
		fn(TextCode, &s.Channel)
		fn(TextFree, &s.Reference)
		fn(TextCode, &s.By)
	}
}

func walkOutcome(o *Outcome, fn func(TextKind, *string)) {
	if o != nil {
		fn(TextCode, &o.Result)
		fn(TextFree, &o.Note)
		fn(TextCode, &o.By)
	}
}

func walkNotification(n *Notification, fn func(TextKind, *string)) {
	if n != nil {
		fn(TextCode, &n.Channel)
		fn(TextCode, &n.Date)
		fn(TextCode, &n.By)
	}
}

func nilIfEmpty[T any](s *[]T) {
	if len(*s) == 0 {
		*s = nil
	}
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// CloneCase is a deep copy of c: no slice or pointer is shared with it.
func CloneCase(c Case) Case {
	c = c.clone()
	for i := range c.Notices {
		c.Notices[i].Items = slices.Clone(c.Notices[i].Items)
	}
	cloneLinks(c.Materials, c.Findings)
	c.Proposal, c.Approval, c.Submission = clonePtr(c.Proposal), clonePtr(c.Approval), clonePtr(c.Submission)
	c.Outcome, c.Notification = clonePtr(c.Outcome), clonePtr(c.Notification)
	if c.Decline != nil {
		d := *c.Decline
		d.Avenues = slices.Clone(d.Avenues)
		c.Decline = &d
	}
	c.Seen = clonePtr(c.Seen)
	if c.Duplicate != nil {
		d := *c.Duplicate
		d.Of = slices.Clone(d.Of)
		c.Duplicate = &d
	}
	return c
}

// CloneEvent is a deep copy of ev: no slice or pointer is shared with it.
func CloneEvent(ev Event) Event {
	ev.Changes = slices.Clone(ev.Changes)
	a := &ev.Action
	if a.Intake != nil {
		in := *a.Intake
		in.Records = slices.Clone(in.Records)
		in.Materials = slices.Clone(in.Materials)
		a.Intake = &in
	}
	a.Material, a.Finding, a.Proposal = clonePtr(a.Material), clonePtr(a.Finding), clonePtr(a.Proposal)
	a.Submission, a.Outcome, a.Notification = clonePtr(a.Submission), clonePtr(a.Outcome), clonePtr(a.Notification)
	a.Record = clonePtr(a.Record)
	a.Materials = slices.Clone(a.Materials)
	a.Tie = clonePtr(a.Tie)
	if a.Intake != nil {
		cloneLinks(a.Intake.Materials, nil)
	}
	cloneLinks(a.Materials, nil)
	if a.Finding != nil {
		a.Finding.Files = slices.Clone(a.Finding.Files)
	}
	if a.Decline != nil {
		d := *a.Decline
		d.Avenues = slices.Clone(d.Avenues)
		a.Decline = &d
	}
	ev.Letter = clonePtr(ev.Letter)
	ev.Also = slices.Clone(ev.Also)
	return ev
}

// cloneLinks gives the items and findings (already copies) their own tied files.
func cloneLinks(ms []Material, fs []Finding) {
	for i := range ms {
		ms[i].Files = slices.Clone(ms[i].Files)
	}
	for i := range fs {
		fs[i].Files = slices.Clone(fs[i].Files)
	}
}

// MaskError says a case could not be masked safely; the caller must leave it out (an
// export stops), never use the unmasked value.
type MaskError struct {
	CaseNo string
	Field  string // the path of the string that still holds a number, e.g. events[2].comment
}

func (e *MaskError) Error() string { return e.Message("en") }

// Message says what went wrong, in lang (zh by default).
func (e *MaskError) Message(lang string) string {
	return msg.T(lang, "mask.left", e.CaseNo, e.Field)
}

// MaskCase returns copies of c and its events fit to leave the program (an export, a
// report): the agent's ID number and phone masked whole, and every ID or mobile number in
// any other text masked where it stands (the agency's own numbers given in keep are left).
// c and evs are not changed. It fails closed: the result is checked string by string —
// every string field, including any the walk above does not know — and if a number is
// left anywhere the result is an error and no case, never the unmasked value.
func MaskCase(c Case, evs []Event, keep ...string) (Case, []Event, error) {
	return maskCase(c, evs, true, keep)
}

// MaskCaseInPlace is MaskCase for a caller that owns c and evs and drops them after (an
// export's freshly decoded case): no copies are made, so evs's events, and what c and
// they point to, are masked where they are. The result, and the failing closed, are
// MaskCase's (TestMaskCaseInPlaceIsMaskCase).
func MaskCaseInPlace(c Case, evs []Event, keep ...string) (Case, []Event, error) {
	return maskCase(c, evs, false, keep)
}

func maskCase(c Case, evs []Event, clone bool, keep []string) (Case, []Event, error) {
	no := c.No
	// clean: texts with digits the masking searched and found no number in. The check
	// that follows does not search them again (strings do not change: the same text is
	// the same verdict); everything else it searches, so it still fails closed. The
	// search of long letters twice was most of an export's masking.
	clean := map[string]struct{}{}
	mask := func(k TextKind, p *string) {
		switch k {
		case TextIDNumber:
			*p = MaskID(*p)
		case TextPhone:
			*p = MaskPhone(*p)
		default:
			if piiDigest(*p) { // a hash: FindPII does not look into it, nor need the check
				return
			}
			ms := FindPII(*p)
			if len(ms) == 0 {
				if piiMayHold(*p) {
					clean[*p] = struct{}{}
				}
				return
			}
			*p = maskMatches(*p, ms, keep)
		}
	}
	mc, mevs := c, evs
	if !clone {
		// MaskCase's copy (Case.clone) leaves an empty list nil, which JSON writes as
		// null, not []: the same here, for the same result.
		nilIfEmpty(&mc.Records)
		nilIfEmpty(&mc.Materials)
		nilIfEmpty(&mc.Findings)
		nilIfEmpty(&mc.Notices)
		nilIfEmpty(&mc.Investigators)
		nilIfEmpty(&mc.Pauses)
		nilIfEmpty(&mc.Files)
	} else {
		mc = CloneCase(c)
		mevs = nil
		if evs != nil {
			mevs = make([]Event, len(evs))
		}
		for i := range evs {
			mevs[i] = CloneEvent(evs[i])
		}
	}
	WalkCase(&mc, mask)
	// The check looks at every string of the result (mask_check_gen.go, generated from
	// the types: it knows every field, not only those the walks above know); only when it
	// finds a number does the reflection walk (unmasked) look again, to name the path.
	w := &piiWalk{keep: keep, clean: clean}
	// Most events hold no number: the check, run first, says so in one pass, and then
	// the walk would change nothing (it changes only the numbers the check finds, and
	// the agent's ID number and phone, which only an intake holds), so the event is
	// passed as it is, checked. The others are walked, and checked after.
	var walked []int
	for i := range mevs {
		if mevs[i].Action.Intake == nil && !w.leftEvent(&mevs[i]) {
			continue
		}
		WalkEvent(&mevs[i], mask)
		walked = append(walked, i)
	}
	if w.leftCase(&mc) {
		return Case{}, nil, &MaskError{CaseNo: CleanLine(no), Field: unmasked(reflect.ValueOf(mc), "case", keep, clean)}
	}
	for _, i := range walked {
		if w.leftEvent(&mevs[i]) {
			f := unmasked(reflect.ValueOf(mevs[i]), "", keep, clean)
			return Case{}, nil, &MaskError{CaseNo: CleanLine(no), Field: fmt.Sprintf("events[%d]", i) + f}
		}
	}
	return mc, mevs, nil
}

// unmasked walks every string reachable from v by reflection and returns the path of the
// first that still holds a number (or "" when none does). It does not trust WalkCase: a
// field added later and not walked is found here. The path is put together only for
// the string found (piiWalk.find). Texts in clean were searched already and hold no
// number (nil: none were).
func unmasked(v reflect.Value, path string, keep []string, clean map[string]struct{}) string {
	rev, found := (&piiWalk{keep: keep, clean: clean}).find(v, nil)
	if !found {
		return ""
	}
	for i := len(rev) - 1; i >= 0; i-- {
		path += rev[i]
	}
	return path
}

// piiWalk.find is unmasked's walk: when it finds a number it returns the path's parts
// from the string up (".comment", "[2]", ".events"…), which unmasked puts in order.
type piiWalk struct {
	keep  []string
	clean map[string]struct{}
}

// left reports whether s still holds a number not kept.
func (w *piiWalk) left(s string) bool {
	if len(s) < piiMinLen || !piiMayHold(s) || piiDigest(s) { // no digit, or a hash: no number, not worth hashing for the set below
		return false
	}
	if _, ok := w.clean[s]; ok {
		return false
	}
	for _, m := range FindPII(s) {
		if !piiKept(m.Number, w.keep) {
			return true
		}
	}
	return false
}

func (w *piiWalk) find(v reflect.Value, rev []string) ([]string, bool) {
	switch v.Kind() {
	case reflect.String:
		if w.left(v.String()) {
			return rev, true
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return w.find(v.Elem(), rev)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if r, ok := w.find(v.Index(i), rev); ok {
				return append(r, fmt.Sprintf("[%d]", i)), true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if r, ok := w.find(it.Key(), rev); ok {
				return append(r, "{key}"), true
			}
			if r, ok := w.find(it.Value(), rev); ok {
				return append(r, "{value}"), true
			}
		}
	case reflect.Struct:
		t := v.Type()
		if t.PkgPath() == "time" {
			return rev, false
		}
		for i := 0; i < v.NumField(); i++ {
			if r, ok := w.find(v.Field(i), rev); ok {
				name := t.Field(i).Name
				if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); tag != "" {
					name = tag
				}
				return append(r, "."+name), true
			}
		}
	}
	return rev, false
}

func walkFile(f *FileRef, fn func(TextKind, *string)) {
	fn(TextFree, &f.Name)
	fn(TextCode, &f.SHA256)
	fn(TextCode, &f.By)
	fn(TextCode, &f.At)
}
