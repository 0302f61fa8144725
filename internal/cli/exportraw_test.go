package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"repairdesk/internal/office"
	"repairdesk/store"
	"repairdesk/workflow"
)

func TestRawEventTypeIsBuilt(t *testing.T) {
	if rawEventType == nil || rawEventTypeErr != nil {
		t.Fatalf("the shape of an event could not be taken from its type, so no event is written from storage: %v", rawEventTypeErr)
	}
	if rawCaseType == nil || rawCaseTypeErr != nil {
		t.Fatalf("the shape of a case could not be taken from its type, so no case is written from storage: %v", rawCaseTypeErr)
	}
}

// TestRawCaseIsTheFullPath is TestRawEventIsTheFullPath for a case: random cases (half
// with texts masking leaves, their agents sealed or not), and their bytes mutated, give
// the full path's bytes (decoded, the agent opened, masked, encoded) or are refused.
func TestRawCaseIsTheFullPath(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 3))
	full := func(js []byte) ([]byte, string, bool) {
		var c workflow.Case
		if json.Unmarshal(js, &c) != nil {
			return nil, "", false
		}
		testOpen(c.ID, &c.Agent)
		mc, _, err := workflow.MaskCaseInPlace(c, nil)
		if err != nil {
			return nil, "", false
		}
		e := exportEnc{}
		if e.encworkflow_Case(&mc, 1) != nil {
			return nil, "", false
		}
		return e.b, c.No, true
	}
	taken, cleanTaken, mutatedTaken, refused := 0, 0, 0, 0
	try := func(js []byte) bool {
		got, no, ok := rawCase([]byte("p"), js, 1, testOpen)
		if !ok {
			if string(got) != "p" {
				t.Fatalf("a refused case left bytes behind: %q", got)
			}
			refused++
			return false
		}
		want, wantNo, fullOK := full(js)
		if !fullOK || !bytes.Equal(got[1:], want) || no != wantNo {
			t.Fatalf("stored bytes\n%s\nwritten (no %q)\n%s\nthe full path (ok %v, no %q) writes\n%s", js, no, got[1:], fullOK, wantNo, want)
		}
		return true
	}
	for i := range 6000 {
		var c workflow.Case
		fillRandom(r, reflect.ValueOf(&c).Elem(), 0)
		clean := i%2 == 0
		if clean {
			cleanStrings(r, reflect.ValueOf(&c).Elem())
			if r.IntN(2) == 0 {
				seal := sealMark + strconv.FormatUint(uint64(c.ID), 10) + ":"
				c.Agent.Phone, c.Agent.IDNumber = seal+c.Agent.Phone, seal+c.Agent.IDNumber
			}
		}
		js, err := json.Marshal(c)
		if err != nil {
			continue
		}
		if try(js) {
			taken++
			if clean {
				cleanTaken++
			}
		}
		m := mutations[r.IntN(len(mutations))](r, js)
		if !bytes.Equal(m, js) && try(m) {
			mutatedTaken++
		}
	}
	t.Logf("taken %d (clean %d), mutated and taken %d, refused %d", taken, cleanTaken, mutatedTaken, refused)
	if cleanTaken < 200 || refused < 2000 {
		t.Fatal("too few of a kind: the comparison says little")
	}
}

// testOpen stands for the store's opening of an agent's sealed fields: a "sealed" value
// here is sealMark, the case id it was sealed under, ":" and the plain value; under
// another case id it does not open (Locked), as a sealed value's bound to its case.
func testOpen(caseID uint32, a *workflow.Agent) error {
	var err error
	for _, p := range []*string{&a.Phone, &a.IDNumber} {
		v, ok := strings.CutPrefix(*p, sealMark)
		if !ok {
			continue
		}
		id, plain, _ := strings.Cut(v, ":")
		if id != strconv.FormatUint(uint64(caseID), 10) {
			*p, err = "Locked", errors.New("the key does not open it")
			continue
		}
		*p = plain
	}
	return err
}

