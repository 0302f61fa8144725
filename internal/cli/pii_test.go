package cli

import (
	"encoding/binary"
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

// Numbers typed into free text, one per form (issue 11 §5): each must come out masked in
// every export and letter.
func piiIDOf(first17 string) string {
	c, _ := workflow.IDCheckChar(first17)
	return first17 + string(c)
}

var (
	piiLetters = piiIDOf("11010519850206901") // ID110105198502069016abc
	piiFull    = piiIDOf("31010419900101123") // full-width digits
	piiSpaced  = piiIDOf("44030619880512352") // 440306 19880512 3528
	piiHyphen  = piiIDOf("32010219750823572") // 320-102-…
	piiLowerX  = "44010619920315017X"         // typed with a lower-case x
	piiMobile  = "13912340987"                // +86 139 1234 0987
	piiNumbers = []string{piiLetters, piiFull, piiSpaced, piiHyphen, piiLowerX, piiMobile}
)

func piiFullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r = '０' + (r - '0')
		}
		b.WriteRune(r)
	}
	return b.String()
}

var piiTyped = map[string]string{
	"detail":      "经办人证件ID" + piiLetters + "abc",
	"note":        "复印件号码" + piiFullWidth(piiFull) + "模糊",
	"spaced":      "核对 " + piiSpaced[:6] + " " + piiSpaced[6:14] + " " + piiSpaced[14:],
	"hyphen":      "证号" + piiHyphen[:3] + "-" + piiHyphen[3:6] + "-" + piiHyphen[6:15] + "-" + piiHyphen[15:],
	"explanation": "冒名经办人" + strings.ToLower(piiLowerX) + "，手机 +86 " + piiMobile[:3] + " " + piiMobile[3:7] + " " + piiMobile[7:],
}

// piiDB makes a case whose free text holds every form: a record detail, a material note
// (in the notice), two comments, and a decline explanation (in the decline letter).
func piiDB(t *testing.T) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.db")
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)
	st, err := store.Open(path, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.PutStaff(workflow.Staff{}, cliSpecialist); err != nil {
		t.Fatal(err)
	}
	return path, piiCase(t, st, "郑州华信商贸有限公司", now, "").No
}

// piiCase makes a case of name received at now whose record detail, material note, two
// comments (the second with tail after it) and decline explanation hold the numbers of
// piiTyped.
func piiCase(t *testing.T, st *store.Store, name string, now time.Time, tail string) workflow.Case {
	t.Helper()
	in := workflow.Intake{
		Enterprise: workflow.Enterprise{Name: name, CreditCode: "91110000600037341L", LegalRep: "张建国"},
		Agent:      workflow.Agent{Name: "王桂英", Phone: "13812345678", IDNumber: cliID},
		Records: []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行郑州分行", Date: "2025-03-01",
			Problem: "non_malicious_overdue", Detail: piiTyped["detail"]}},
		Owner: cliSpecialist.Name, ReceivedAt: now,
	}
	c, err := st.Create(cliSpecialist, in, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []workflow.Action{
		{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: c.Materials[0].Key, Received: true, Note: piiTyped["note"]}},
		{Kind: workflow.ActRequestMaterials},
		{Kind: workflow.ActComment, Comment: piiTyped["spaced"]},
		{Kind: workflow.ActComment, Comment: piiTyped["hyphen"] + tail},
		{Kind: workflow.ActMaterialsReceived},
		{Kind: workflow.ActDecline, Decline: &workflow.Decline{Reason: "out_of_scope", Explanation: piiTyped["explanation"], Avenues: []string{"institution_dispute"}}},
	} {
		if c, err = st.Apply(c.ID, c.Version, cliSpecialist, a); err != nil {
			t.Fatalf("%s: %v", a.Kind, err)
		}
	}
	return c
}

