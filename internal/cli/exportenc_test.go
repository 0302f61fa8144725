package cli

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"repairdesk/internal/office"
	"repairdesk/store"
	"repairdesk/workflow"
)

// exportJSONBefore is how an export item was encoded before the generated encoder.
func exportJSONBefore(it exportItem) ([]byte, error) {
	b, err := json.Marshal(it)
	if err != nil {
		return nil, err
	}
	return indentJSON(nil, b, "  ", "  "), nil
}

func sameAsBefore(t *testing.T, it exportItem, buf []byte) {
	t.Helper()
	want, werr := exportJSONBefore(it)
	got, gerr := encodeExportItem(buf, &it)
	if (werr != nil) != (gerr != nil) || werr != nil && werr.Error() != gerr.Error() {
		t.Fatalf("error %v, encoding/json's %v", gerr, werr)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("the encoder's bytes differ from encoding/json's at byte %d:\n…%s\nencoding/json:\n…%s",
			i, got[max(0, i-200):min(len(got), i+80)], want[max(0, i-200):min(len(want), i+80)])
	}
}

// TestExportEncoderIsJSON: the generated encoder writes exactly what json.Marshal and
// indentJSON wrote for an export item: on every case and history of a demo office, masked
// as export masks them and not, and on 6,000 items whose every field (every struct an
// item can hold, every event's action and letters) is filled at random — nil, empty and
// full slices and pointers, empty and zero values that omitempty and omitzero leave out,
// strings with quotes, backslashes, control characters, <>&, U+2028, invalid UTF-8 and
// Chinese, times in odd zones with and without nanoseconds, and, now and then, a time
// encoding/json refuses (the same error then).
func TestExportEncoderIsJSON(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "t.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := office.GenerateDemo(st, 400, 17); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 64) // reused, as the export reuses its buffers
	n, kinds := 0, map[workflow.ActionKind]bool{}
	err = st.EachCase(time.Time{}, true, func(c workflow.Case, evs []workflow.Event) error {
		for _, ev := range evs {
			kinds[ev.Kind] = true
		}
		sameAsBefore(t, exportItem{Case: c, Events: evs}, buf)
		mc, mevs, err := workflow.MaskCase(c, evs, st.Settings().Letterhead.Phone)
		if err != nil {
			return err
		}
		if mevs == nil {
			mevs = []workflow.Event{}
		}
		sameAsBefore(t, exportItem{Case: mc, Events: mevs}, buf)
		ic, ievs, err := workflow.MaskCaseInPlace(c, evs, st.Settings().Letterhead.Phone)
		if err != nil {
			return err
		}
		if ievs == nil {
			ievs = []workflow.Event{}
		}
		want, _ := exportJSONBefore(exportItem{Case: mc, Events: mevs})
		if got, _ := exportJSONBefore(exportItem{Case: ic, Events: ievs}); !bytes.Equal(got, want) {
			t.Fatalf("case %s masked in place differs from MaskCase's copy", c.No)
		}
		n++
		return nil
	})
	if err != nil || n != 400 {
		t.Fatalf("%d cases compared: %v", n, err)
	}
	if len(kinds) < 10 {
		t.Fatalf("the demo's histories hold only %d kinds of event: the test says little", len(kinds))
	}

	r := rand.New(rand.NewPCG(17, 7))
	refused := 0
	for range 6000 {
		var it exportItem
		fillRandom(r, reflect.ValueOf(&it).Elem(), 0)
		if _, err := exportJSONBefore(it); err != nil {
			refused++
		}
		sameAsBefore(t, it, buf[:0])
	}
	if refused == 0 || refused > 3000 {
		t.Fatalf("%d of 6000 random items refused by encoding/json: the fallback is not tried, or little else is", refused)
	}
}

var randomTexts = []string{"", "", "a", "XF-2026-000123", "征信修复：{}[],", `"quoted" \back\slash`, "<b>&amp;</b>",
	"\u2028\u2029", "\x00\x01\x1f\x7f", "\b\f\n\r\t", "\xff\xfe bad \xc3", "\xef\xbc", "１３８１２３４５６７８",
	"138****5678", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "é ü ß", "😀", " ", "0",
	"电话13812345678", "+86 139 1234 5678", "110105198502069016", "11010519491231002x", "010-88886666"}

var randomZones = []*time.Location{time.UTC, workflow.ChinaTZ, time.FixedZone("", -(3*3600 + 30*60)),
	time.FixedZone("X", 5*3600+45*60), time.FixedZone("", 0), time.FixedZone("odd", 7*3600+17)}