// fullPathEvent is what the export writes for an event's stored JSON js by the full
// path: decoded, its agent opened (testOpen), masked (with an empty case: an event's
// masking does not depend on the case) and encoded at depth 2. masked says whether
// masking changed more than the agent's phone and ID number (which it replaces whole).
// ok is false when the full path fails (then the fast path must refuse the event too).
func fullPathEvent(t *testing.T, js []byte) (out []byte, masked, ok bool) {
	t.Helper()
	var ev workflow.Event
	if json.Unmarshal(js, &ev) != nil {
		return nil, false, false
	}
	if in := ev.Action.Intake; in != nil {
		testOpen(ev.CaseID, &in.Agent)
	}
	var before bytes.Buffer
	e0 := exportEnc{}
	ev0 := workflow.CloneEvent(ev)
	if in := ev0.Action.Intake; in != nil {
		in.Agent.Phone, in.Agent.IDNumber = workflow.MaskPhone(in.Agent.Phone), workflow.MaskID(in.Agent.IDNumber)
	}
	if e0.encworkflow_Event(&ev0, 2) != nil {
		return nil, false, false
	}
	before.Write(e0.b)
	_, evs, err := workflow.MaskCaseInPlace(workflow.Case{No: "T"}, []workflow.Event{ev})
	if err != nil {
		return nil, false, false
	}
	e := exportEnc{}
	if e.encworkflow_Event(&evs[0], 2) != nil {
		return nil, false, false
	}
	return e.b, !bytes.Equal(before.Bytes(), e.b), true
}

// cleanTexts: texts masking leaves as they are (no number), in every escape the encoder
// writes, and some it never writes (invalid UTF-8 becomes \ufffd, which decodes to a
// character written raw: such bytes are not canonical).
var cleanTexts = []string{"", "", "a", "XF-", "征信修复：{}[],", `"quoted" \back\slash`, "<b>&amp;</b>",
	"\u2028\u2029", "\x00\x01\x1f\x7f", "\b\f\n\r\t", "é ü ß", "😀", " ", "0",
	"人民银行征信中心", "一二三四五六七八九十", "见 enc:v1:x（不是密文）", "１２３", "\ufffd", "/slash/", "abc", "enc:v", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}

