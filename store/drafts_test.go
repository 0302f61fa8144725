package store_test

import (
	"bytes"
	"os"
	"sync"
	"testing"

	"repairdesk/store"
)

// A burst of submits of one form (three ctrl+s on a laggy link) makes one case: the
// token recorded with the first returns it to the others, concurrent or later.
func TestCreateOnceOneCasePerToken(t *testing.T) {
	s, _, _ := newStore(t)
	var wg sync.WaitGroup
	ids := make([]uint32, 3)
	agains := make([]bool, 3)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs, again, err := s.CreateOnce(wang, intake(entA), "", "tok-1")
			if err != nil {
				t.Error(err)
			}
			ids[i], agains[i] = cs.ID, again
		}()
	}
	wg.Wait()
	if ids[0] != ids[1] || ids[1] != ids[2] || ids[0] == 0 {
		t.Fatalf("one token made cases %v", ids)
	}
	n := 0
	for _, a := range agains {
		if !a {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d of 3 submits reported a new case, want 1", n)
	}
	if got := s.Snapshot().Len(); got != 1 {
		t.Fatalf("%d cases after three submits of one form, want 1", got)
	}
	// Another form instance is another case.
	if cs, again, err := s.CreateOnce(wang, intake(entA), "", "tok-2"); err != nil || again || cs.ID == ids[0] {
		t.Fatalf("second form: %v again=%v id=%d", err, again, cs.ID)
	}
}

// Drafts are kept per staff member, form and case, sealed in the file, and deleted on
// submit or discard.
func TestDraftsSealedPerStaff(t *testing.T) {
	s, path, _ := newStore(t)
	d := store.Draft{Staff: "wangfang", Form: "intake", Fields: map[string]string{"name": "郑州华信", "id_number": "11010519491231002X"}, Token: "t1"}
	if err := s.SaveDraft(d); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDraft(store.Draft{Staff: "wangfang", Form: "decline", CaseID: 7, Fields: map[string]string{"explanation": "逾期已结清"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDraft(store.Draft{Staff: "lijun", Form: "intake", Fields: map[string]string{"name": "李的草稿"}}); err != nil {
		t.Fatal(err)
	}
	got := s.Drafts("wangfang")
	if len(got) != 2 {
		t.Fatalf("wangfang has %d drafts, want 2: %+v", len(got), got)
	}
	var in *store.Draft
	for i := range got {
		if got[i].Form == "intake" {
			in = &got[i]
		}
	}
	if in == nil || in.Fields["id_number"] != "11010519491231002X" || in.Token != "t1" {
		t.Fatalf("intake draft not read back: %+v", got)
	}
	if l := s.Drafts("lijun"); len(l) != 1 || l[0].Fields["name"] != "李的草稿" {
		t.Fatalf("lijun's drafts: %+v", l)
	}
	if err := s.DeleteDraft("wangfang", "intake", 0); err != nil {
		t.Fatal(err)
	}
	if got := s.Drafts("wangfang"); len(got) != 1 || got[0].Form != "decline" {
		t.Fatalf("after delete: %+v", got)
	}
	s.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{"逾期已结清", "李的草稿"} {
		if bytes.Contains(raw, []byte(plain)) {
			t.Fatalf("draft text %q is in the file in the clear", plain)
		}
	}
}
