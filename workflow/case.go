package workflow

import (
	"fmt"
	"slices"
	"time"
)

// Case is one repair application, the fold of its events. Only Apply changes it.
type Case struct {
	ID      uint32 `json:"id"`
	No      string `json:"no"` // XF-<year>-<6-digit sequence>
	Version int    `json:"version"`
	Stage   Stage  `json:"stage"`

	Enterprise Enterprise `json:"enterprise"`
	Agent      Agent      `json:"agent"`
	Records    []Record   `json:"records"`
	Materials  []Material `json:"materials"`
	Findings   []Finding  `json:"findings,omitempty"`
	Notices    []Notice   `json:"notices,omitempty"`
	Files      []FileRef  `json:"files,omitempty"` // attached files, oldest first

	Owner         string   `json:"owner"`
	Investigators []string `json:"investigators,omitempty"` // recorded a finding or proposed
	Proposer      string   `json:"proposer,omitempty"`
	Round         int      `json:"round"` // formal-review round, from 1

	CreditCodeWarning  bool   `json:"credit_code_warning,omitempty"`  // check digit failed at intake
	CreditCodeOverride string `json:"credit_code_override,omitempty"` // supervisor who confirmed it
	IntakeBy           string `json:"intake_by,omitempty"`            // who took the intake (typed the code): the first responsible person (首问负责, seed 004)
	// Seen: the agent's original ID and the authorisation letter were seen at intake, by
	// whom and when. Duplicate: taken in although the enterprise had an open case on the
	// same record, and why.
	Seen      *Seen      `json:"seen,omitempty"`
	Duplicate *Duplicate `json:"duplicate,omitempty"`
	// FollowUp is the follow-up call after closing (回访): satisfaction and thanks.
	FollowUp *FollowUp `json:"follow_up,omitempty"`

	Proposal     *Proposal     `json:"proposal,omitempty"`
	Returns      int           `json:"returns,omitempty"`
	Approval     *Decision     `json:"approval,omitempty"`
	Decline      *Decline      `json:"decline,omitempty"`
	Submission   *Submission   `json:"submission,omitempty"`
	Outcome      *Outcome      `json:"outcome,omitempty"`
	Notification *Notification `json:"notification,omitempty"`
	Withdrawal   string        `json:"withdrawal,omitempty"`
	// Lapsed: the supplement deadline passed without the materials; the application is
	// deemed withdrawn (视为撤回) and handling ends (终止办理).
	Lapsed bool `json:"lapsed,omitempty"`

	ReceivedAt time.Time `json:"received_at"`
	StageSince time.Time `json:"stage_since"`
	ClosedAt   time.Time `json:"closed_at,omitzero"`
	UpdatedAt  time.Time `json:"updated_at"`
	UpdatedBy  string    `json:"updated_by"`
	Pauses     []Pause   `json:"pauses,omitempty"` // applicant time, not counted on the agency clock
}

// FirstResponsible is the staff member who first took the application (首问负责, seed 004
// §10): who recorded the intake. It stays whoever the case is reassigned to. Empty for
// cases taken in before it was recorded.
func (c *Case) FirstResponsible() string { return c.IntakeBy }

// Enterprise is the applicant (客户备案: one record across all its cases, keyed by CreditCode).
type Enterprise struct {
	Name       string `json:"name"`
	CreditCode string `json:"credit_code"`
	LegalRep   string `json:"legal_rep"`
	Address    string `json:"address,omitempty"`
	Contact    string `json:"contact,omitempty"`
}

// Agent is the person the enterprise sent (经办人). IDNumber and Phone are personal data.
type Agent struct {
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	IDNumber   string `json:"id_number"`
	AuthLetter string `json:"auth_letter,omitempty"` // reference of the 授权委托书 on file
}

// Record is one contested entry in a credit report or public list.
type Record struct {
	Source      string `json:"source"`      // Keys("source")
	Type        string `json:"type"`        // Keys("record_type")
	Institution string `json:"institution"` // the reporting institution or authority
	Date        string `json:"date"`        // YYYY-MM-DD of the record (penalty decision date for admin_penalty)
	AmountFen   int64  `json:"amount_fen,omitempty"`
	Problem     string `json:"problem"`        // Keys("problem")
	Tier        string `json:"tier,omitempty"` // admin_penalty only: Keys("tier")
	Detail      string `json:"detail,omitempty"`
}

// Material is one line of the checklist. A received item can still be invalid.
type Material struct {
	Key      string `json:"key"`
	Label    string `json:"label,omitempty"` // only for items added by hand
	Required bool   `json:"required"`
	Received bool   `json:"received"`
	Valid    bool   `json:"valid"`
	Note     string `json:"note,omitempty"`
	// Waived: not applicable / not required for this case (不适用/免交), with the reason and
	// the supervisor who confirmed it. A waived item is never named in a notice.
	Waived    bool   `json:"waived,omitempty"`
	WaivedBy  string `json:"waived_by,omitempty"`
	WaiverWhy string `json:"waiver_why,omitempty"`
	// UpdatedAt is when the item was last marked (or added), for the one-time notice rule.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Files are the attached files tied to the item (tie_file), in the order tied.
	Files []FileLink `json:"files,omitempty"`
}

// OK: received and valid, or waived.
func (m Material) OK() bool { return m.Received && m.Valid || m.Waived }

// Name is the item's label in lang.
func (m Material) Name(lang string) string {
	if m.Label != "" {
		return m.Label
	}
	return label("material", m.Key, lang)
}

