package store

import (
	"encoding/json"
	"slices"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// Filing is the client filing (客户备案): one record per enterprise across all its cases.
type Filing struct {
	Enterprise workflow.Enterprise `json:"enterprise"`
	Cases      []uint32            `json:"cases"`
}

func (s *Store) fileEnterprise(tx kv.Tx, c *workflow.Case) error {
	b := tx.Bucket(bEnterprises)
	key := []byte(c.Enterprise.CreditCode)
	var f Filing
	if raw := b.Get(key); raw != nil {
		if err := json.Unmarshal(raw, &f); err != nil {
			return err
		}
	}
	f.Enterprise = c.Enterprise
	if !slices.Contains(f.Cases, c.ID) {
		f.Cases = append(f.Cases, c.ID)
	}
	v, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return b.Put(key, v)
}

// Filing looks an enterprise up by its credit code.
func (s *Store) Filing(code string) (Filing, bool) {
	var f Filing
	var ok bool
	_ = s.view(func(tx kv.Tx) error {
		raw := tx.Bucket(bEnterprises).Get([]byte(code))
		if raw == nil {
			return nil
		}
		ok = json.Unmarshal(raw, &f) == nil
		return nil
	})
	return f, ok
}