// cleanStrings replaces every string reachable from v by a clean text, and drops an
// intake.
func cleanStrings(r *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		s := cleanTexts[r.IntN(len(cleanTexts))]
		if r.IntN(200) == 0 {
			s = "\xff\xfe bad \xc3"
		}
		if r.IntN(3) == 0 {
			s += cleanTexts[r.IntN(len(cleanTexts))]
		}
		v.SetString(s)
	case reflect.Pointer:
		if !v.IsNil() {
			if v.Type().Elem() == reflect.TypeFor[workflow.Intake]() && r.IntN(2) == 0 {
				v.SetZero() // an intake, half of the time: masking changes its agent
				return
			}
			cleanStrings(r, v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			cleanStrings(r, v.Index(i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				cleanStrings(r, f)
			}
		}
	}
}

// mutations make stored bytes that decode to an event but are not what the encoder
// writes (or are no event at all): the fast path must refuse each, or give the full
// path's bytes.
var mutations = []func(r *rand.Rand, js []byte) []byte{
	func(r *rand.Rand, js []byte) []byte { return bytes.Replace(js, []byte(`Z"`), []byte(`+00:00"`), 1) },
	func(r *rand.Rand, js []byte) []byte { return bytes.Replace(js, []byte(`Z"`), []byte(`.000Z"`), 1) },
	func(r *rand.Rand, js []byte) []byte { return bytes.Replace(js, []byte(`+08:00"`), []byte(`+0800"`), 1) },
	func(r *rand.Rand, js []byte) []byte { return bytes.Replace(js, []byte(`:0,`), []byte(`:00,`), 1) },
	func(r *rand.Rand, js []byte) []byte { return bytes.Replace(js, []byte(`:0,`), []byte(`:-0,`), 1) },
	func(r *rand.Rand, js []byte) []byte { return bytes.Replace(js, []byte(`:1,`), []byte(`:1.0,`), 1) },
	func(r *rand.Rand, js []byte) []byte { return bytes.Replace(js, []byte(`:1,`), []byte(`:1e0,`), 1) },
	func(r *rand.Rand, js []byte) []byte { return bytes.Replace(js, []byte(`"seq":`), []byte(`"Seq":`), 1) },
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`"case_id":`), []byte(`"seq":0,"case_id":`), 1)
	},
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`{"case_id":`), []byte(`{"case_id":7,"case_id":`), 1)
	},
	func(r *rand.Rand, js []byte) []byte {
		return append(bytes.TrimSuffix(js, []byte("}")), `,"extra":1}`...)
	},
	func(r *rand.Rand, js []byte) []byte {
		return append(bytes.TrimSuffix(js, []byte("}")), `,"hash":""}`...)
	},
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`,"to":`), []byte(`,"comment":"","to":`), 1)
	},
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`,"to":`), []byte(`,"from":"","to":`), 1)
	},
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`,"action":`), []byte(`,"changes":[],"action":`), 1)
	},
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`,"action":`), []byte(`,"changes":null,"action":`), 1)
	},
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`,"role":`), []byte(`,"law":0,"role":`), 1)
	},
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`}`), []byte(`,"deadline":"0001-01-01T00:00:00Z"}`), 1)
	},
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`"avenues":null`), []byte(`"avenues":[]`), 1)
	},
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`"avenues":[]`), []byte(`"avenues":null`), 1)
	},
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`,"seq":`), []byte(`, "seq":`), 1)
	},
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`,"seq":`), []byte(`,"seq" :`), 1)
	},
	func(r *rand.Rand, js []byte) []byte { return append(js, ' ') },
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`"kind":"`), []byte(`"kind":"\u0061`), 1)
	},
	func(r *rand.Rand, js []byte) []byte { return bytes.Replace(js, []byte(`\u003c`), []byte(`<`), 1) },
	func(r *rand.Rand, js []byte) []byte { return bytes.Replace(js, []byte(`\u003c`), []byte(`\u003C`), 1) },
	func(r *rand.Rand, js []byte) []byte { return bytes.Replace(js, []byte(`\n`), []byte(`\u000a`), 1) },
	func(r *rand.Rand, js []byte) []byte { return bytes.Replace(js, []byte(`\u0000`), []byte{0}, 1) },
	func(r *rand.Rand, js []byte) []byte { return bytes.Replace(js, []byte(`\u2028`), []byte("\u2028"), 1) },
	func(r *rand.Rand, js []byte) []byte { return bytes.Replace(js, []byte(`/`), []byte(`\/`), 1) },
	func(r *rand.Rand, js []byte) []byte { return bytes.Replace(js, []byte(`征`), []byte(`\u5f81`), 1) },
	func(r *rand.Rand, js []byte) []byte { return bytes.Replace(js, []byte(`征`), []byte("\xe5\xbe"), 1) },
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`"abc`), []byte(`"enc:v1:abc`), 1)
	},
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`"abc`), []byte(`"13812345678`), 1)
	},
	func(r *rand.Rand, js []byte) []byte { // a number split by an escape
		return bytes.Replace(js, []byte(`"abc`), []byte(`"1381234\u003c5678 138\u00001234\t5678`), 1)
	},
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`"abc`), []byte(`"１３８１２３４５６７８`), 1)
	},
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`"abc`), []byte(`"\u000113812345678`), 1)
	},
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`"action":{`), []byte(`"action":{"intake":null,`), 1)
	},
	func(r *rand.Rand, js []byte) []byte {
		return bytes.Replace(js, []byte(`"letter":{`), []byte(`"letter":null,"x":{`), 1)
	},
	func(r *rand.Rand, js []byte) []byte { // a random byte changed
		if len(js) == 0 {
			return js
		}
		js = bytes.Clone(js)
		const bs = "{}[],:\"\\ 0a-.\x00\xe4"
		js[r.IntN(len(js))] = bs[r.IntN(len(bs))]
		return js
	},
	func(r *rand.Rand, js []byte) []byte { // cut short
		return js[:r.IntN(len(js)+1)]
	},
}

