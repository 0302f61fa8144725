package workflow

import "time"

// ActionKind names what a person does to a case. Stable keys: stored in events.
type ActionKind string

const (
	ActCreate             ActionKind = "create"
	ActUpdateMaterial     ActionKind = "update_material"
	ActAddFinding         ActionKind = "add_finding"
	ActRequestMaterials   ActionKind = "request_materials"
	ActMaterialsReceived  ActionKind = "materials_received"
	ActLapse              ActionKind = "lapse" // the supplement deadline passed: 视为撤回, 终止办理
	ActAccept             ActionKind = "accept"
	ActDecline            ActionKind = "decline"
	ActProposeRepair      ActionKind = "propose_repair"
	ActApprove            ActionKind = "approve"
	ActReturn             ActionKind = "return"
	ActSubmitCorrection   ActionKind = "submit_correction"
	ActRecordOutcome      ActionKind = "record_outcome"
	ActNotifyApplicant    ActionKind = "notify_applicant"
	ActWithdraw           ActionKind = "withdraw"
	ActReassign           ActionKind = "reassign"
	ActOverrideCreditCode ActionKind = "override_credit_code"
	ActComment            ActionKind = "comment"
	ActAddRecord          ActionKind = "add_record"
)

// Actions lists every action kind a person can choose on an existing case, in menu order.
var Actions = []ActionKind{
	ActUpdateMaterial, ActAddRecord, ActRequestMaterials, ActMaterialsReceived, ActLapse, ActOverrideCreditCode, ActAccept,
	ActAddFinding, ActProposeRepair, ActApprove, ActReturn, ActSubmitCorrection,
	ActRecordOutcome, ActNotifyApplicant, ActFollowUp, ActDecline, ActReassign, ActWithdraw, ActComment,
}

func (k ActionKind) Label(lang string) string { return label("action", string(k), lang) }

// Action is one request to change a case. Exactly the payload its Kind needs is set.
// The whole Action is stored in the event, so a case can always be rebuilt by replay.
type Action struct {
	Kind    ActionKind `json:"kind"`
	Actor   string     `json:"actor"`
	Role    Role       `json:"role"`
	At      time.Time  `json:"at"`
	Comment string     `json:"comment,omitempty"`
	// Law is the version of the legal rules the action was checked by (LawVersion when
	// taken; 0 for actions stored before the version existed).
	Law int `json:"law,omitempty"`

	Intake       *Intake         `json:"intake,omitempty"`
	Material     *MaterialUpdate `json:"material,omitempty"`
	Finding      *Finding        `json:"finding,omitempty"`
	Proposal     *Proposal       `json:"proposal,omitempty"`
	Decline      *Decline        `json:"decline,omitempty"`
	Submission   *Submission     `json:"submission,omitempty"`
	Outcome      *Outcome        `json:"outcome,omitempty"`
	Notification *Notification   `json:"notification,omitempty"`
	FollowUp     *FollowUp       `json:"follow_up,omitempty"`
	Assignee     string          `json:"assignee,omitempty"`
	// Record is a further contested record (add_record); Materials are the checklist items
	// it brings that the case lacks, taken from the catalogue by the store so that replay
	// never depends on today's catalogue.
	Record *Record `json:"record,omitempty"`
	// File is the attached file of attach_file (its content is in the store, by hash).
	File *FileRef `json:"file,omitempty"`
	// Tie ties an attached file to a checklist item or a finding (tie_file).
	Tie       *FileTie   `json:"tie,omitempty"`
	Materials []Material `json:"materials,omitempty"`
	// Deadline is the resubmission deadline of a one-time notice; the store fills it from
	// the calendar so replay never depends on today's settings.
	Deadline time.Time `json:"deadline,omitzero"`
	// Previewed is the fingerprint (PreviewPrint) of the letters the staff member saw in
	// the preview before confirming; the store refuses the action when the letters it
	// would issue now differ, so what is stored is what was previewed. "" when the
	// action was not previewed (the command line, imports).
	Previewed string `json:"previewed,omitempty"`
}

// Intake is everything known when the application is taken in. The store assigns ID and No.
type Intake struct {
	ID         uint32     `json:"id"`
	No         string     `json:"no"`
	Enterprise Enterprise `json:"enterprise"`
	Agent      Agent      `json:"agent"`
	Records    []Record   `json:"records"`
	Materials  []Material `json:"materials"` // the checklist, copied from the catalogue at intake
	Owner      string     `json:"owner"`
	ReceivedAt time.Time  `json:"received_at"`
	// Seen: the originals staff saw at the counter (the engine stamps who and when).
	Seen *Seen `json:"seen,omitempty"`
	// Duplicate: the open cases on the same record and the reason to go on.
	Duplicate *Duplicate `json:"duplicate,omitempty"`
}

// MaterialUpdate marks one checklist item. A Key not on the list adds a new item (Label needed).
type MaterialUpdate struct {
	Key      string `json:"key"`
	Label    string `json:"label,omitempty"`
	Required bool   `json:"required,omitempty"`
	Received bool   `json:"received"`
	Valid    bool   `json:"valid"`
	Note     string `json:"note,omitempty"`
	// Waive marks the item not applicable / not required (不适用/免交): a supervisor's
	// decision, Note its reason. Unwaive takes the waiver back.
	Waive   bool `json:"waive,omitempty"`
	Unwaive bool `json:"unwaive,omitempty"`
}

// Event is the immutable record of one applied action.
type Event struct {
	CaseID  uint32     `json:"case_id"`
	Seq     int        `json:"seq"` // the case version this event produced (create = 1)
	Kind    ActionKind `json:"kind"`
	Actor   string     `json:"actor"`
	At      time.Time  `json:"at"`
	From    Stage      `json:"from,omitempty"`
	To      Stage      `json:"to"`
	Comment string     `json:"comment,omitempty"`
	Changes []Change   `json:"changes,omitempty"`
	Action  Action     `json:"action"`
	// Letter is the letter this action produced, stored verbatim (what was sent is kept).
	Letter *Letter `json:"letter,omitempty"`
	// Also are further letters the same action produced (submit_correction: the 情况说明
	// beside the correction report), each with its own verification code.
	Also []Letter `json:"also,omitempty"`
	// Hash chain: PrevHash is the previous event's Hash; Hash covers this event's content.
	PrevHash string `json:"prev_hash,omitempty"`
	Hash     string `json:"hash,omitempty"`
}

// Change is one field that an action changed, for the history view.
type Change struct {
	Field string `json:"field"`
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
}

// Letters are every letter the event issued, in order (none for most events).
func (ev *Event) Letters() []Letter {
	if ev.Letter == nil {
		return nil
	}
	return append([]Letter{*ev.Letter}, ev.Also...)
}

// Letter is a produced document.
type Letter struct {
	Kind  string `json:"kind"` // receipt, notice, decline, result
	Lang  string `json:"lang"`
	Title string `json:"title"`
	Body  string `json:"body"`
	// Code is the letter's verification code (核验码): see LetterCode. Empty on letters
	// issued before codes, and on drafts.
	Code string `json:"code,omitempty"`
}
