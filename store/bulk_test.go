package store_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"repairdesk/store"
	"repairdesk/workflow"
)

// TestBulkLoad: cases put through BulkLoad read back as Create and Apply would have left
// them, pass Check, and a case whose events are out of order or that exists is refused.
func TestBulkLoad(t *testing.T) {
	s := impOpen(t, filepath.Join(t.TempDir(), "b.db"))
	at := impNow.Add(-time.Hour)
	idc, _ := workflow.IDCheckChar("41010219900101123")
	id := "41010219900101123" + string(idc)
	ccc, _ := workflow.CreditCodeCheckChar("91410100MA44A5XL0")
	code := "91410100MA44A5XL0" + string(ccc)
	err := s.BulkLoad(func(b *store.Bulk) error {
		nums, err := b.Reserve([]time.Time{at, at})
		if err != nil {
			return err
		}
		var cases []*store.BulkCase
		for i, num := range nums {
			in := workflow.Intake{ID: num.ID, No: num.No, ReceivedAt: at, Owner: impClerk.Name,
				Enterprise: workflow.Enterprise{Name: "郑州测试科技有限公司", CreditCode: code, LegalRep: "张伟", Address: "郑州市金水区花园路1号"},
				Agent:      workflow.Agent{Name: "刘洋", Phone: "13812345678", IDNumber: id, AuthLetter: "SQ-2026-0001"},
				Records:    []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行郑州分行", Date: "2025-03-01", Problem: "wrong_data"}}}
			in.Materials = s.Catalogue().Checklist(in.Records)
			c, ev, err := s.Rules().Apply(workflow.Case{}, impClerk, workflow.Action{Kind: workflow.ActCreate, Actor: impClerk.Name, At: at, Intake: &in})
			if err != nil {
				return err
			}
			bc := b.NewCase()
			if err := bc.Add(&c, &ev); err != nil {
				return err
			}
			if i == 0 {
				if err := bc.Add(&c, &ev); err == nil {
					t.Error("Add took the same event twice")
				}
			}
			cases = append(cases, bc)
		}
		if err := b.Put(cases...); err != nil {
			return err
		}
		return b.Put(cases[0]) // already there: the write fails, and BulkLoad says so
	})
	if err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("BulkLoad putting a case twice: %v", err)
	}
	if n := s.Snapshot().Len(); n != 2 {
		t.Fatalf("%d cases after the load, want 2", n)
	}
	c, err := s.Case(2)
	if err != nil || c.Agent.IDNumber != id || c.Version != 1 {
		t.Fatalf("case 2 reads back as %+v, %v", c, err)
	}
	if f, _ := s.Filing(c.Enterprise.CreditCode); len(f.Cases) != 2 {
		t.Errorf("filing lists %v", f.Cases)
	}
	if p := s.Check(); len(p) > 0 {
		t.Errorf("Check after BulkLoad: %v", p)
	}
}