// Finding is one verification result.
type Finding struct {
	Checked  string    `json:"checked"`            // what was checked
	Contact  string    `json:"contact"`            // Keys("contact")
	Method   string    `json:"method"`             // Keys("method")
	Result   string    `json:"result"`             // Keys("result")
	Evidence string    `json:"evidence,omitempty"` // reference, ideally "sha256:<hex>"
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	// Supersedes is the number (from 1) of an earlier finding this one replaces; that one
	// keeps its place in the history with SupersededBy set to this one's number.
	Supersedes   int `json:"supersedes,omitempty"`
	SupersededBy int `json:"superseded_by,omitempty"`
	// Files are the attached files tied to the finding as its evidence (tie_file).
	Files []FileLink `json:"files,omitempty"`
}

// Current: not superseded by a later finding.
func (f Finding) Current() bool { return f.SupersededBy == 0 }

// CurrentFindings are the findings not superseded: what decides the outcome and what the
// letters quote.
func (c *Case) CurrentFindings() []Finding {
	var out []Finding
	for _, f := range c.Findings {
		if f.Current() {
			out = append(out, f)
		}
	}
	return out
}

// hasCurrentResult: a current finding has one of these results.
func (c *Case) hasCurrentResult(results ...string) bool {
	for _, f := range c.Findings {
		if f.Current() && slices.Contains(results, f.Result) {
			return true
		}
	}
	return false
}

// hasSource: a record comes from one of these sources.
func (c *Case) hasSource(srcs ...string) bool {
	for _, r := range c.Records {
		if slices.Contains(srcs, r.Source) {
			return true
		}
	}
	return false
}

// Notice is a one-time notice of missing materials (一次性告知).
type Notice struct {
	Round    int          `json:"round"`
	Items    []NoticeItem `json:"items"`
	At       time.Time    `json:"at"`
	By       string       `json:"by"`
	Deadline time.Time    `json:"deadline"`
	// Override is a supervisor's reason for naming items a later notice may not name by
	// itself (行政许可法 art. 32(4): told once and in full), kept with the notice.
	Override   string `json:"override,omitempty"`
	OverrideBy string `json:"override_by,omitempty"`
}

type NoticeItem struct {
	Key     string `json:"key"`
	Label   string `json:"label,omitempty"`
	Missing bool   `json:"missing"` // false = received but invalid
	Note    string `json:"note,omitempty"`
}

type Proposal struct {
	Conclusion string `json:"conclusion"`
	Plan       string `json:"plan,omitempty"`
	// Override is a supervisor's reason for proposing a repair although a current finding
	// says the record is accurate (确认无误).
	Override string    `json:"override,omitempty"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

type Decision struct {
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Comment string    `json:"comment,omitempty"`
}

type Decline struct {
	Reason      string    `json:"reason"` // Keys("reason")
	Explanation string    `json:"explanation"`
	Avenues     []string  `json:"avenues"`               // Keys("avenue")
	ExpiryDate  string    `json:"expiry_date,omitempty"` // when await_expiry applies
	From        Stage     `json:"from"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

type Submission struct {
	Channel   string    `json:"channel"` // Keys("channel")
	Reference string    `json:"reference"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

type Outcome struct {
	Result string    `json:"result"` // Keys("outcome")
	Note   string    `json:"note,omitempty"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

type Notification struct {
	Channel string    `json:"channel"` // Keys("notify")
	Date    string    `json:"date"`    // YYYY-MM-DD
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// Pause is time the case waited for the applicant. To is zero while still waiting.
type Pause struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// Repaired reports whether the case ended with the record corrected (fully or partly).
func (c *Case) Repaired() bool {
	return c.Outcome != nil && (c.Outcome.Result == "corrected" || c.Outcome.Result == "partly_corrected")
}

// Missing lists the required checklist items not yet received and valid, and every
// received-but-invalid item — exactly what a one-time notice must name.
func (c *Case) Missing() []NoticeItem {
	var out []NoticeItem
	for _, m := range c.Materials {
		switch {
		case m.Waived:
		case m.Required && !m.Received:
			out = append(out, NoticeItem{Key: m.Key, Label: m.Label, Missing: true, Note: m.Note})
		case m.Received && !m.Valid:
			out = append(out, NoticeItem{Key: m.Key, Label: m.Label, Missing: false, Note: m.Note})
		}
	}
	return out
}

func (c *Case) hasInvestigator(name string) bool {
	for _, n := range c.Investigators {
		if n == name {
			return true
		}
	}
	return false
}

func (c *Case) addInvestigator(name string) {
	if !c.hasInvestigator(name) {
		c.Investigators = append(c.Investigators, name)
	}
}

// clone deep-copies the slices so an applied action never mutates the caller's case.
func (c Case) clone() Case {
	c.Records = append([]Record(nil), c.Records...)
	c.Materials = append([]Material(nil), c.Materials...)
	c.Findings = append([]Finding(nil), c.Findings...)
	c.Notices = append([]Notice(nil), c.Notices...)
	c.Investigators = append([]string(nil), c.Investigators...)
	c.Pauses = append([]Pause(nil), c.Pauses...)
	c.Files = append([]FileRef(nil), c.Files...)
	if c.FollowUp != nil {
		fu := *c.FollowUp
		fu.Thanks = slices.Clone(fu.Thanks)
		c.FollowUp = &fu
	}
	return c
}

// CaseNo formats a case number: XF-2026-000123.
func CaseNo(year, seq int) string { return fmt.Sprintf("XF-%d-%06d", year, seq) }

// ParseDate reads YYYY-MM-DD as a day in China time.
func ParseDate(s string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02", s, ChinaTZ)
}

// Day formats t as YYYY-MM-DD in China time.
func Day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(ChinaTZ).Format("2006-01-02")
}