// piiNoneWhole fails if out holds any of the numbers whole, in any typed form, and checks
// the masked forms are there.
func piiNoneWhole(t *testing.T, what, out string, masked ...string) {
	t.Helper()
	for name, v := range piiTyped {
		if strings.Contains(out, v) {
			t.Errorf("%s: the %s text is there as typed", what, name)
		}
	}
	for _, n := range piiNumbers {
		for _, form := range []string{n, strings.ToLower(n), piiFullWidth(n), n[:len(n)-4]} {
			if strings.Contains(out, form) {
				t.Errorf("%s: %q is there whole", what, form)
			}
		}
	}
	for _, m := range masked {
		if !strings.Contains(out, m) {
			t.Errorf("%s: the masked %q is missing", what, m)
		}
	}
}

func TestPIIExportJSON(t *testing.T) {
	db, _ := piiDB(t)
	code, out, errs := cli(t, "export", "--format", "json", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	piiNoneWhole(t, "json export", out, workflow.MaskID(piiLetters), workflow.MaskID(piiFull), workflow.MaskID(piiSpaced),
		workflow.MaskID(piiHyphen), workflow.MaskID(piiLowerX), workflow.MaskPhone(piiMobile))
}

func TestPIIExportCSV(t *testing.T) {
	db, _ := piiDB(t)
	f := filepath.Join(t.TempDir(), "cases.csv")
	if code, _, errs := cli(t, "export", "--format", "csv", "--out", f, "--db", db); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	cases, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	events, err := os.ReadFile(filepath.Join(filepath.Dir(f), "cases-events.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// The cases table holds no free text but the agent's fields; the events table holds
	// the comments (the decline's explanation is its comment-less action: see the letter).
	piiNoneWhole(t, "csv export", string(cases)+string(events), workflow.MaskID(piiSpaced), workflow.MaskID(piiHyphen))
	_, out, _ := cli(t, "export", "--format", "csv", "--db", db)
	piiNoneWhole(t, "csv export to standard output", out, workflow.MaskID(piiSpaced), workflow.MaskID(piiHyphen))
}

func TestPIILetters(t *testing.T) {
	db, no := piiDB(t)
	for kind, masked := range map[string][]string{
		"receipt": {workflow.MaskID(piiLetters)},
		"notice":  {workflow.MaskID(piiFull)},
		"decline": {workflow.MaskID(piiLowerX), workflow.MaskPhone(piiMobile)},
	} {
		for _, format := range []string{"text", "html"} {
			code, out, errs := cli(t, "letter", no, kind, "--format", format, "--db", db)
			if code != 0 {
				t.Fatalf("%s %s: exit %d: %s", kind, format, code, errs)
			}
			piiNoneWhole(t, kind+" letter ("+format+")", out, masked...)
		}
	}
}

// A case that cannot be masked (a number where no text is expected: here a stage altered
// in the file) stops the export with a message naming it; no file is left behind and
// nothing of the case reaches standard output.
func TestPIIExportFailsClosed(t *testing.T) {
	db, no := piiDB(t)
	b, err := bolt.Open(db, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		k := binary.BigEndian.AppendUint32(nil, 1)
		var c map[string]any
		js, err := store.ValueJSON(tx.Bucket([]byte("cases")).Get(k))
		if err != nil {
			return err
		}
		if err := json.Unmarshal(js, &c); err != nil {
			return err
		}
		c["stage"] = "tel " + piiMobile
		v, _ := json.Marshal(c)
		return tx.Bucket([]byte("cases")).Put(k, v)
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh", "en"} {
		f := filepath.Join(t.TempDir(), "out.json")
		code, _, errs := cli(t, "export", "--format", "json", "--out", f, "--db", db, "--lang", lang)
		want := map[string]string{"zh": "脱敏后仍含", "en": "still holds an ID or phone number"}[lang]
		if code != 1 || !strings.Contains(errs, no) || !strings.Contains(errs, "case.stage") || !strings.Contains(errs, want) {
			t.Errorf("%s: exit %d: %s", lang, code, errs)
		}
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s: the export file was left: %v", lang, err)
		}
	}
	code, out, _ := cli(t, "export", "--format", "csv", "--db", db)
	if code != 1 || strings.Contains(out, piiMobile) {
		t.Errorf("csv to standard output: exit %d, holds the number: %v", code, strings.Contains(out, piiMobile))
	}
}
