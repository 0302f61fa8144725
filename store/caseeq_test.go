package store

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// jsonEqual is the comparison sameCase makes when eqCase says "different": both sides
// round-tripped through encoding/json, then compared.
func jsonEqual(a, b *workflow.Case) bool { return reflect.DeepEqual(normal(*a), normal(*b)) }

// TestCaseEqualIsJSON: eqCase (generated) says two cases are equal only when the JSON
// round trip says so, and in every usual case says so too:
//   - the fold of every case of a 400-case demo equals its stored case (as check finds
//     it), and each stored case equals a copy of itself with one field changed exactly
//     when the round trip says so;
//   - 20,000 random cases (every field filled at random: nil, empty and full lists,
//     pointers set or not, times in several zones, texts with quotes, control characters
//     and invalid UTF-8) equal their deep copy, and after one change of one field (any
//     field, at any depth) equal it exactly when the round trip says so — but for the
//     changes it is allowed to call different although their JSON is the same: the same
//     instant at another offset, and one invalid UTF-8 text for another.
func TestCaseEqualIsJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 8))
	var kinds = map[string]int{}
	compare := func(what string, a, b *workflow.Case, kind string) {
		t.Helper()
		eq, je := eqCase(a, b), jsonEqual(a, b)
		kinds[kind]++
		switch {
		case eq && !je:
			t.Fatalf("%s, after %s: eqCase says equal, the JSON round trip says different:\n%+v\n%+v", what, kind, *a, *b)
		case !eq && je && kind != "zone" && kind != "utf8":
			t.Fatalf("%s, after %s: eqCase says different, the JSON round trip says equal:\n%+v\n%+v", what, kind, *a, *b)
		}
	}

	// A demo office: each fold against its stored case, as Check compares them.
	s, stored, events := demoCases(t)
	if len(stored) != 400 {
		t.Fatalf("%d cases in the demo, want 400", len(stored))
	}
	for id, c := range stored {
		folded, _, err := s.replayStoredT(events[id], c)
		if err != nil {
			t.Fatalf("case %d: %v", id, err)
		}
		if !eqCase(&folded, c) {
			t.Fatalf("case %d: eqCase says the fold differs from the stored case (the round trip: equal %v)", id, jsonEqual(&folded, c))
		}
		for range 20 {
			b := deepCopyCase(c)
			kind := mutateCase(r, &b)
			compare("demo case", c, &b, kind)
		}
	}

	// Random cases, each against its copy and then a changed copy.
	for i := range 20000 {
		var a workflow.Case
		eqFill.fill(r, reflect.ValueOf(&a).Elem(), 0)
		b := deepCopyCase(&a)
		if !eqCase(&a, &b) {
			t.Fatalf("random case %d: eqCase says its deep copy differs:\n%+v", i, a)
		}
		kind := mutateCase(r, &b)
		compare("random case", &a, &b, kind)
	}
	t.Logf("changes made, by kind: %v", kinds)
	for _, k := range []string{"string", "int", "bool", "time", "zone", "monotonic", "location", "nil-to-empty", "empty-to-nil", "shorter", "longer", "pointer-set", "pointer-cleared", "utf8"} {
		if kinds[k] == 0 {
			t.Errorf("no change of kind %s was made: the test does not cover it", k)
		}
	}
}

// demoCases is a 400-case demo office, its stored cases (decoded) and their events.
func demoCases(t testing.TB) (*Store, map[uint32]*workflow.Case, map[uint32][]workflow.Event) {
	s := demoStore(t, 400, 7)
	stored := map[uint32]*workflow.Case{}
	events := map[uint32][]workflow.Event{}
	err := s.viewBolt(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bCases).ForEach(func(k, v []byte) error {
			c := new(workflow.Case)
			if err := unmarshalValue(v, c); err != nil {
				return err
			}
			stored[c.ID] = c
			return nil
		}); err != nil {
			return err
		}
		return eachStoredEvent(kv.BoltTxOf(tx).Bucket(bEvents), func(id uint32, seq int, js []byte) error {
			var ev workflow.Event
			if err := decodeJSON(js, &ev); err != nil {
				return err
			}
			events[id] = append(events[id], ev)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, stored, events
}

// BenchmarkSameCase: check's comparison of each fold with its stored case, over the
// 400 cases of a demo office, by eqCase (generated) and, as sameCase did before it, by
// encoding the fold with encoding/json and comparing the bytes with the stored ones.
func BenchmarkSameCase(b *testing.B) {
	s, stored, events := demoCases(b)
	type pair struct {
		folded, c workflow.Case
		cjs       []byte
	}
	var pairs []pair
	for id, c := range stored {
		folded, _, err := s.replayStoredT(events[id], c)
		if err != nil {
			b.Fatal(err)
		}
		cjs, err := json.Marshal(c)
		if err != nil {
			b.Fatal(err)
		}
		pairs = append(pairs, pair{folded, *c, cjs})
	}
	b.Run("generated", func(b *testing.B) {
		for b.Loop() {
			for i := range pairs {
				if !eqCase(&pairs[i].folded, &pairs[i].c) {
					b.Fatal("differs")
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pairs)), "ns/case")
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			for i := range pairs {
				if fj, err := json.Marshal(&pairs[i].folded); err != nil || !bytes.Equal(fj, pairs[i].cjs) {
					b.Fatal("differs")
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pairs)), "ns/case")
	})
}

var eqTestZones = []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("", 8*3600), time.FixedZone("", -5*3600)}