// TestRawEventIsTheFullPath: on random events, and on their bytes made non-canonical in
// the ways listed above, the event written from its stored bytes is the full path's
// event byte for byte, or the fast path refuses it; and it refuses every event masking
// changes (an intake's agent, or a number). Clean events written canonically are all taken (so the export's gain is
// real, and the comparison is not vacuous).
func TestRawEventIsTheFullPath(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 2))
	taken, cleanTaken, refusedMasked, mutatedTaken, mutatedRefused, notCanonical, intakes := 0, 0, 0, 0, 0, 0, 0
	try := func(js []byte, mustTake bool) bool {
		t.Helper()
		prefix := []byte("prefix")
		got, ok := rawEvent(prefix, js, 2, testOpen)
		if !ok {
			if !bytes.Equal(got, prefix) {
				t.Fatalf("a refused event left bytes behind: %q", got)
			}
			if mustTake {
				t.Fatalf("a clean canonical event was not taken:\n%s", js)
			}
			return false
		}
		want, masked, fullOK := fullPathEvent(t, js)
		if !fullOK {
			t.Fatalf("taken from storage, where the full path fails:\n%s", js)
		}
		if masked {
			t.Fatalf("taken from storage, where masking changes the event:\n%s", js)
		}
		if bytes.Contains(js, []byte(`"intake":{`)) {
			intakes++
		}
		if !bytes.Equal(got[len(prefix):], want) {
			t.Fatalf("stored bytes\n%s\nwritten\n%s\nthe full path writes\n%s", js, got[len(prefix):], want)
		}
		return true
	}
	for i := range 16000 {
		var ev workflow.Event
		fillRandom(r, reflect.ValueOf(&ev).Elem(), 0)
		clean := i%2 == 0
		if clean {
			cleanStrings(r, reflect.ValueOf(&ev).Elem())
		}
		locked := false
		if in := ev.Action.Intake; in != nil && r.IntN(2) == 0 { // sealed, as the store keeps them
			id := ev.CaseID
			if r.IntN(8) == 0 {
				id, locked = id+1, true // under another case: it does not open
			}
			seal := sealMark + strconv.FormatUint(uint64(id), 10) + ":"
			in.Agent.Phone, in.Agent.IDNumber = seal+in.Agent.Phone, seal+in.Agent.IDNumber
		}
		js, err := json.Marshal(ev)
		if err != nil {
			continue // a time encoding/json refuses: never stored
		}
		// A clean event is taken, unless its bytes hold what the encoder does not give
		// back (invalid UTF-8, written \ufffd), times the export's encoder leaves to
		// encoding/json, or an agent's field the key does not open.
		agentSealed := false // refused, though only a text that starts so is opened: fail closed
		if in := ev.Action.Intake; in != nil {
			agentSealed = strings.Contains(in.Agent.Name, sealMark) || strings.Contains(in.Agent.AuthLetter, sealMark)
		}
		mustTake := clean && !locked && !agentSealed && !bytes.Contains(js, []byte(`\ufffd`)) && func() bool {
			e := exportEnc{}
			return e.encworkflow_Event(&ev, 2) == nil
		}()
		if clean && !mustTake {
			notCanonical++
		}
		if try(js, mustTake) {
			taken++
			if clean {
				cleanTaken++
			}
		} else if _, masked, ok := fullPathEvent(t, js); ok && masked {
			refusedMasked++
		}
		m := mutations[r.IntN(len(mutations))](r, js)
		if bytes.Equal(m, js) {
			continue
		}
		if try(m, false) {
			mutatedTaken++
		} else {
			mutatedRefused++
		}
	}
	t.Logf("clean but not to be taken (odd times, invalid UTF-8) %d; taken %d (clean %d, with an intake %d); refused with a number to mask %d; mutated: taken %d, refused %d",
		notCanonical, taken, cleanTaken, intakes, refusedMasked, mutatedTaken, mutatedRefused)
	if cleanTaken < 2000 || intakes < 500 || refusedMasked < 1000 || mutatedRefused < 2000 || mutatedTaken < 5 {
		t.Fatal("too few of a kind: the comparison says little")
	}
}

