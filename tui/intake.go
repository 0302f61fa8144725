package tui

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"repairdesk/workflow"
)

// newIntakeForm is the form for a new application. Each field validates as the user
// leaves it; nothing is saved until every error is fixed (warnings may stand).
func newIntakeForm(c *Common) *form {
	lang := c.Lang
	f := newForm(c, c.T("intake.title"))
	f.name = "intake"
	f.text("name", c.T("f.enterprise"), true, nil).limitTo(100)
	f.text("credit_code", c.T("f.credit_code"), true, func(v string) (string, bool) {
		if _, fe := workflow.ValidateCreditCode(v); fe != nil {
			return fe.Message(lang), fe.Warning
		}
		return "", false
	})
	f.text("legal_rep", c.T("f.legal_rep"), true, nil).limitTo(40)
	f.text("address", c.T("f.address"), false, nil).limitTo(200)
	f.text("agent", c.T("f.agent"), true, nil).limitTo(40)
	f.text("phone", c.T("f.phone"), true, func(v string) (string, bool) {
		if _, fe := workflow.ValidatePhone(v); fe != nil {
			return fe.Message(lang), false
		}
		return "", false
	})
	f.text("id_number", c.T("f.id_number"), true, func(v string) (string, bool) {
		if _, fe := workflow.ValidateIDNumber(v, c.Now()); fe != nil {
			return fe.Message(lang), false
		}
		return "", false
	})
	f.text("auth", c.T("f.auth"), false, nil)
	recordFields(c, f)
	defer handedFields(c, f) // after onChange is set: it keeps the checklist in step
	// The originals seen at the counter (seed 004): who and when are taken from the save.
	f.multi("seen", c.T("f.seen"), []option{{"agent_id", c.T("f.seen_id")}, {"auth_letter", c.T("f.seen_auth")}}, false)
	// An open case of the enterprise on the same record: warned, and going on needs a reason.
	var dups []string
	f.text("dup_reason", c.T("f.dup_reason"), true, nil).visible = func(*form) bool { return len(dups) > 0 }
	// info is the form's note: what the credit code and the record tell, then the warning
	// of a duplicate (kept apart, as each is worked out when its own fields change).
	var known, dupWarn string
	f.onChange = func(f *form, fd *field) {
		switch fd.key {
		case "credit_code", "source", "type", "institution", "date":
			dups = intakeDuplicates(c, f)
			dupWarn = ""
			if len(dups) > 0 {
				dupWarn = c.T("intake.duplicate", strings.Join(dups, "、"))
			}
		}
		defer func() { f.info = strings.TrimSpace(known + "  " + dupWarn) }()
		if fd.key == "type" || fd.key == "tier" || fd.key == "date" {
			known = publicityInfo(c, f)
			return
		}
		if fd.key != "credit_code" {
			return
		}
		code, fe := workflow.ValidateCreditCode(fd.value())
		if fe != nil && !fe.Warning {
			known = ""
			return
		}
		known = ""
		if fl, ok := c.Store.Filing(code); ok {
			fill := func(key, v string) {
				if fl := f.get(key); fl.value() == "" && v != "" {
					fl.setValue(safe(v))
				}
			}
			fill("name", fl.Enterprise.Name)
			fill("legal_rep", fl.Enterprise.LegalRep)
			fill("address", fl.Enterprise.Address)
			known = c.T("intake.known")
		}
		for sm := range c.Store.Snapshot().All() {
			if sm.CreditCode == code && !sm.Stage.Terminal() {
				known += "  " + c.T("intake.open_case", sm.No)
				break
			}
		}
	}
	return f
}

// intakeDuplicates are the numbers of the enterprise's open cases with a record that is
// the same record (workflow.SameRecord: source, type, institution, date) as the form's.
func intakeDuplicates(c *Common, f *form) []string {
	code, fe := workflow.ValidateCreditCode(f.val("credit_code"))
	if fe != nil && !fe.Warning {
		return nil
	}
	rec := recordFromForm(f)
	rec.Institution = strings.TrimSpace(rec.Institution)
	if d, err := workflow.ParseDate(strings.TrimSpace(rec.Date)); err == nil {
		rec.Date = workflow.Day(d)
	}
	var out []string
	for sm := range c.Store.Snapshot().All() {
		if sm.CreditCode != code || sm.Stage.Terminal() {
			continue
		}
		if cs, err := c.Store.Case(sm.ID); err == nil && cs.SharesRecord([]workflow.Record{rec}) {
			out = append(out, cs.No)
		}
	}
	slices.Sort(out)
	return out
}

