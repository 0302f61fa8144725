package workflow

import (
	"strings"
	"time"
	"unicode/utf8"
)

// FilingDetails are the parts of the client file (客户备案, seed 002) that no application
// brings: what the office keeps about the enterprise itself. Mobile, Email and LegalRepID
// are personal data: sealed at rest, masked where shown.
type FilingDetails struct {
	RegisteredCapital string `json:"registered_capital,omitempty"` // as on the licence, e.g. 500万元人民币
	BusinessAddress   string `json:"business_address,omitempty"`   // 经营地址 (the legal address is Enterprise.Address)
	Mobile            string `json:"mobile,omitempty"`             // contact mobile (personal)
	Email             string `json:"email,omitempty"`              // contact e-mail (personal)
	LegalRepID        string `json:"legal_rep_id,omitempty"`       // the legal representative's ID number (personal)
	Licences          string `json:"licences,omitempty"`           // licences on file (营业执照副本, 行业许可证 …)
	CreditNotes       string `json:"credit_notes,omitempty"`       // notes on its credit standing
}

// Field limits of the client file (runes).
const (
	filingCapitalMax = 40
	filingAddressMax = 200
	filingLicenceMax = 500
	filingNotesMax   = 1000
)

// ValidateFilingDetails checks and normalises d in place and returns every problem at once.
// Field names: registered_capital, business_address, mobile, email, legal_rep_id,
// licences, credit_notes.
func ValidateFilingDetails(d *FilingDetails, now time.Time) []*FieldError {
	var errs []*FieldError
	trim := func(p *string, field string, max int) {
		*p = strings.TrimSpace(*p)
		if utf8.RuneCountInString(*p) > max {
			errs = append(errs, fieldErr(field, "length", "field.too_long", max))
		}
	}
	trim(&d.RegisteredCapital, "registered_capital", filingCapitalMax)
	trim(&d.BusinessAddress, "business_address", filingAddressMax)
	trim(&d.Licences, "licences", filingLicenceMax)
	trim(&d.CreditNotes, "credit_notes", filingNotesMax)
	if d.Mobile = strings.TrimSpace(d.Mobile); d.Mobile != "" {
		if p, fe := ValidatePhone(d.Mobile); fe != nil {
			fe.Field = "mobile"
			errs = append(errs, fe)
		} else {
			d.Mobile = p
		}
	}
	if d.Email = strings.TrimSpace(d.Email); d.Email != "" {
		if fe := ValidateEmail(d.Email); fe != nil {
			errs = append(errs, fe)
		}
	}
	if d.LegalRepID = strings.TrimSpace(d.LegalRepID); d.LegalRepID != "" {
		if id, fe := ValidateIDNumber(d.LegalRepID, now); fe != nil {
			fe.Field = "legal_rep_id"
			errs = append(errs, fe)
		} else {
			d.LegalRepID = id
		}
	}
	return errs
}

// ValidateEmail: one @ with something before it, a domain with a dot after it, no spaces
// or control characters, at most 100 characters.
func ValidateEmail(s string) *FieldError {
	local, domain, ok := strings.Cut(s, "@")
	bad := !ok || local == "" || strings.Contains(domain, "@") || !strings.Contains(strings.Trim(domain, "."), ".") ||
		len(s) > 100 || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r > 0x7e })
	if bad {
		return fieldErr("email", "format", "field.email_format")
	}
	return nil
}

// MaskEmail shows an e-mail address as "z***@example.com": the first character of the
// name and the whole domain.
func MaskEmail(s string) string {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" {
		return MaskPhone(s)
	}
	r := []rune(local)
	return string(r[:1]) + "***@" + domain
}
