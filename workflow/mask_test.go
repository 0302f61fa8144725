package workflow

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fillStrings sets every settable string reachable from v (allocating pointers and giving
// slices one element) to s, so a test sees every field, including ones added later.
func fillStrings(v reflect.Value, s string) {
	switch v.Kind() {
	case reflect.String:
		if v.Type() == reflect.TypeOf("") { // the enumerations (Stage, ActionKind, Role) are not text
			v.SetString(s)
		}
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fillStrings(v.Elem(), s)
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		}
		for i := 0; i < v.Len(); i++ {
			fillStrings(v.Index(i), s)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).CanSet() {
				fillStrings(v.Field(i), s)
			}
		}
	}
}

// Every string field of a case and of an event, filled with text holding each form of
// number, comes out of MaskCase with no number left and no error: the explicit walk
// covers every field there is (a field added later and not walked fails this test).
func TestMaskCaseCoversEveryField(t *testing.T) {
	forms := []string{
		"备注ID110105198502069016abc",
		"全角１１０１０５１９８５０２０６９０１６",
		"空格 110105 19850206 9016",
		"连字符110-105-198502069-016",
		"小写11010519491231002x结尾",
		"手机+86 138 1234 5678",
	}
	for _, form := range forms {
		var c Case
		var ev Event
		fillStrings(reflect.ValueOf(&c), form)
		fillStrings(reflect.ValueOf(&ev), form)
		mc, mevs, err := MaskCase(c, []Event{ev})
		if err != nil {
			t.Fatalf("%q: %v", form, err)
		}
		if f := unmasked(reflect.ValueOf(mc), "case", nil, nil); f != "" {
			t.Errorf("%q: %s not masked", form, f)
		}
		if f := unmasked(reflect.ValueOf(mevs), "events", nil, nil); f != "" {
			t.Errorf("%q: %s not masked", form, f)
		}
		// The input is not changed.
		if c.Records[0].Detail != form || ev.Action.Intake.Records[0].Detail != form || ev.Letter.Body != form {
			t.Errorf("%q: MaskCase changed its input", form)
		}
	}
}

// A number the walk cannot mask (here in the stage, which the walk does not visit) makes
// MaskCase fail: it returns an error and an empty case, never the unmasked one.
func TestMaskCaseFailsClosed(t *testing.T) {
	c := Case{No: "XF-2026-000001", Stage: Stage("x13812345678"), Agent: Agent{IDNumber: piiID}}
	mc, mevs, err := MaskCase(c, nil)
	var me *MaskError
	if !errors.As(err, &me) || me.Field != "case.stage" {
		t.Fatalf("err = %v, want a MaskError naming case.stage", err)
	}
	if mc.Agent.IDNumber != "" || mevs != nil {
		t.Fatalf("a failed mask returned data: %+v", mc)
	}
	if !strings.Contains(me.Message("zh"), "XF-2026-000001") || !strings.Contains(me.Message("en"), "case.stage") {
		t.Errorf("messages: %q / %q", me.Message("zh"), me.Message("en"))
	}
	ev := Event{Kind: ActionKind("13812345678")}
	if _, _, err := MaskCase(Case{}, []Event{ev}); err == nil {
		t.Fatal("an event kind holding a phone was let through")
	}
}

func TestMaskCaseStructuredAndKeep(t *testing.T) {
	c := Case{No: "XF-2026-000012", Enterprise: Enterprise{CreditCode: "91110000600037341L"},
		Agent:   Agent{IDNumber: piiIDX, Phone: "13812345678"},
		Records: []Record{{Detail: "经办人证件11010519491231002x，机构电话13912345678"}}}
	mc, _, err := MaskCase(c, nil, "139-1234-5678")
	if err != nil {
		t.Fatal(err)
	}
	if mc.Agent.IDNumber != "1101**********002X" || mc.Agent.Phone != "138****5678" {
		t.Errorf("agent: %+v", mc.Agent)
	}
	if mc.Records[0].Detail != "经办人证件1101**********002X，机构电话13912345678" {
		t.Errorf("detail: %q", mc.Records[0].Detail)
	}
	if mc.No != c.No || mc.Enterprise.CreditCode != c.Enterprise.CreditCode {
		t.Errorf("codes changed: %q %q", mc.No, mc.Enterprise.CreditCode)
	}
}
