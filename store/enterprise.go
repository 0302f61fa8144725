package store

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"repairdesk/store/kv"

	"repairdesk/internal/msg"
	"repairdesk/workflow"
)

// Filing is the client filing (客户备案, seed 002): one record per enterprise across all its
// cases. Enterprise holds what applications bring (name, credit code, legal
// representative, legal address), updated by each intake and by edits; Details what the
// office keeps besides. History says who changed what, when: intakes that changed the
// enterprise's data and edits in the console. Personal details (mobile, e-mail, the legal
// representative's ID number) are sealed in the file and never kept in the history.
type Filing struct {
	Enterprise workflow.Enterprise    `json:"enterprise"`
	Details    workflow.FilingDetails `json:"details,omitzero"`
	Cases      []uint32               `json:"cases"`
	History    []FilingChange         `json:"history,omitempty"`
	// Version counts changes to the filing; an edit made against an older one is refused.
	Version int `json:"version,omitempty"`
}

// FilingChange is one change to a client filing.
type FilingChange struct {
	By     string            `json:"by"`
	At     time.Time         `json:"at"`
	CaseNo string            `json:"case_no,omitempty"` // set when an intake changed the filing
	Fields []workflow.Change `json:"fields"`
}

// FilingEdit is an edit of the client filing from the console. A personal field left
// empty keeps its value (the form never shows it whole); the other fields are set as given.
type FilingEdit struct {
	Name, LegalRep, Address string
	Details                 workflow.FilingDetails
}

// personalDetail is a sealed detail of the filing: the field name bound into its sealing,
// where it is, and how it is masked.
type personalDetail struct {
	name string
	of   func(*workflow.FilingDetails) *string
	mask func(string) string
}

// filingPersonal: the sealed details.
var filingPersonal = []personalDetail{
	{"mobile", func(d *workflow.FilingDetails) *string { return &d.Mobile }, workflow.MaskPhone},
	{"email", func(d *workflow.FilingDetails) *string { return &d.Email }, workflow.MaskEmail},
	{"legal_rep_id", func(d *workflow.FilingDetails) *string { return &d.LegalRepID }, workflow.MaskID},
}

// FilingPersonal says whether field (a FilingChange field name) is personal data.
func FilingPersonal(field string) bool {
	return slices.ContainsFunc(filingPersonal, func(p personalDetail) bool { return p.name == field })
}

// MaskedDetails is d with its personal fields masked, for drawing.
func MaskedDetails(d workflow.FilingDetails) workflow.FilingDetails {
	for _, p := range filingPersonal {
		if v := p.of(&d); *v != Locked {
			*v = p.mask(*v)
		}
	}
	return d
}

func filingAAD(code, field string) string { return "enterprise:" + code + "|" + field }

// filingTexts are the free-text details: sealed when they hold an ID or phone number (as a
// case's free text is), plain otherwise.
var filingTexts = []personalDetail{
	{"registered_capital", func(d *workflow.FilingDetails) *string { return &d.RegisteredCapital }, nil},
	{"business_address", func(d *workflow.FilingDetails) *string { return &d.BusinessAddress }, nil},
	{"licences", func(d *workflow.FilingDetails) *string { return &d.Licences }, nil},
	{"credit_notes", func(d *workflow.FilingDetails) *string { return &d.CreditNotes }, nil},
}

// readFiling reads and unseals a stored filing.
func (s *Store) readFiling(raw []byte, code string) (Filing, error) {
	var f Filing
	if err := json.Unmarshal(raw, &f); err != nil {
		return f, err
	}
	var first error
	for _, p := range append(slices.Clone(filingPersonal), filingTexts...) {
		v := p.of(&f.Details)
		out, err := s.keys.open(filingAAD(code, p.name), *v)
		*v = out
		if err != nil && first == nil {
			first = err
		}
	}
	return f, first
}

// putFiling seals and stores f.
func (s *Store) putFiling(tx kv.Tx, code string, f Filing) error {
	for _, p := range filingPersonal {
		v := p.of(&f.Details)
		sealed, err := s.keys.seal(filingAAD(code, p.name), *v)
		if err != nil {
			return err
		}
		*v = sealed
	}
	for _, p := range filingTexts {
		if v := p.of(&f.Details); needsSeal(workflow.TextFree, *v) {
			sealed, err := s.keys.sealRaw(filingAAD(code, p.name), *v)
			if err != nil {
				return err
			}
			*v = sealed
		}
	}
	v, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return tx.Bucket(bEnterprises).Put([]byte(code), v)
}

// fileEnterprise records c in its enterprise's filing; an intake that changes the
// enterprise's name, legal representative or address leaves a line in the history.
func (s *Store) fileEnterprise(tx kv.Tx, c *workflow.Case) error {
	b := tx.Bucket(bEnterprises)
	code := c.Enterprise.CreditCode
	var f Filing
	if raw := b.Get([]byte(code)); raw != nil {
		var err error
		if f, err = s.readFiling(raw, code); err != nil {
			return err // never write Locked back over a sealed value
		}
		if ch := enterpriseChanges(f.Enterprise, c.Enterprise); len(ch) > 0 {
			f.History = append(f.History, FilingChange{By: c.UpdatedBy, At: c.UpdatedAt, CaseNo: c.No, Fields: ch})
			f.Version++
		}
	}
	f.Enterprise = c.Enterprise
	if !slices.Contains(f.Cases, c.ID) {
		f.Cases = append(f.Cases, c.ID)
	}
	return s.putFiling(tx, code, f)
}

