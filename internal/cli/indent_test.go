package cli

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"repairdesk/internal/office"
	"repairdesk/store"
	"repairdesk/workflow"
)

// TestIndentJSONIsJSONIndent: indentJSON gives json.Indent's bytes on every case and
// history of a demo office (what export writes) and on the awkward corners of JSON.
func TestIndentJSONIsJSONIndent(t *testing.T) {
	same := func(t *testing.T, src []byte) {
		t.Helper()
		var want bytes.Buffer
		if err := json.Indent(&want, src, "  ", "  "); err != nil {
			t.Fatal(err)
		}
		if got := indentJSON(nil, src, "  ", "  "); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("indentJSON of %s:\n%s\njson.Indent:\n%s", src, got, want.Bytes())
		}
	}
	for _, s := range []string{`{}`, `[]`, `[{}]`, `{"a":[]}`, `{"a":{},"b":[[],[1]]}`, `"x"`, `1`, `null`,
		`{"q":"a \"quoted\" {brace} [bracket], comma: colon\\","e":"\\\\","u":"\u2028<>&"}`,
		`[1,2,{"k":[true,false,null]}]`, ` { "spaced" : [ 1 , 2 ] }`, `{"中文":"征信修复：{}[],"}`} {
		same(t, []byte(s))
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "t.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := office.GenerateDemo(st, 120, 5); err != nil {
		t.Fatal(err)
	}
	n := 0
	err = st.EachCase(time.Time{}, true, func(c workflow.Case, evs []workflow.Event) error {
		b, err := json.Marshal(exportItem{Case: c, Events: evs})
		if err != nil {
			return err
		}
		same(t, b)
		n++
		return nil
	})
	if err != nil || n != 120 {
		t.Fatalf("%d cases compared: %v", n, err)
	}
}