// fillRandom fills v (settable) with random values, to depth 4.
func fillRandom(r *rand.Rand, v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		s := randomTexts[r.IntN(len(randomTexts))]
		if r.IntN(3) == 0 {
			s += randomTexts[r.IntN(len(randomTexts))]
		}
		v.SetString(s)
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 1)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt([]int64{0, 0, 1, -1, 7, 123456, -98765, 1 << 40}[r.IntN(8)])
	case reflect.Uint32, reflect.Uint64:
		v.SetUint([]uint64{0, 1, 42, 1<<32 - 1}[r.IntN(4)])
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			var tm time.Time
			switch r.IntN(8) {
			case 0, 1: // the zero time
			case 2:
				tm = time.Unix(r.Int64N(4e9), 0)
			default:
				tm = time.Unix(r.Int64N(4e9), r.Int64N(1e9))
			}
			if r.IntN(150) == 0 {
				tm = time.Date([]int{-1, 10000, 12345}[r.IntN(3)], 1, 2, 3, 4, 5, 6, time.UTC)
			}
			if !tm.IsZero() || r.IntN(2) == 0 {
				tm = tm.In(randomZones[r.IntN(len(randomZones))])
			}
			if r.IntN(300) == 0 {
				tm = time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", []int{24, 25, -24}[r.IntN(3)]*3600))
			}
			v.Set(reflect.ValueOf(tm))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.CanSet() {
				fillRandom(r, f, depth+1)
			}
		}
	case reflect.Pointer:
		if depth > 4 || r.IntN(3) == 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fillRandom(r, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		switch k := r.IntN(5); {
		case depth > 4 || k == 0: // nil
		case k == 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			s := reflect.MakeSlice(v.Type(), k-1, k-1)
			for i := 0; i < k-1; i++ {
				fillRandom(r, s.Index(i), depth+1)
			}
			v.Set(s)
		}
	}
}

// BenchmarkExportEncoder: one masked demo case with its history encoded as an export
// writes it, by the generated encoder into a reused buffer and by json.Marshal and
// indentJSON as before.
func BenchmarkExportEncoder(b *testing.B) {
	st, err := store.Open(filepath.Join(b.TempDir(), "t.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := office.GenerateDemo(st, 200, 3); err != nil {
		b.Fatal(err)
	}
	var items []exportItem
	err = st.EachCase(time.Time{}, true, func(c workflow.Case, evs []workflow.Event) error {
		mc, mevs, err := workflow.MaskCase(c, evs)
		items = append(items, exportItem{Case: mc, Events: append([]workflow.Event{}, mevs...)})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("generated", func(b *testing.B) {
		var buf []byte
		for i := 0; b.Loop(); i++ {
			var err error
			if buf, err = encodeExportItem(buf[:0], &items[i%len(items)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json+indent", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			bs, err := json.Marshal(items[i%len(items)])
			if err != nil {
				b.Fatal(err)
			}
			_ = indentJSON(make([]byte, 0, len(bs)+len(bs)/2), bs, "  ", "  ")
		}
	})
}

// TestMaskCaseInPlaceIsMaskCase: masking an export's case and events in place gives
// exactly MaskCase's copies (the same JSON), and the same error when it fails closed, on
// 4,000 random items whose texts hold ID and mobile numbers in every field (the same item
// made twice from one seed: one for each). The demo's cases are compared in
// TestExportEncoderIsJSON.
func TestMaskCaseInPlaceIsMaskCase(t *testing.T) {
	masked, failed := 0, 0
	for seed := range uint64(4000) {
		var a, b exportItem
		fillRandom(rand.New(rand.NewPCG(seed, 3)), reflect.ValueOf(&a).Elem(), 0)
		fillRandom(rand.New(rand.NewPCG(seed, 3)), reflect.ValueOf(&b).Elem(), 0)
		keep := []string{"13912345678"}
		mc, mevs, merr := workflow.MaskCase(a.Case, a.Events, keep...)
		ic, ievs, ierr := workflow.MaskCaseInPlace(b.Case, b.Events, keep...)
		if (merr != nil) != (ierr != nil) || merr != nil && merr.Error() != ierr.Error() {
			t.Fatalf("seed %d: in place %v, MaskCase %v", seed, ierr, merr)
		}
		if merr != nil {
			failed++
			continue
		}
		want, werr := exportJSONBefore(exportItem{Case: mc, Events: mevs})
		got, gerr := exportJSONBefore(exportItem{Case: ic, Events: ievs})
		if !bytes.Equal(got, want) || (werr == nil) != (gerr == nil) {
			t.Fatalf("seed %d: masked in place:\n%s\nMaskCase:\n%s", seed, got, want)
		}
		if orig, _ := exportJSONBefore(a); !bytes.Equal(orig, want) {
			masked++
		}
	}
	if masked < 1000 {
		t.Fatalf("only %d of 4000 random items had a number masked: the test says little", masked)
	}
	t.Logf("%d items masked, %d failed closed", masked, failed)
}
