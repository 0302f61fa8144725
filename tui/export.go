package tui

import (
	"os"
	"path/filepath"
	"slices"

	"repairdesk/internal/csvout"
	"repairdesk/store"
	"repairdesk/workflow"
)

// exportMarked writes the marked cases (or the selected one) as a CSV that Excel opens
// with Chinese intact. It holds what the queue shows: no personal data.
func exportMarked(c *Common, q *queue) (string, int, error) {
	var rows []*store.Summary
	snap := c.Store.Snapshot()
	for id := range q.marked {
		if sm, ok := snap.Get(id); ok {
			rows = append(rows, sm)
		}
	}
	if len(rows) == 0 {
		if sm := q.selected(); sm != nil {
			rows = append(rows, sm)
		}
	}
	if len(rows) == 0 {
		return "", 0, nil
	}
	slices.SortFunc(rows, func(a, b *store.Summary) int { return int(a.ID) - int(b.ID) })
	if err := os.MkdirAll(c.ExportDir, 0o700); err != nil {
		return "", 0, err
	}
	path := filepath.Join(c.ExportDir, "cases-"+c.Now().In(workflow.ChinaTZ).Format("20060102-150405")+".csv")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", 0, err
	}
	w := csvout.New(f, true) // BOM, formula cells neutralised
	lang := c.Lang
	w.Row(c.T("col.no"), c.T("col.enterprise"), c.T("case.credit_code"), c.T("col.type"), c.T("col.stage"),
		c.T("col.owner"), c.T("case.received"), c.T("col.due"), c.T("col.updated"))
	for _, sm := range rows {
		due := ""
		if !sm.Due.At.IsZero() {
			due = workflow.Day(sm.Due.At)
		}
		w.Row(sm.No, workflow.MaskText(workflow.CleanLine(sm.Enterprise)), sm.CreditCode, labelOf("record_type", sm.RecordType, lang),
			sm.Stage.Label(lang), c.staffName(sm.Owner), workflow.Day(sm.ReceivedAt), due,
			sm.UpdatedAt.In(workflow.ChinaTZ).Format("2006-01-02 15:04"))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		os.Remove(path)
		return "", 0, err
	}
	return path, len(rows), f.Close()
}