// TestRawEventRefuses: each way stored bytes can differ from what the full path writes,
// or need masking or unsealing, is refused, on a fixed event.
func TestRawEventRefuses(t *testing.T) {
	base := `{"case_id":7,"seq":2,"kind":"comment","actor":"zhang","at":"2026-03-01T09:30:00.5+08:00","to":"formal_review","comment":"见\u003c附件\u003e","action":{"kind":"comment","actor":"zhang","role":"staff","at":"2026-03-01T09:30:00.5+08:00","comment":"ok"},"hash":"ab12"}`
	if _, ok := rawEvent(nil, []byte(base), 2, testOpen); !ok {
		t.Fatal("the base event is not taken")
	}
	for _, c := range []struct{ what, from, to string }{
		{"a time not in the encoder's form", `00.5+08:00","to"`, `00.50+08:00","to"`},
		{"UTC written +00:00", `00.5+08:00","to"`, `00.5+00:00","to"`},
		{"fields out of order", `"kind":"comment","actor":"zhang","at"`, `"actor":"zhang","kind":"comment","at"`},
		{"a field missing", `"actor":"zhang",`, ``},
		{"an omitempty field empty", `"comment":"ok"`, `"comment":""`},
		{"an unknown field", `"hash":"ab12"`, `"hash":"ab12","more":1`},
		{"a key in another case", `"seq":2`, `"SEQ":2`},
		{"a space", `"seq":2`, `"seq": 2`},
		{"a leading zero", `"seq":2`, `"seq":02`},
		{"a fraction", `"seq":2`, `"seq":2.0`},
		{"a uint32 out of range", `"case_id":7`, `"case_id":4294967296`},
		{"a negative uint32", `"case_id":7`, `"case_id":-7`},
		{"an escape the encoder does not write", `"ok"`, `"\u006fk"`},
		{"an HTML character unescaped", `见\u003c附件`, `见<附件`},
		{"a sealed text", `"ok"`, `"enc:v1:AAAA"`},
		{"a mobile number", `"ok"`, `"电话 13812345678"`},
		{"a number after an escape", `"ok"`, `"电话：\t13812345678"`},
		{"a number right after an escape of digits", `"ok"`, `"\u000113812345678"`},
		{"trailing bytes", `"hash":"ab12"}`, `"hash":"ab12"}}`},
	} {
		js := strings.Replace(base, c.from, c.to, 1)
		if js == base {
			t.Fatalf("%s: the replacement does not apply", c.what)
		}
		if _, ok := rawEvent(nil, []byte(js), 2, testOpen); ok {
			t.Errorf("%s: taken from storage:\n%s", c.what, js)
		}
	}

	// A zero time written where omitzero leaves it out, after the same zero time where
	// it is written.
	zero := strings.Replace(strings.ReplaceAll(base, `"2026-03-01T09:30:00.5+08:00"`, `"0001-01-01T00:00:00Z"`),
		`"comment":"ok"}`, `"comment":"ok","deadline":"0001-01-01T00:00:00Z"}`, 1)
	if _, ok := rawEvent(nil, []byte(zero), 2, testOpen); ok || strings.Count(zero, "0001-01-01") != 3 {
		t.Errorf("a zero deadline written: taken from storage:\n%s", zero)
	}

	// An intake: its agent's phone (sealed) and ID number masked whole, the rest as stored.
	withIntake := strings.Replace(base, `"comment":"ok"}`, `"comment":"ok","intake":{"id":7,"no":"X","enterprise":{"name":"a","credit_code":"b","legal_rep":"c"},"agent":{"name":"a","phone":"enc:v1:7:0101234","id_number":"ABCDEFG"},"records":null,"materials":null,"owner":"o","received_at":"2026-03-01T09:30:00Z"}}`, 1)
	got, ok := rawEvent(nil, []byte(withIntake), 2, testOpen)
	if !ok || !bytes.Contains(got, []byte(`"phone": "010**34"`)) || !bytes.Contains(got, []byte(`"id_number": "*****FG"`)) {
		t.Fatalf("an intake with its agent's phone sealed: taken %v, written\n%s", ok, got)
	}
	for _, c := range []struct{ what, from, to string }{
		{"an agent's name with a number", `"name":"a","phone"`, `"name":"a13812345678","phone"`},
		{"an agent's phone sealed under another case", `"phone":"enc:v1:7:0101234"`, `"phone":"enc:v1:8:0101234"`},
		{"an agent's fields out of order", `"name":"a","phone":"enc:v1:7:0101234"`, `"phone":"enc:v1:7:0101234","name":"a"`},
		{"an agent's letter of authority sealed", `"id_number":"ABCDEFG"`, `"id_number":"ABCDEFG","auth_letter":"enc:v1:x"`},
		{"a sealed value outside the agent", `"owner":"o"`, `"owner":"enc:v1:o"`},
		{"an agent's ID number with an escape the encoder does not write", `"id_number":"ABCDEFG"`, `"id_number":"AB\u0043DEFG"`},
	} {
		js := strings.Replace(withIntake, c.from, c.to, 1)
		if js == withIntake {
			t.Fatalf("%s: the replacement does not apply", c.what)
		}
		if _, ok := rawEvent(nil, []byte(js), 2, testOpen); ok {
			t.Errorf("%s: taken from storage:\n%s", c.what, js)
		}
	}
}

