package store

import (
	"encoding/binary"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// The store's part of an import (internal/office's ImportCSV is the use case): which
// dedupe key became which case, and one import at a time.

// bImports maps an import dedupe key to the id of the case it created. It is created
// lazily by the first import, so a database that never imported has no such bucket.
var bImports = []byte("imports")

// BeginImport waits for any other import into this store to end, so two runs of the
// same file cannot both create a row; call end when done. It fails with ErrClosed.
func (s *Store) BeginImport() (end func(), err error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	s.importMu.Lock()
	return s.importMu.Unlock, nil
}

// ReadOnly reports whether the store was opened read-only.
func (s *Store) ReadOnly() bool { return s.opts.ReadOnly }

// ImportedCase looks a dedupe key up.
func (s *Store) ImportedCase(key string) (uint32, bool) {
	var id uint32
	_ = s.view(func(tx kv.Tx) error {
		b := tx.Bucket(bImports)
		if b == nil {
			return nil
		}
		if raw := b.Get([]byte(key)); len(raw) == 4 {
			id = binary.BigEndian.Uint32(raw)
		}
		return nil
	})
	return id, id != 0
}

// MarkImported records that key became case id, creating the bucket on first use.
func (s *Store) MarkImported(key string, id uint32) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return s.update(func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bImports)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), u32(id))
	})
}

// CreatedWith looks through the enterprise's cases for one whose create event carries
// this comment (an import names its key there, so a case created by an import that was
// cut off before MarkImported is found, not created twice).
func (s *Store) CreatedWith(creditCode, comment string) (uint32, bool) {
	f, ok := s.Filing(creditCode)
	if !ok {
		return 0, false
	}
	var found uint32
	_ = s.view(func(tx kv.Tx) error {
		for _, id := range f.Cases {
			evs, err := caseEvents(tx, id)
			if err != nil || len(evs) == 0 {
				continue
			}
			var ev struct {
				Kind    workflow.ActionKind `json:"kind"`
				Comment string              `json:"comment"`
			}
			if decodeJSON(evs[0], &ev) == nil && ev.Kind == workflow.ActCreate && ev.Comment == comment {
				found = id
				return nil
			}
		}
		return nil
	})
	return found, found != 0
}
