package workflow

import (
	"repairdesk/internal/msg"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ValidateIntake checks everything an intake form holds and returns every problem at once
// (errors and overridable warnings). It also normalises codes in place.
func ValidateIntake(in *Intake, now time.Time) []*FieldError {
	var errs []*FieldError
	req := func(field, v, name string) {
		if strings.TrimSpace(v) == "" {
			errs = append(errs, fieldErr(field, "required", "field.required", msg.Key(name)))
		}
	}
	tooLong := func(field, v string, max int) {
		if utf8.RuneCountInString(v) > max {
			errs = append(errs, fieldErr(field, "length", "field.too_long", max))
		}
	}
	e := &in.Enterprise
	e.Name = strings.TrimSpace(e.Name)
	req("enterprise.name", e.Name, "f.enterprise")
	tooLong("enterprise.name", e.Name, 100)
	if cc, fe := ValidateCreditCode(e.CreditCode); fe != nil {
		fe.Field = "enterprise.credit_code"
		errs = append(errs, fe)
		if fe.Warning {
			e.CreditCode = cc
		}
	} else {
		e.CreditCode = cc
	}
	e.LegalRep = strings.TrimSpace(e.LegalRep)
	req("enterprise.legal_rep", e.LegalRep, "f.legal_rep")
	tooLong("enterprise.legal_rep", e.LegalRep, 40)
	tooLong("enterprise.address", e.Address, 200)

	ag := &in.Agent
	ag.Name = strings.TrimSpace(ag.Name)
	req("agent.name", ag.Name, "f.agent")
	tooLong("agent.name", ag.Name, 40)
	if p, fe := ValidatePhone(ag.Phone); fe != nil {
		fe.Field = "agent.phone"
		errs = append(errs, fe)
	} else {
		ag.Phone = p
	}
	if id, fe := ValidateIDNumber(ag.IDNumber, now); fe != nil {
		fe.Field = "agent.id_number"
		errs = append(errs, fe)
	} else {
		ag.IDNumber = id
		if w := IDDivisionWarning(id); w != nil {
			w.Field = "agent.id_number"
			errs = append(errs, w)
		}
	}

	if len(in.Records) == 0 {
		errs = append(errs, fieldErr("records", "required", "field.records_required"))
	}
	for i := range in.Records {
		errs = append(errs, ValidateRecord(&in.Records[i], "records."+itoa(i)+".", now)...)
	}
	if len(in.Materials) == 0 {
		errs = append(errs, fieldErr("materials", "required", "field.materials_empty"))
	}
	return errs
}

// ValidateRecord checks one contested record (field names prefixed with f) and
// normalises its date and institution in place.
func ValidateRecord(r *Record, f string, now time.Time) []*FieldError {
	var errs []*FieldError
	{
		if !isKey("source", r.Source) {
			errs = append(errs, fieldErr(f+"source", "choice", "field.choose_source"))
		}
		if !isKey("record_type", r.Type) {
			errs = append(errs, fieldErr(f+"type", "choice", "field.choose_type"))
		}
		if !isKey("problem", r.Problem) {
			errs = append(errs, fieldErr(f+"problem", "choice", "field.choose_problem"))
		}
		if r.Type == "admin_penalty" && !isKey("tier", r.Tier) {
			errs = append(errs, fieldErr(f+"tier", "choice", "field.choose_tier"))
		}
		r.Institution = strings.TrimSpace(r.Institution)
		if r.Institution == "" {
			errs = append(errs, fieldErr(f+"institution", "required", "field.institution_required"))
		}
		if d, err := ParseDate(strings.TrimSpace(r.Date)); err != nil {
			errs = append(errs, fieldErr(f+"date", "date", "field.record_date_format"))
		} else if d.After(now) {
			errs = append(errs, fieldErr(f+"date", "date", "field.record_date_future"))
		} else {
			r.Date = Day(d)
		}
		if r.AmountFen < 0 {
			errs = append(errs, fieldErr(f+"amount", "amount", "field.amount_negative"))
		}
	}
	return errs
}

func itoa(i int) string { return strconv.Itoa(i) }