func enterpriseChanges(old, new workflow.Enterprise) []workflow.Change {
	var out []workflow.Change
	add := func(field, o, n string) {
		if o != n {
			out = append(out, workflow.Change{Field: field, Old: o, New: n})
		}
	}
	add("name", old.Name, new.Name)
	add("legal_rep", old.LegalRep, new.LegalRep)
	add("address", old.Address, new.Address)
	return out
}

// Filing looks an enterprise up by its credit code. Personal details that cannot be
// decrypted read as Locked.
func (s *Store) Filing(code string) (Filing, bool) {
	var f Filing
	var ok bool
	_ = s.view(func(tx kv.Tx) error {
		raw := tx.Bucket(bEnterprises).Get([]byte(code))
		if raw == nil {
			return nil
		}
		var err error
		f, err = s.readFiling(raw, code)
		var ke *KeyError
		ok = err == nil || errors.As(err, &ke)
		return nil
	})
	return f, ok
}

// FilingConflictError: the filing changed since the form was opened.
type FilingConflictError struct {
	By string // display name
	At time.Time
}

func (e *FilingConflictError) Error() string { return e.Message("en") }

func (e *FilingConflictError) Message(lang string) string {
	return msg.T(lang, "filing.conflict", e.By, e.At.In(workflow.ChinaTZ).Format("2006-01-02 15:04"))
}

// FilingInvalidError lists what is wrong with an edit.
type FilingInvalidError struct{ Errs []*workflow.FieldError }

func (e *FilingInvalidError) Error() string { return e.Message("en") }

func (e *FilingInvalidError) Message(lang string) string {
	parts := make([]string, 0, len(e.Errs))
	for _, fe := range e.Errs {
		parts = append(parts, msg.T(lang, "filing.field_"+fe.Field)+": "+fe.Message(lang))
	}
	return strings.Join(parts, "; ")
}

// UpdateFiling applies an edit made against version of the filing of code, by actor, and
// records the changed fields in its history (personal ones by name only). An edit that
// changes nothing writes nothing. Auditors and former staff cannot edit.
func (s *Store) UpdateFiling(actor workflow.Staff, code string, version int, e FilingEdit) (Filing, error) {
	if !actor.Active {
		return Filing{}, workflow.Refuse("inactive", "refuse.inactive")
	}
	if !actor.Role.CanWork() {
		return Filing{}, workflow.Refuse("read_only", "refuse.read_only", msg.Label("role", string(actor.Role)))
	}
	now := s.opts.Now()
	e.Name, e.LegalRep, e.Address = strings.TrimSpace(e.Name), strings.TrimSpace(e.LegalRep), strings.TrimSpace(e.Address)
	errs := workflow.ValidateFilingDetails(&e.Details, now)
	if e.Name == "" {
		errs = append(errs, workflow.NewFieldError("name", "required", "field.required", msg.Key("f.enterprise")))
	}
	if e.LegalRep == "" {
		errs = append(errs, workflow.NewFieldError("legal_rep", "required", "field.required", msg.Key("f.legal_rep")))
	}
	for _, x := range []struct {
		field, v string
		max      int
	}{{"name", e.Name, 100}, {"legal_rep", e.LegalRep, 40}, {"address", e.Address, 200}} {
		if len([]rune(x.v)) > x.max {
			errs = append(errs, workflow.NewFieldError(x.field, "length", "field.too_long", x.max))
		}
	}
	if len(errs) > 0 {
		return Filing{}, &FilingInvalidError{Errs: errs}
	}
	var out Filing
	err := s.update(func(tx kv.Tx) error {
		raw := tx.Bucket(bEnterprises).Get([]byte(code))
		if raw == nil {
			return ErrNotFound
		}
		f, err := s.readFiling(raw, code)
		if err != nil {
			return err
		}
		if f.Version != version {
			c := &FilingConflictError{}
			if k := len(f.History); k > 0 {
				c.By, c.At = f.History[k-1].By, f.History[k-1].At
				if st, ok := staffIn(tx, c.By); ok {
					c.By = st.Shown()
				}
			}
			return c
		}
		n := f
		n.Enterprise.Name, n.Enterprise.LegalRep, n.Enterprise.Address = e.Name, e.LegalRep, e.Address
		ch := enterpriseChanges(f.Enterprise, n.Enterprise)
		d := e.Details
		for _, p := range filingPersonal { // empty keeps the value the form never showed
			if *p.of(&d) == "" {
				*p.of(&d) = *p.of(&f.Details)
			}
		}
		plain := []struct {
			field    string
			old, new string
		}{
			{"registered_capital", f.Details.RegisteredCapital, d.RegisteredCapital},
			{"business_address", f.Details.BusinessAddress, d.BusinessAddress},
			{"licences", f.Details.Licences, d.Licences},
			{"credit_notes", f.Details.CreditNotes, d.CreditNotes},
		}
		for _, x := range plain { // numbers in the text are masked in the history
			if x.old != x.new {
				ch = append(ch, workflow.Change{Field: x.field, Old: workflow.MaskText(x.old), New: workflow.MaskText(x.new)})
			}
		}
		for _, p := range filingPersonal {
			if *p.of(&f.Details) != *p.of(&d) {
				ch = append(ch, workflow.Change{Field: p.name}) // personal: the name of the field only
			}
		}
		if len(ch) == 0 {
			out = f
			return nil
		}
		n.Details = d
		n.History = append(slices.Clone(f.History), FilingChange{By: actor.Name, At: now, Fields: ch})
		n.Version++
		out = n
		return s.putFiling(tx, code, n)
	})
	if err != nil {
		return Filing{}, err
	}
	return out, nil
}
