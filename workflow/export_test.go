package workflow

// ValidEvidenceForTest exposes the evidence-reference rule to the external tests.
var ValidEvidenceForTest = validEvidence
