package workflow

import (
	"strconv"
	"strings"
)

// The checks of a deadline rule as an admin types it, on the command line
// (repairdesk sla set STAGE DAYS --type T) or in the console (:sla STAGE DAYS T): one
// home for both, refusing with the same words.

// refusal is a Refusal whose words are the catalogue's key.
func refusal(code, key string, args ...any) *Refusal { return Refuse(code, key, args...) }

// SLAStage reads the stage of a deadline rule: one with an agency limit (not a terminal
// stage, and not awaiting materials, which is the applicant's time).
func SLAStage(s string) (Stage, error) {
	stage := Stage(strings.TrimSpace(s))
	if !stage.Valid() || stage.Terminal() || stage == StageAwaitingMaterials {
		return "", refusal("sla_stage", "rule.sla_stage", CleanLine(s))
	}
	return stage, nil
}

// SLADays reads the days of a deadline rule: a whole number from 1 to 365.
func SLADays(s string) (int, error) {
	days, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || days < 1 || days > 365 {
		return 0, refusal("sla_days", "rule.sla_days", CleanLine(s))
	}
	return days, nil
}

// SLARecordType checks the record type a rule is limited to.
func SLARecordType(t string) error {
	if Label("record_type", t, "en") == t {
		return refusal("sla_type", "rule.sla_type", CleanLine(t))
	}
	return nil
}

// SLAGoal checks a handling-time baseline and target (`repairdesk sla goal BASELINE
// TARGET`): whole days, 1–365 each, the target below the baseline.
func SLAGoal(baseline, target string) (HandlingGoal, error) {
	b, err := SLADays(baseline)
	if err != nil {
		return HandlingGoal{}, err
	}
	t, err := SLADays(target)
	if err != nil {
		return HandlingGoal{}, err
	}
	if t >= b {
		return HandlingGoal{}, refusal("sla_goal", "rule.sla_goal", t, b)
	}
	return HandlingGoal{Baseline: b, Target: t}, nil
}
