// Package workflow is the domain of repairdesk: cases, the stages and actions of the
// repair flowchart, the guards the engine enforces, roles, the materials catalogue,
// validation, deadlines and letters. It is pure Go: no storage, no terminal, no clock —
// time is always passed in.
package workflow

// Stage is a node of the repair flowchart (DESIGN §1). The string values are stable keys
// stored in the database: never rename them.
type Stage string

const (
	StageFormalReview      Stage = "formal_review"
	StageAwaitingMaterials Stage = "awaiting_materials"
	StageInvestigating     Stage = "investigating"
	StagePendingApproval   Stage = "pending_approval"
	StageApproved          Stage = "approved"
	StageSubmitted         Stage = "submitted"
	StageFeedback          Stage = "feedback"
	StageClosed            Stage = "closed"
	StageDeclined          Stage = "declined"
	StageWithdrawn         Stage = "withdrawn"
)

// Stages lists every stage in flowchart order.
var Stages = []Stage{
	StageFormalReview, StageAwaitingMaterials, StageInvestigating, StagePendingApproval,
	StageApproved, StageSubmitted, StageFeedback, StageClosed, StageDeclined, StageWithdrawn,
}

// Terminal reports whether no further stage change is possible.
func (s Stage) Terminal() bool {
	return s == StageClosed || s == StageDeclined || s == StageWithdrawn
}

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool {
	for _, t := range Stages {
		if s == t {
			return true
		}
	}
	return false
}

// Label is the stage's name in the given language ("en" or Chinese by default).
func (s Stage) Label(lang string) string { return label("stage", string(s), lang) }

// Role is what a staff member may do.
type Role string

const (
	RoleSpecialist Role = "specialist"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
	RoleAuditor    Role = "auditor"
)

// Roles lists the roles in order of increasing power (auditor is read-only).
var Roles = []Role{RoleAuditor, RoleSpecialist, RoleSupervisor, RoleAdmin}

func (r Role) Valid() bool {
	switch r {
	case RoleSpecialist, RoleSupervisor, RoleAdmin, RoleAuditor:
		return true
	}
	return false
}

// CanWork: may handle cases (intake, materials, investigation, submission …).
func (r Role) CanWork() bool {
	return r == RoleSpecialist || r == RoleSupervisor || r == RoleAdmin
}

// CanReview: may approve, return or decline at pending_approval, reassign and override
// warnings. An admin is also a supervisor so a one-desk office needs nobody else.
func (r Role) CanReview() bool { return r == RoleSupervisor || r == RoleAdmin }

// CanAdminister: may manage staff, keys and settings.
func (r Role) CanAdminister() bool { return r == RoleAdmin }

// CanRevealPersonal: may show a masked personal field whole (always logged).
func (r Role) CanRevealPersonal() bool { return r.CanWork() }

func (r Role) Label(lang string) string { return label("role", string(r), lang) }

// Staff is a person who uses the console.
type Staff struct {
	Name    string   `json:"name"`    // login name, stable key
	Display string   `json:"display"` // 姓名 shown on screen and letters
	Role    Role     `json:"role"`
	Active  bool     `json:"active"`
	Lang    string   `json:"lang,omitempty"`
	Keys    []string `json:"keys,omitempty"` // SSH public keys, authorized_keys format
}

// Shown is the name to draw for this staff member.
func (s Staff) Shown() string {
	if s.Display != "" {
		return s.Display
	}
	return s.Name
}