// TestRawTimeCanonical: every time rawTimeCanonical accepts is one that decodes to a
// non-zero time the encoder writes as the same bytes; and it accepts the common ones. On
// random times in many zones, and on those times' strings with one byte changed.
func TestRawTimeCanonical(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 4))
	zones := append(randomZones, time.FixedZone("", -12*3600), time.FixedZone("", 14*3600), time.FixedZone("", 23*3600+59*60))
	accepted, mutatedAccepted := 0, 0
	check := func(s []byte) bool {
		if !rawTimeCanonical(s) {
			return false
		}
		var tm time.Time
		if err := tm.UnmarshalJSON(s); err != nil {
			t.Fatalf("%s accepted, but it does not decode: %v", s, err)
		}
		e := exportEnc{}
		if e.time(&tm) != nil || !bytes.Equal(e.b, s) || tm.IsZero() {
			t.Fatalf("%s accepted, but it is written %s (zero %v)", s, e.b, tm.IsZero())
		}
		return true
	}
	for range 300000 {
		var tm time.Time
		switch r.IntN(4) {
		case 0:
			tm = time.Unix(r.Int64N(4e9), 0)
		case 1:
			tm = time.Unix(r.Int64N(253402300799)-62135596800, r.Int64N(1e9)) // years 1 to 9999
		case 2:
			tm = time.Date(r.IntN(10000), time.Month(1+r.IntN(12)), 1+r.IntN(31), r.IntN(24), r.IntN(60), r.IntN(60), []int{0, 500, 1e8, 123456789}[r.IntN(4)], time.UTC)
		default:
			tm = time.Unix(r.Int64N(4e9), r.Int64N(1e9)).Truncate(time.Duration([]int64{1, 1e3, 1e6, 1e9}[r.IntN(4)]))
		}
		tm = tm.In(zones[r.IntN(len(zones))])
		s, err := tm.MarshalJSON()
		if err != nil {
			continue
		}
		if check(s) {
			accepted++
		} else if tm.Year() >= 2 && tm.Year() <= 9999 && !bytes.Contains(s, []byte("+00:00")) {
			t.Fatalf("%s not accepted", s)
		}
		m := bytes.Clone(s)
		const bs = "0123456789+-:.TZz \""
		m[r.IntN(len(m))] = bs[r.IntN(len(bs))]
		if !bytes.Equal(m, s) && check(m) {
			mutatedAccepted++
		}
	}
	t.Logf("accepted %d, mutated and accepted %d", accepted, mutatedAccepted)
	if accepted < 100000 || mutatedAccepted < 1000 {
		t.Fatal("too few of a kind: the comparison says little")
	}
	for _, s := range []string{`"2024-02-29T00:00:00Z"`, `"2023-02-29T00:00:00Z"`, `"1900-02-29T00:00:00Z"`, `"2000-02-29T00:00:00Z"`,
		`"2026-01-02T03:04:05.50Z"`, `"2026-01-02T03:04:05.Z"`, `"2026-01-02T03:04:05+00:00"`, `"2026-01-02T03:04:05-00:00"`,
		`"2026-01-02T03:04:05+24:00"`, `"0001-01-01T00:00:00Z"`, `"2026-01-02T03:04:05.1234567891Z"`, `"2026-01-02T24:00:00Z"`,
		`"2026-01-02T03:04:60Z"`, `"2026-13-02T03:04:05Z"`, `"2026-04-31T03:04:05Z"`} {
		var tm time.Time
		ok := tm.UnmarshalJSON([]byte(s)) == nil
		e := exportEnc{}
		ok = ok && e.time(&tm) == nil && string(e.b) == s && !tm.IsZero()
		if rawTimeCanonical([]byte(s)) != ok {
			t.Errorf("%s: accepted %v, canonical %v", s, !ok, ok)
		}
	}
}

// FuzzRawEvent: whatever bytes the fast path takes, the full path reads and writes the
// same, with nothing masked but an agent's phone and ID number.
func FuzzRawEvent(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 30 {
		var ev workflow.Event
		fillRandom(r, reflect.ValueOf(&ev).Elem(), 0)
		cleanStrings(r, reflect.ValueOf(&ev).Elem())
		if js, err := json.Marshal(ev); err == nil {
			f.Add(js)
		}
	}
	f.Fuzz(func(t *testing.T, js []byte) {
		got, ok := rawEvent(nil, js, 2, testOpen)
		if !ok {
			return
		}
		want, masked, fullOK := fullPathEvent(t, js)
		if !fullOK || masked || !bytes.Equal(got, want) {
			t.Fatalf("taken from storage\n%s\nwritten\n%s\nthe full path (ok %v, masked %v) writes\n%s", js, got, fullOK, masked, want)
		}
	})
}

