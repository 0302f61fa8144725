package workflow

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ValidateIntake checks everything an intake form holds and returns every problem at once
// (errors and overridable warnings). It also normalises codes in place.
func ValidateIntake(in *Intake, now time.Time) []*FieldError {
	var errs []*FieldError
	req := func(field, v, zh, en string) {
		if strings.TrimSpace(v) == "" {
			errs = append(errs, &FieldError{Field: field, Code: "required", ZH: zh + "不能为空", EN: en + " is required"})
		}
	}
	tooLong := func(field, v string, max int) {
		if utf8.RuneCountInString(v) > max {
			errs = append(errs, &FieldError{Field: field, Code: "length", ZH: "内容过长（最多" + itoa(max) + "字）", EN: "Too long (at most " + itoa(max) + " characters)"})
		}
	}
	e := &in.Enterprise
	e.Name = strings.TrimSpace(e.Name)
	req("enterprise.name", e.Name, "企业名称", "Enterprise name")
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
	req("enterprise.legal_rep", e.LegalRep, "法定代表人", "Legal representative")
	tooLong("enterprise.legal_rep", e.LegalRep, 40)
	tooLong("enterprise.address", e.Address, 200)

	ag := &in.Agent
	ag.Name = strings.TrimSpace(ag.Name)
	req("agent.name", ag.Name, "经办人姓名", "Agent's name")
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
		errs = append(errs, &FieldError{Field: "records", Code: "required", ZH: "至少登记一条异议记录", EN: "Add at least one contested record"})
	}
	for i := range in.Records {
		errs = append(errs, ValidateRecord(&in.Records[i], "records."+itoa(i)+".", now)...)
	}
	if len(in.Materials) == 0 {
		errs = append(errs, &FieldError{Field: "materials", Code: "required", ZH: "材料清单为空", EN: "The materials checklist is empty"})
	}
	return errs
}

// ValidateRecord checks one contested record (field names prefixed with f) and
// normalises its date and institution in place.
func ValidateRecord(r *Record, f string, now time.Time) []*FieldError {
	var errs []*FieldError
	{
		if !slices.Contains(Keys("source"), r.Source) {
			errs = append(errs, &FieldError{Field: f + "source", Code: "choice", ZH: "请选择记录来源", EN: "Choose where the record is reported"})
		}
		if !slices.Contains(Keys("record_type"), r.Type) {
			errs = append(errs, &FieldError{Field: f + "type", Code: "choice", ZH: "请选择记录类型", EN: "Choose the record type"})
		}
		if !slices.Contains(Keys("problem"), r.Problem) {
			errs = append(errs, &FieldError{Field: f + "problem", Code: "choice", ZH: "请选择异议问题", EN: "Choose the claimed problem"})
		}
		if r.Type == "admin_penalty" && !slices.Contains(Keys("tier"), r.Tier) {
			errs = append(errs, &FieldError{Field: f + "tier", Code: "choice", ZH: "行政处罚须选择严重程度（轻微/一般/严重）", EN: "Choose the penalty's tier: minor, general or serious"})
		}
		r.Institution = strings.TrimSpace(r.Institution)
		if r.Institution == "" {
			errs = append(errs, &FieldError{Field: f + "institution", Code: "required", ZH: "报送机构不能为空", EN: "Reporting institution is required"})
		}
		if d, err := ParseDate(strings.TrimSpace(r.Date)); err != nil {
			errs = append(errs, &FieldError{Field: f + "date", Code: "date", ZH: "记录日期格式应为 YYYY-MM-DD，例如 2025-03-18", EN: "The record date must be YYYY-MM-DD, e.g. 2025-03-18"})
		} else if d.After(now) {
			errs = append(errs, &FieldError{Field: f + "date", Code: "date", ZH: "记录日期不能晚于今天", EN: "The record date cannot be in the future"})
		} else {
			r.Date = Day(d)
		}
		if r.AmountFen < 0 {
			errs = append(errs, &FieldError{Field: f + "amount", Code: "amount", ZH: "金额不能为负", EN: "The amount cannot be negative"})
		}
	}
	return errs
}

func itoa(i int) string { return strconv.Itoa(i) }
