package tui

import (
	"strings"
	"time"

	"repairdesk/workflow"
)

// The materials handed over at the counter: the intake form lists the checklist of the
// record being entered (it follows the source, type, problem and tier chosen) and the day
// they were received; the ticked items are received (checked at the counter) from that
// day, so the 收件回执 issued with the case lists them and what is still missing.

// handedFields adds the checklist and the day received to the intake form, after the
// record's fields, and keeps the checklist in step with the record.
func handedFields(c *Common, f *form) {
	f.multi("handed", c.T("f.handed"), handedOptions(c, f), false).optionsOf = func(f *form) []option { return handedOptions(c, f) }
	f.text("handed_date", c.T("f.handed_date"), true, func(v string) (string, bool) {
		if m, w := c.dateCheck(v); m != "" {
			return m, w
		}
		if d, _ := workflow.ParseDate(v); d.After(c.Now()) {
			return c.T("f.date_future"), false
		}
		return "", false
	}).input.SetValue(workflow.Day(c.Now()))
	prev := f.onChange
	f.onChange = func(f *form, fd *field) {
		if prev != nil {
			prev(f, fd)
		}
		switch fd.key {
		case "source", "type", "problem", "tier":
			h := f.get("handed")
			was := h.value()
			h.options = handedOptions(c, f)
			h.sel = min(h.sel, max(0, len(h.options)-1))
			h.setValue(was) // what was ticked stays ticked where it is still on the list
		}
	}
}

func handedOptions(c *Common, f *form) []option {
	var out []option
	for _, m := range c.Store.Catalogue().Checklist([]workflow.Record{recordFromForm(f)}) {
		out = append(out, option{m.Key, safe(m.Name(c.Lang))})
	}
	return out
}

// handedIntake puts what was handed over into the intake: the record's checklist with the
// ticked items received and valid from the day given (the case is received that day).
func handedIntake(c *Common, f *form, in *workflow.Intake) {
	day, err := workflow.ParseDate(f.val("handed_date"))
	at := c.Now()
	if err == nil && workflow.Day(day) != workflow.Day(at) {
		at = day.Add(9 * time.Hour) // a day before today: the start of office hours
		in.ReceivedAt = at
	}
	ticked := map[string]bool{}
	for _, k := range strings.Split(f.val("handed"), ",") {
		ticked[k] = k != ""
	}
	in.Materials = c.Store.Catalogue().Checklist(in.Records)
	for i := range in.Materials {
		if ticked[in.Materials[i].Key] {
			in.Materials[i].Received, in.Materials[i].Valid, in.Materials[i].UpdatedAt = true, true, at
		}
	}
}