// parseYuan reads "12,345.67" as fen.
func parseYuan(v string) (int64, bool) {
	v = strings.ReplaceAll(strings.TrimSpace(v), ",", "")
	v = strings.TrimPrefix(v, "¥")
	if v == "" {
		return 0, true
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || x < 0 || x > 1e13 || math.IsNaN(x) {
		return 0, false
	}
	return int64(math.Round(x * 100)), true
}

// intakeFromForm builds the intake the store will number.
func intakeFromForm(c *Common, f *form) workflow.Intake {
	rec := recordFromForm(f)
	in := workflow.Intake{
		Enterprise: workflow.Enterprise{Name: f.val("name"), CreditCode: f.val("credit_code"), LegalRep: f.val("legal_rep"), Address: f.val("address")},
		Agent:      workflow.Agent{Name: f.val("agent"), Phone: f.val("phone"), IDNumber: f.val("id_number"), AuthLetter: f.val("auth")},
		Records:    []workflow.Record{rec},
		Owner:      c.Me.Name,
	}
	handedIntake(c, f, &in)
	if seen := f.val("seen"); seen != "" {
		in.Seen = &workflow.Seen{AgentID: strings.Contains(seen, "agent_id"), AuthLetter: strings.Contains(seen, "auth_letter")}
	}
	if dups := intakeDuplicates(c, f); len(dups) > 0 { // judged again at the save
		in.Duplicate = &workflow.Duplicate{Of: dups, Reason: f.get("dup_reason").value()}
	}
	return in
}

// publicityInfo tells, as soon as an administrative penalty's date and tier are known,
// the earliest day repair may be requested (the engine refuses acceptance before it).
func publicityInfo(c *Common, f *form) string {
	if f.get("type").value() != "admin_penalty" {
		return ""
	}
	rec := workflow.Record{Type: "admin_penalty", Tier: f.get("tier").value(), Date: f.get("date").value()}
	e := c.Store.Rules().EarliestRepair(rec)
	if e.IsZero() {
		return ""
	}
	if c.Now().Before(e) {
		return c.T("intake.publicity_early", workflow.Day(e))
	}
	return c.T("intake.publicity_ok", workflow.Day(e))
}

// recordFields adds the fields of one contested record (intake, and add_record later).
func recordFields(c *Common, f *form) {
	lang := c.Lang
	f.choice("source", c.T("f.source"), optionsOf("source", lang), true)
	f.choice("type", c.T("f.type"), optionsOf("record_type", lang), true)
	f.text("institution", c.T("f.institution"), true, nil)
	f.text("date", c.T("f.date"), true, func(v string) (string, bool) {
		if m, w := c.dateCheck(v); m != "" {
			return m, w
		}
		if d, _ := workflow.ParseDate(v); d.After(c.Now()) {
			return c.T("f.date_future"), false
		}
		return "", false
	})
	f.text("amount", c.T("f.amount"), false, func(v string) (string, bool) {
		if _, ok := parseYuan(v); !ok {
			return c.T("f.amount_format"), false
		}
		return "", false
	})
	f.choice("problem", c.T("f.problem"), optionsOf("problem", lang), true)
	f.choice("tier", c.T("f.tier"), optionsOf("tier", lang), true).visible = func(f *form) bool {
		return f.get("type").value() == "admin_penalty"
	}
	f.text("detail", c.T("f.detail"), false, nil)
}

func recordFromForm(f *form) workflow.Record {
	amount, _ := parseYuan(f.val("amount"))
	return workflow.Record{Source: f.val("source"), Type: f.val("type"), Institution: f.val("institution"), Date: f.val("date"),
		AmountFen: amount, Problem: f.val("problem"), Tier: f.val("tier"), Detail: f.val("detail")}
}