var eqTestTexts = []string{"", "a", "张三", `q"uote\`, "<&>\u2028", "tab\tnl\n", "\xff", "bad\xfeutf8", "XF-2026-000123"}

func randomTime(r *rand.Rand) time.Time {
	if r.IntN(5) == 0 {
		return time.Time{}
	}
	t := time.Date(2020+r.IntN(7), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(3)*500_000_000, time.UTC)
	return t.In(eqTestZones[r.IntN(len(eqTestZones))])
}

// eqFill gives small numbers and few texts, so that random cases often agree in part.
var eqFill = randFill{texts: eqTestTexts, ints: []int64{0, 1, 2, 3}, uints: []uint64{0, 1, 2, 3}, time: randomTime, nilIn: 3, maxDepth: 4}

func deepCopyCase(c *workflow.Case) workflow.Case {
	var out workflow.Case
	deepCopy(reflect.ValueOf(&out).Elem(), reflect.ValueOf(c).Elem())
	return out
}

// deepCopy copies src into dst (settable) sharing nothing: lists keep nil or empty as
// they are.
func deepCopy(dst, src reflect.Value) {
	switch {
	case src.Type() == eqTimeType:
		dst.Set(src)
	case src.Kind() == reflect.Struct:
		for i := 0; i < src.NumField(); i++ {
			if src.Type().Field(i).IsExported() {
				deepCopy(dst.Field(i), src.Field(i))
			}
		}
	case src.Kind() == reflect.Pointer:
		if !src.IsNil() {
			p := reflect.New(src.Type().Elem())
			deepCopy(p.Elem(), src.Elem())
			dst.Set(p)
		}
	case src.Kind() == reflect.Slice:
		if !src.IsNil() {
			s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
			for i := range src.Len() {
				deepCopy(s.Index(i), src.Index(i))
			}
			dst.Set(s)
		}
	default:
		dst.Set(src)
	}
}

// leaves lists every settable place of v a change can be made to: fields, list
// elements, the lists and pointers themselves.
func leaves(v reflect.Value, out *[]reflect.Value) {
	*out = append(*out, v)
	switch {
	case v.Type() == eqTimeType:
	case v.Kind() == reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				leaves(v.Field(i), out)
			}
		}
	case v.Kind() == reflect.Pointer:
		if !v.IsNil() {
			leaves(v.Elem(), out)
		}
	case v.Kind() == reflect.Slice:
		for i := range v.Len() {
			leaves(v.Index(i), out)
		}
	}
}

// mutateCase changes one place of c at random and says what kind of change it made.
func mutateCase(r *rand.Rand, c *workflow.Case) string {
	var all []reflect.Value
	leaves(reflect.ValueOf(c).Elem(), &all)
	for {
		v := all[r.IntN(len(all))]
		if k := mutateValue(r, v); k != "" {
			return k
		}
	}
}

// mutateValue changes v, a leaf of a case, and says what kind of change it made ("": none).
func mutateValue(r *rand.Rand, v reflect.Value) string {
	if v.Type() == eqTimeType {
		t := v.Interface().(time.Time)
		switch r.IntN(4) {
		case 0:
			v.Set(reflect.ValueOf(t.Add(time.Duration(1 + r.IntN(2)*999_999_999))))
			return "time"
		case 1: // the same instant at another offset
			_, off := t.Zone()
			z := eqTestZones[r.IntN(len(eqTestZones))]
			if _, o := t.In(z).Zone(); o == off {
				return ""
			}
			v.Set(reflect.ValueOf(t.In(z)))
			return "zone"
		case 2: // a monotonic reading, which JSON does not write
			v.Set(reflect.ValueOf(t.Add(0).Round(0)))
			if !t.IsZero() {
				mono := time.Now()
				v.Set(reflect.ValueOf(mono.Add(t.Sub(mono)).In(t.Location())))
			}
			return "monotonic"
		default: // the same offset under another location
			_, off := t.Zone()
			v.Set(reflect.ValueOf(t.In(time.FixedZone("other", off))))
			return "location"
		}
	}
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		if s == "\xff" {
			v.SetString("\xfe") // both are written as U+FFFD
			return "utf8"
		}
		v.SetString(s + "x")
		return "string"
	case reflect.Bool:
		v.SetBool(!v.Bool())
		return "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
		return "int"
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() + 1)
		return "int"
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
			return "pointer-set"
		}
		v.Set(reflect.Zero(v.Type()))
		return "pointer-cleared"
	case reflect.Slice:
		switch {
		case v.IsNil():
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return "nil-to-empty"
		case v.Len() == 0:
			v.Set(reflect.Zero(v.Type()))
			return "empty-to-nil"
		case r.IntN(2) == 0:
			v.Set(v.Slice(0, v.Len()-1))
			return "shorter"
		default:
			n := reflect.MakeSlice(v.Type(), v.Len()+1, v.Len()+1)
			reflect.Copy(n, v)
			v.Set(n)
			return "longer"
		}
	}
	return "" // a struct: pick again
}
