package workflow

import (
	"slices"

	"repairdesk/internal/msg"
)

// label looks up the display name of an enumerated value in the catalogue (internal/msg,
// labels.go); a value it does not know shows as itself. The domain owns the enumerations
// (their order below) because letters (pure workflow) need them as much as the screens do.
func label(kind, key, lang string) string { return msg.Label(kind, key).Localize(lang) }

// Label exposes the enumeration labels: kind is one of stage, role, action, source,
// record_type, problem, tier, material, reason, avenue, channel, outcome, method, result.
func Label(kind, key, lang string) string { return label(kind, key, lang) }

// Keys returns the keys of one enumeration in their defined order.
func Keys(kind string) []string {
	return append([]string(nil), enumOrder[kind]...)
}

// isKey reports whether v is one of the keys of kind, without Keys' copy of the list
// (the engine checks several per event: each copy was garbage of every replay).
func isKey(kind, v string) bool { return slices.Contains(enumOrder[kind], v) }

var enumOrder = map[string][]string{
	"source":        {"pbc", "baihang", "pudao", "creditchina", "gsxt", "court", "tax", "other"},
	"record_type":   {"overdue_loan", "admin_penalty", "guarantee", "tax_arrears", "court_dishonest", "identity_error"},
	"problem":       {"wrong_data", "outdated", "non_malicious_overdue", "corrected_dishonest", "identity_misuse"},
	"tier":          {"minor", "general", "serious"},
	"reason_formal": {"out_of_scope", "whitewash", "publicity_period"},
	"reason":        {"out_of_scope", "whitewash", "publicity_period", "record_accurate", "insufficient_evidence", "other"},
	"avenue": {"institution_dispute", "pbc_complaint", "civil_suit", "creditchina_repair", "creditchina_appeal", "gsxt_repair",
		"court_correction", "court_review", "tax_reassessment", "reconsideration_litigation", "await_expiry"},
	"channel": {"pbc_dispute", "baihang", "pudao", "creditchina", "gsxt", "institution", "court", "tax"},
	"outcome": {"corrected", "partly_corrected", "not_corrected", "unconfirmed"},
	"notify":  {"letter", "email", "phone", "sms", "in_person"},
	// The follow-up call (回访): satisfaction, and thanks received (seed 001: 感谢信/锦旗).
	"satisfaction": {"satisfied", "basically_satisfied", "dissatisfied"},
	"thanks":       {"letter", "banner"},
	"method":       {"phone", "letter", "onsite", "system", "document"},
	"result":       {"confirmed_wrong", "corrected_eligible", "confirmed_accurate", "cannot_determine"},
	"contact":      {"bank", "credit_center", "court", "regulator", "enterprise", "site_visit", "other"},
}
