package office_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"repairdesk/internal/office"
	"repairdesk/store"
	"repairdesk/workflow"
)

// The demo office's letters speak to the enterprise as a real office's would: never 洗白
// (a whitewash decline gets the 风险警示), and every letter carries the demo letterhead.
func TestDemoLettersAreCourteousAndSigned(t *testing.T) {
	now := time.Date(2026, 3, 10, 10, 0, 0, 0, workflow.ChinaTZ)
	s, err := store.Open(filepath.Join(t.TempDir(), "d.db"), store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := office.GenerateDemo(s, 300, 7); err != nil {
		t.Fatal(err)
	}
	whitewash, letters := 0, 0
	for sm := range s.Snapshot().All() {
		evs, err := s.Events(sm.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			for _, l := range ev.Letters() {
				letters++
				if strings.Contains(l.Title+l.Body, "洗白") {
					t.Fatalf("%s %s says 洗白:\n%s", sm.No, l.Kind, l.Body)
				}
				for _, want := range []string{office.DemoLetterhead.Agency, office.DemoLetterhead.Phone, office.DemoLetterhead.Contact, "（盖章处）", sm.No} {
					if !strings.Contains(l.Body, want) {
						t.Fatalf("%s %s lacks %q:\n%s", sm.No, l.Kind, want, l.Body)
					}
				}
				if l.Kind == "decline" && strings.Contains(l.Body, "风险警示") {
					whitewash++
				}
			}
		}
	}
	if letters == 0 || whitewash == 0 {
		t.Fatalf("%d letters, %d whitewash declines: the demo no longer covers them", letters, whitewash)
	}
}
