package store_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store"
	"repairdesk/workflow"
)

// Numbers typed into free text, one per form, each a number used nowhere else.
var (
	ftLetters  = crIDNumber("11010519850206901") // ID110105…abc
	ftFull     = crIDNumber("31010419900101123") // full-width digits
	ftSpaced   = crIDNumber("44030619880512341") // 440306 19880512 341x
	ftHyphen   = crIDNumber("32010219750823561") // 320-102-…
	ftLowerX   = "11010519491231002X"            // typed with a lower-case x
	ftMobile   = "13912340987"                   // +86 139 1234 0987
	ftAllTyped = []string{ftLetters, ftFull, ftSpaced, ftHyphen, ftLowerX, ftMobile}
)

func ftFullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r = '０' + (r - '0')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ftTexts are the free texts of the fixture, in the forms people type them.
func ftTexts() map[string]string {
	return map[string]string{
		"detail":   "经办人证件ID" + ftLetters + "abc",
		"note":     "复印件上号码：" + ftFullWidth(ftFull),
		"spaced":   "核对 " + ftSpaced[:6] + " " + ftSpaced[6:14] + " " + ftSpaced[14:],
		"hyphen":   "证号" + ftHyphen[:3] + "-" + ftHyphen[3:6] + "-" + ftHyphen[6:15] + "-" + ftHyphen[15:],
		"lowerx":   "另一经办人" + strings.ToLower(ftLowerX) + "到场",
		"withdraw": "企业来电撤回，联系人手机 +86 " + ftMobile[:3] + " " + ftMobile[3:7] + " " + ftMobile[7:],
	}
}

// ftFixture makes a case whose free text holds every form, closes the store and returns
// the path and the case id.
func ftFixture(t *testing.T) (string, uint32) {
	t.Helper()
	t.Setenv(store.KeyEnv, "")
	path := filepath.Join(t.TempDir(), "repairdesk.db")
	s := crOpen(t, path, store.Options{})
	tx := ftTexts()
	in := crIntake(crID, crPhone)
	in.Records[0].Detail = tx["detail"]
	c, err := s.Create(crStaff, in, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []workflow.Action{
		{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: c.Materials[0].Key, Received: true, Note: tx["note"]}},
		{Kind: workflow.ActComment, Comment: tx["spaced"]},
		{Kind: workflow.ActComment, Comment: tx["hyphen"]},
		{Kind: workflow.ActComment, Comment: tx["lowerx"]},
		{Kind: workflow.ActWithdraw, Comment: tx["withdraw"]},
	} {
		if c, err = s.Apply(c.ID, c.Version, crStaff, a); err != nil {
			t.Fatalf("%s: %v", a.Kind, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, c.ID
}

// The file holds none of the numbers typed into free text, in any form, after Close; the
// store reads every text back as typed, and the hash chain and check still hold.
func TestFreeTextNumbersSealedOnDisk(t *testing.T) {
	path, id := ftFixture(t)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range ftTexts() {
		if bytes.Contains(b, []byte(v)) {
			t.Errorf("the file holds the %s text as typed", name)
		}
	}
	for _, n := range ftAllTyped {
		for _, form := range []string{n, strings.ToLower(n), ftFullWidth(n), n[:len(n)-3]} {
			if bytes.Contains(b, []byte(form)) {
				t.Errorf("the file holds %q in plaintext", form)
			}
		}
	}
	if bytes.Contains(b, []byte(ftMobile[3:7]+" "+ftMobile[7:])) {
		t.Error("the file holds the mobile number in plaintext")
	}

	s := crOpen(t, path, store.Options{})
	c, err := s.Case(id)
	if err != nil {
		t.Fatal(err)
	}
	tx := ftTexts()
	if c.Records[0].Detail != tx["detail"] || c.Materials[0].Note != tx["note"] || c.Withdrawal != tx["withdraw"] {
		t.Fatalf("read back: detail %q, note %q, withdrawal %q", c.Records[0].Detail, c.Materials[0].Note, c.Withdrawal)
	}
	evs, err := s.Events(id)
	if err != nil {
		t.Fatal(err)
	}
	var comments []string
	for _, ev := range evs {
		if ev.Comment != "" {
			comments = append(comments, ev.Comment)
		}
		if got := s.EventHash(ev); got != ev.Hash {
			t.Errorf("event %d: EventHash %s, stored %s", ev.Seq, got, ev.Hash)
		}
	}
	if want := []string{tx["spaced"], tx["hyphen"], tx["lowerx"], tx["withdraw"]}; strings.Join(comments, "|") != strings.Join(want, "|") {
		t.Fatalf("comments read back: %q", comments)
	}
	if evs[0].Action.Intake.Records[0].Detail != tx["detail"] {
		t.Fatalf("create event detail: %q", evs[0].Action.Intake.Records[0].Detail)
	}
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("Check: %v", p)
	}
	// The receipt letter shows the detail masked.
	if l := evs[0].Letter; l == nil || strings.Contains(l.Body, ftLetters) || !strings.Contains(l.Body, workflow.MaskID(ftLetters)) {
		t.Fatalf("receipt letter: %+v", l)
	}

	// Text without a number stays as typed in the file (searchable, readable by check).
	var stored workflow.Case
	s.Close()
	if err := json.Unmarshal(crRaw(t, path, "cases", crU32(id)), &stored); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored.Records[0].Detail, "enc:v1:") || stored.Records[0].Institution != "中国工商银行郑州分行" {
		t.Fatalf("stored record: %+v", stored.Records[0])
	}
	// Without the key the file still checks, and the sealed text reads as Locked.
	if err := os.Remove(path + ".key"); err != nil {
		t.Fatal(err)
	}
	s = crOpen(t, path, store.Options{ReadOnly: true})
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("Check without the key: %v", p)
	}
	if c, _ := s.Case(id); c.Records[0].Detail != store.Locked {
		t.Fatalf("without the key the detail reads %q", c.Records[0].Detail)
	}
}

