package cli

import (
	"path/filepath"
	"testing"
	"time"

	"repairdesk/internal/office"
	"repairdesk/store"
	"repairdesk/workflow"
)

// BenchmarkExportMask: the export's masking of one demo case and its history
// (MaskCaseInPlace with the letterhead's phone kept), case after case of a 200-case demo.
// Each round masks shallow copies of the cases and event lists; what they point to was
// masked by the first round (masking what is masked changes nothing), as most of an
// export's texts hold no number to mask.
func BenchmarkExportMask(b *testing.B) {
	st, err := store.Open(filepath.Join(b.TempDir(), "t.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := office.GenerateDemo(st, 200, 3); err != nil {
		b.Fatal(err)
	}
	keep := st.Settings().Letterhead.Phone
	type item struct {
		c   workflow.Case
		evs []workflow.Event
	}
	var items []item
	err = st.EachCase(time.Time{}, true, func(c workflow.Case, evs []workflow.Event) error {
		items = append(items, item{c, append([]workflow.Event{}, evs...)})
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	evs := make([]workflow.Event, 0, 64)
	for i := 0; b.Loop(); i++ {
		it := &items[i%len(items)]
		evs = append(evs[:0], it.evs...)
		if _, _, err := workflow.MaskCaseInPlace(it.c, evs, keep); err != nil {
			b.Fatal(err)
		}
	}
}