// TestExportTakesStoredEvents: a JSON export of a demo office (with cases whose texts
// hold numbers, sealed in the file and masked in the output) writes most events from
// their stored bytes, and its output is byte for byte the output with every event
// decoded, masked and encoded.
func TestExportTakesStoredEvents(t *testing.T) {
	st := piiDemoOffice(t)
	// Three clean cases get a comment with a number, then one without: their events
	// begin in place after the case, and the number sends them the other way.
	for _, id := range []uint32{10, 20, 30} {
		c, err := st.Case(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range []string{piiTyped["hyphen"], "已电话联系企业"} {
			if c, err = st.Apply(c.ID, c.Version, cliSpecialist, workflow.Action{Kind: workflow.ActComment, Comment: text}); err != nil {
				t.Fatal(err)
			}
		}
	}
	export := func(fullPath bool) ([]byte, *exporter) {
		x := &exporter{st: st, lang: "zh", names: staffNames(st), now: time.Now(), keep: []string{st.Settings().Letterhead.Phone},
			ctx: context.Background(), work: &work{}, fullPath: fullPath}
		var out bytes.Buffer
		if _, err := x.json(&out, nil, time.Time{}); err != nil {
			t.Fatal(err)
		}
		return out.Bytes(), x
	}
	fast, x := export(false)
	full, y := export(true)
	if !bytes.Equal(fast, full) {
		i := 0
		for i < min(len(fast), len(full)) && fast[i] == full[i] {
			i++
		}
		t.Fatalf("the export differs from the full path's at byte %d:\n%s\nagainst\n%s", i, fast[max(0, i-200):min(len(fast), i+200)], full[max(0, i-200):min(len(full), i+200)])
	}
	if !bytes.Contains(fast, []byte("****")) {
		t.Fatal("nothing was masked: the comparison says little")
	}
	t.Logf("%d cases written from storage", x.casesTaken.Load())
	if x.casesTaken.Load() < 250 || y.casesTaken.Load() != 0 {
		t.Fatalf("cases written from storage: %d of 305, %d with the full path", x.casesTaken.Load(), y.casesTaken.Load())
	}
	if y.taken.Load() != 0 || x.seen.Load() != y.seen.Load() {
		t.Fatalf("events taken: %d of %d with the full path, %d of %d without", y.taken.Load(), y.seen.Load(), x.taken.Load(), x.seen.Load())
	}
	t.Logf("%d of %d events written from storage", x.taken.Load(), x.seen.Load())
	if x.taken.Load() < x.seen.Load()*3/4 {
		t.Fatalf("only %d of %d events written from storage", x.taken.Load(), x.seen.Load())
	}
	if x.directLeft.Load() < 3 || y.directLeft.Load() != 0 {
		t.Fatalf("items whose events left the place after the case: %d, %d with the full path", x.directLeft.Load(), y.directLeft.Load())
	}
	// An item written whole from storage is not given to masking (item): what masking
	// would have been given there — the case's number and zero Events — it passes
	// unchanged, without an error, for every case of the office.
	if x.maskSkipped.Load() < 250 || y.maskSkipped.Load() != 0 {
		t.Fatalf("items not given to masking: %d, %d with the full path", x.maskSkipped.Load(), y.maskSkipped.Load())
	}
	all, err := st.AllCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all {
		evs := make([]workflow.Event, 40)
		mc, mevs, err := x.mask(workflow.Case{No: c.No}, evs)
		if err != nil || !reflect.DeepEqual(mc, workflow.Case{No: c.No}) || len(mevs) != len(evs) || !reflect.DeepEqual(mevs, make([]workflow.Event, 40)) {
			t.Fatalf("case %s: masking its number and zero events gives %+v, %d events, %v", c.No, mc, len(mevs), err)
		}
	}
}

// piiDemoOffice is a demo office of 300 cases with five more whose free text holds ID
// and mobile numbers (addPIICases), closed when the test ends.
func piiDemoOffice(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "t.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := office.GenerateDemo(st, 300, 29); err != nil {
		t.Fatal(err)
	}
	addPIICases(t, st, 5)
	return st
}