// Text typed to look like a sealed value reads back as typed.
func TestFreeTextLooksSealed(t *testing.T) {
	t.Setenv(store.KeyEnv, "")
	path := filepath.Join(t.TempDir(), "repairdesk.db")
	s := crOpen(t, path, store.Options{})
	c, err := s.Create(crStaff, crIntake(crID, crPhone), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(c.ID, 1, crStaff, workflow.Action{Kind: workflow.ActComment, Comment: "enc:v1:不是密文"}); err != nil {
		t.Fatal(err)
	}
	evs, _ := s.Events(c.ID)
	if evs[1].Comment != "enc:v1:不是密文" {
		t.Fatalf("read back %q", evs[1].Comment)
	}
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("Check: %v", p)
	}
}

// A file from before free text was sealed: its plaintext stays readable, and once the case
// is written again (sealed) while its old event keeps the plaintext, check still agrees.
func TestFreeTextLegacyPlaintext(t *testing.T) {
	t.Setenv(store.KeyEnv, "")
	path := filepath.Join(t.TempDir(), "repairdesk.db")
	s := crOpen(t, path, store.Options{})
	c, err := s.Create(crStaff, crIntake(crID, crPhone), "")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	detail := "旧数据：经办人身份证 " + ftLetters
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		// An old file had no anchors either (rewriting an anchored event is what the
		// anchor log exists to catch).
		if err := tx.Bucket([]byte("meta")).Delete([]byte("anchor.next")); err != nil {
			return err
		}
		var sc workflow.Case
		var ev workflow.Event
		if err := json.Unmarshal(valueJSON(t, tx.Bucket([]byte("cases")).Get(crU32(c.ID))), &sc); err != nil {
			return err
		}
		if err := json.Unmarshal(rawEvents(t, tx, c.ID)[0], &ev); err != nil {
			return err
		}
		sc.Records[0].Detail = detail
		ev.Action.Intake.Records[0].Detail = detail
		ev.Hash = store.EventHash(ev)
		cb, _ := json.Marshal(sc)
		eb, _ := json.Marshal(ev)
		if err := tx.Bucket([]byte("cases")).Put(crU32(c.ID), cb); err != nil {
			return err
		}
		return putRawEvent(t, tx, c.ID, 1, eb)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{".anchors", ".anchor-key", ".anchor-key.pub"} {
		if err := os.Remove(path + f); err != nil {
			t.Fatal(err)
		}
	}
	s = crOpen(t, path, store.Options{})
	if got, _ := s.Case(c.ID); got.Records[0].Detail != detail {
		t.Fatalf("old plaintext reads %q", got.Records[0].Detail)
	}
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("Check of the old file: %v", p)
	}
	if _, err := s.Apply(c.ID, 1, crStaff, workflow.Action{Kind: workflow.ActComment, Comment: "续办"}); err != nil {
		t.Fatal(err)
	}
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("Check after the case was sealed on a later write: %v", p)
	}
	s.Close()
	var stored workflow.Case
	if err := json.Unmarshal(crRaw(t, path, "cases", crU32(c.ID)), &stored); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored.Records[0].Detail, "enc:v1:") {
		t.Fatalf("the rewritten case keeps the number as typed: %q", stored.Records[0].Detail)
	}
}
