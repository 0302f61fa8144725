package store

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"
	bolt "go.etcd.io/bbolt"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// decRootValues are a new zero value of each type the generated decoder reads, for the
// comparisons: what it gives and what encoding/json gives for the same input.
func decRootValues() []func() any {
	return []func() any{
		func() any { return new(workflow.Event) },
		func() any { return new(workflow.Case) },
		func() any { return new(checkEvent) },
		func() any { return new(leanEvent) },
	}
}

// agreeFast decodes js into a new value of each of the types whose JSON it may be (an
// event's into the event and its views) with the generated decoder and with
// encoding/json. Where the generated decoder decodes, encoding/json must decode it too,
// to the same value. It reports whether the generated decoder took js as the whole type
// (not a view) — what the callers count.
func agreeFast(t testing.TB, js []byte, isCase bool) (fast bool) {
	t.Helper()
	for i, mk := range decRootValues() {
		if isCase != (i == 1) {
			continue
		}
		a, b := mk(), mk()
		ok := fastJSON(js, b)
		if i == 0 || i == 1 {
			fast = ok
		}
		if !ok {
			if !reflect.DeepEqual(b, mk()) {
				t.Fatalf("%T: declined %q but left %+v", b, js, b)
			}
			continue
		}
		if err := json.Unmarshal(js, a); err != nil {
			t.Fatalf("%T: the generated decoder read %q, encoding/json says %v", b, js, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%T: %q decodes differently:\nencoding/json %+v\ngenerated     %+v", b, js, a, b)
		}
	}
	return fast
}

// storedValues calls fn with the JSON of every case and every event of the file at path.
func storedValues(t testing.TB, path string, fn func(js []byte, isCase bool)) (cases, events int) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bCases).ForEach(func(k, v []byte) error {
			js, err := ValueJSON(v)
			if err != nil {
				return err
			}
			fn(js, true)
			cases++
			return nil
		})
		if err != nil {
			return err
		}
		return eachStoredEvent(kv.BoltTxOf(tx).Bucket(bEvents), func(id uint32, seq int, js []byte) error {
			fn(js, false)
			events++
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return cases, events
}

// TestFastDecoderAgrees: the generated decoder gives exactly what encoding/json gives, for
// every case and event of a demo office of 2,000 cases (every stage, letter and action)
// and of the files schema 2 and schema 3 wrote (older events lack fields added since),
// and for thousands of random values of the types; and it takes canonical JSON itself —
// every stored value of the demo, every random value — so that the comparison is of it,
// not of the fallback. Mutated inputs: TestFastDecoderMutations.
func TestFastDecoderAgrees(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 300
	}
	s := demoStore(t, n, 17)
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"demo": path, "schema2": fixtureOf(t, "schema2"), "schema3": fixtureOf(t, "schema3")}
	for name, path := range files {
		var fast, all int
		nc, ne := storedValues(t, path, func(js []byte, isCase bool) {
			all++
			if agreeFast(t, js, isCase) {
				fast++
			}
		})
		t.Logf("%s: %d cases and %d events, %d of them decoded by the generated decoder", name, nc, ne, fast)
		if name == "demo" && (nc != n || ne < 10*n) {
			t.Fatalf("compared %d cases and %d events", nc, ne)
		}
		if fast != all {
			t.Errorf("%s: the generated decoder declined %d of %d stored values", name, all-fast, all)
		}
	}

	r := rand.New(rand.NewPCG(17, 18))
	for range 3000 {
		for _, v := range []any{new(workflow.Event), new(workflow.Case)} {
			decFill.fill(r, reflect.ValueOf(v).Elem(), 0)
			js, err := json.Marshal(v)
			if err != nil {
				continue // a time json.Marshal refuses
			}
			_, isCase := v.(*workflow.Case)
			if !agreeFast(t, js, isCase) {
				t.Fatalf("the generated decoder declined the canonical %q", js)
			}
		}
	}
}

// decStrings are strings with what the encoder escapes and what it does not: quotes,
// backslashes, control characters, HTML's characters, U+2028, bytes that are not UTF-8,
// characters outside the BMP, and lengths on both sides of internMax.
var decStrings = []string{
	"", "a", "zhangmin", "formal_review", "征信修复申请材料收件回执", "\"", "\\", "/", "\x00", "\x1f\x7f",
	"\n\r\t\b\f", "<script>&amp;</script>", "\u2028\u2029", "\xff\xfe", "a\xc3", "😀🇨🇳", "\ufffd",
	strings.Repeat("x", internMax), strings.Repeat("y", internMax+1), strings.Repeat("长", 300) + "\n\"",
	"enc:v1:48nLorvMj5OtaGQ/etPJRIMdafJNrMxkA8Zpk09jTWz9gOjIhZaT",
}

var decZones = []*time.Location{time.UTC, time.Local, time.FixedZone("", 8*3600), time.FixedZone("CST", 8*3600),
	time.FixedZone("", -(3*3600 + 30*60)), time.FixedZone("", 14*3600)}

// decFill gives values each field left zero or filled, lists nil, empty or long, numbers
// at their extremes, times from year 1 to 9999 in zones.
var decFill = randFill{
	texts:    decStrings,
	ints:     []int64{0, 1, -1, 9, 10, 1234567, math.MaxInt64, math.MinInt64, 42, -42},
	uints:    []uint64{0, 1, 10, math.MaxUint32, 4000000000},
	joinText: true, zeroIn: 4, nilIn: 2, maxDepth: 6,
	time: func(r *rand.Rand) time.Time {
		t := time.Date(1+r.IntN(9999), time.Month(1+r.IntN(12)), 1+r.IntN(31), r.IntN(24), r.IntN(60), r.IntN(60), 0, decZones[r.IntN(len(decZones))])
		if r.IntN(2) == 0 {
			t = t.Add(time.Duration(r.IntN(1e9)))
		}
		return t
	},
}

// TestFastDecoderMutations: inputs that are not canonical — whitespace, fields reordered,
// repeated or unknown, null, numbers with a fraction or out of range, escapes of every
// kind, cut short — are either declined (the fallback decides, as before) or decoded
// exactly as encoding/json decodes them; and decodeJSON says of each what it said before
// the generated decoder (goccy/go-json, then encoding/json).
func TestFastDecoderMutations(t *testing.T) {
	s := demoStore(t, 60, 5)
	var seeds [][]byte
	var isCase []bool
	path := s.Path()
	s.Close()
	storedValues(t, path, func(js []byte, c bool) {
		seeds = append(seeds, append([]byte(nil), js...))
		isCase = append(isCase, c)
	})
	hand := []string{
		`{"case_id":1,"seq":2,"kind":"a\u0062c\ud83d\ude00\/\b\f\n\r\t\"\\","actor":"\u00e9\u4e2d"}`,
		`{"case_id":1,"comment":"\ud83d"}`, `{"case_id":1,"comment":"\udc00x"}`, `{"case_id":1,"comment":"\ud83d\u0041"}`,
		`{"case_id":-0}`, `{"case_id":-1}`, `{"case_id":4294967296}`, `{"case_id":01}`, `{"case_id":1.0}`, `{"case_id":1e3}`,
		`{"seq":9223372036854775807}`, `{"seq":-9223372036854775808}`, `{"seq":9223372036854775808}`, `{"seq":-9223372036854775809}`,
		`{"seq":null,"kind":null,"at":null,"changes":null,"action":null,"letter":null}`, `null`, `{}`, `[]`, ``, ` {}`, `{} `,
		`{"at":"2026-01-02T03:04:05Z"}`, `{"at":"2026-01-02T03:04:05.123456789+08:00"}`, `{"at":"2026-01-02T03:04:05+00:00"}`,
		`{"at":"2026-1-02T03:04:05Z"}`, `{"at":"\u0032026-01-02T03:04:05Z"}`, `{"at":"2026-01-02T03:04:05+24:00"}`,
		`{"changes":[]}`, `{"changes":[{}]}`, `{"changes":[null]}`, `{"letter":{"kind":"x"},"also":[{"body":"y"},{}]}`,
		`{"letter":{"kind":"x","extra":[1,-2.5e+3,true,false,null,{"a":"\u00e9"}]}}`, `{"letter":"x"}`, `{"also":[1]}`,
		`{"letter":{"kind":"\x01"}}`, `{"letter":{"kind":"\q"}}`, `{"CASE_ID":1}`, `{"case_id":1,"case_id":2}`,
		`{"seq":1,"case_id":2}`, `{"letter":{"kind":"x"},"letter":{"lang":"y"}}`,
		`{"action":{"intake":{"id":1}},"action":{"intake":{"no":"x"}}}`, `{"action":{"intake":{"records":[{"amount_fen":-5}],"materials":[]}}}`,
	}
	r := rand.New(rand.NewPCG(5, 6))
	var fast, declined int
	try := func(js []byte, c bool) {
		if agreeFast(t, js, c) {
			fast++
		} else {
			declined++
		}
		// decodeJSON: the same value or the same error as without the generated decoder.
		for i, mk := range decRootValues() {
			if c != (i == 1) {
				continue
			}
			a, b := mk(), mk()
			errA := oldDecodeJSON(js, a)
			errB := decodeJSON(js, b)
			if (errA == nil) != (errB == nil) || errA != nil && errA.Error() != errB.Error() {
				t.Fatalf("%T %q: before %v, now %v", a, js, errA, errB)
			}
			if errA == nil && !reflect.DeepEqual(a, b) {
				t.Fatalf("%T %q: before %+v, now %+v", a, js, a, b)
			}
		}
	}
	for _, h := range hand {
		try([]byte(h), false)
		try([]byte(h), true)
	}
	for i := 0; i < 20000; i++ {
		k := r.IntN(len(seeds))
		try(mutate(r, seeds[k]), isCase[k])
	}
	t.Logf("mutated inputs: %d decoded by the generated decoder, %d declined", fast, declined)
	if fast == 0 || declined == 0 {
		t.Fatalf("the mutations should meet both ways: %d decoded, %d declined", fast, declined)
	}
}

// oldDecodeJSON is decodeJSON without the generated decoder, as it was.
func oldDecodeJSON(js []byte, dst any) error {
	if err := gojson.Unmarshal(js, dst); err == nil {
		return nil
	}
	reflect.ValueOf(dst).Elem().SetZero()
	return json.Unmarshal(js, dst)
}

// mutate changes js in one of the ways a file's bytes or another writer could differ.
func mutate(r *rand.Rand, js []byte) []byte {
	b := append([]byte(nil), js...)
	at := func() int { return r.IntN(len(b) + 1) }
	ins := func(s string) []byte {
		i := at()
		return append(b[:i], append([]byte(s), b[i:]...)...)
	}
	switch r.IntN(12) {
	case 0:
		return ins([]string{" ", "\n", "\t"}[r.IntN(3)])
	case 1:
		if len(b) > 0 {
			i := r.IntN(len(b))
			return append(b[:i], b[i+1:]...)
		}
	case 2:
		if len(b) > 0 {
			b[r.IntN(len(b))] = byte(r.IntN(256))
		}
	case 3:
		return b[:r.IntN(len(b)+1)]
	case 4: // a field's value null, and the value under an unknown name after it
		if i := strings.Index(string(b[len(b)/2:]), `":`); i >= 0 {
			i += len(b)/2 + 2
			return append(b[:i], append([]byte(`null,"y":`), b[i:]...)...)
		}
	case 5:
		if i := strings.Index(string(b), `,"`); i >= 0 {
			return append(b[:i+1], append([]byte(`"unknown":[1,{"a":null}],`), b[i+1:]...)...)
		}
	case 6: // a key and its value moved to the front
		if i := strings.LastIndex(string(b), `,"`); i > 0 && b[0] == '{' {
			j := i + 1 + strings.IndexAny(string(b[i+1:]), ",}")
			if j > i+1 && b[j] == ',' {
				field := append([]byte(nil), b[i+1:j]...)
				rest := append(append([]byte(nil), b[1:i]...), b[j:]...)
				return append(append(append([]byte{'{'}, field...), ','), rest...)
			}
		}
	case 7:
		return ins(`\u00e9`)
	case 8:
		return ins(`\ud83d\ude00`)
	case 9:
		return []byte(strings.Replace(string(b), `"`, `"\u0041`, 1+r.IntN(8)))
	case 10:
		return []byte(strings.Replace(string(b), `:1`, `:1.5`, 1))
	case 11:
		return []byte(strings.Replace(string(b), `:0`, `:-0`, 1))
	}
	return b
}

// FuzzFastDecoder: for any input, what the generated decoder decodes, encoding/json
// decodes to the same value (and a value it declines it leaves zero).
func FuzzFastDecoder(f *testing.F) {
	for _, s := range []string{
		`{"case_id":1,"seq":2,"kind":"accept","actor":"zhangmin","at":"2026-11-24T09:02:00+08:00","from":"formal_review","to":"investigating","changes":[{"field":"stage","old":"formal_review","new":"investigating"}],"action":{"kind":"accept","actor":"zhangmin","role":"specialist","at":"2026-11-24T09:02:00+08:00","law":1},"letter":{"kind":"receipt","lang":"zh","title":"回执","body":"a\nb\u003c"},"prev_hash":"f3c9","hash":"7bed"}`,
		`{"id":2,"no":"XF-2026-000002","version":10,"stage":"investigating","enterprise":{"name":"长沙金石","credit_code":"91430100GD5W1L451Y","legal_rep":"胡海燕"},"agent":{"name":"赵晓东","phone":"p","id_number":"i"},"records":null,"materials":[{"key":"application_form","required":true,"received":true,"valid":true,"updated_at":"2026-12-03T09:05:00+08:00"}],"owner":"zhangmin","round":1,"received_at":"2026-12-02T16:20:00+08:00","stage_since":"2026-12-07T09:34:00+08:00","updated_at":"2026-12-07T09:34:00+08:00","updated_by":"zhangmin"}`,
		`{"seq":-1,"comment":"\ud83d\ude00"}`, `null`, `{"letter":{"x":[1,2.5e3,{}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, js []byte) {
		agreeFast(t, js, false)
		agreeFast(t, js, true)
	})
}

// BenchmarkDecodeStored decodes every case and event of a 300-case demo office as check
// and export do (the case, the event, check's view of it), with the generated decoder and
// with goccy/go-json as decodeJSON did before it.
func BenchmarkDecodeStored(b *testing.B) {
	s, err := Open(b.TempDir()+"/t.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := Demo.Generate(s, 300, 3); err != nil {
		b.Fatal(err)
	}
	path := s.Path()
	s.Close()
	var cases, events [][]byte
	storedValues(b, path, func(js []byte, isCase bool) {
		if isCase {
			cases = append(cases, append([]byte(nil), js...))
		} else {
			events = append(events, append([]byte(nil), js...))
		}
	})
	for _, dec := range []struct {
		name string
		fn   func(js []byte, dst any) error
	}{{"generated", decodeJSON}, {"goccy", gojson.Unmarshal}} {
		for _, kind := range []string{"event", "checkEvent", "case"} {
			b.Run(dec.name+"-"+kind, func(b *testing.B) {
				vals, n := events, 0
				if kind == "case" {
					vals = cases
				}
				for _, v := range vals {
					n += len(v)
				}
				b.SetBytes(int64(n / len(vals)))
				b.ReportAllocs()
				cpu := cpuSeconds()
				defer func() { b.ReportMetric((cpuSeconds()-cpu)*1e9/float64(b.N), "cpu-ns/op") }()
				for i := 0; b.Loop(); i++ {
					js := vals[i%len(vals)]
					var err error
					switch kind {
					case "event":
						var ev workflow.Event
						err = dec.fn(js, &ev)
					case "checkEvent":
						var ev checkEvent
						err = dec.fn(js, &ev)
					case "case":
						var c workflow.Case
						err = dec.fn(js, &c)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// A jdecKeeper (check's decoder: one per worker, the strings of a case's values in
// shared blocks) decodes every case and event of a demo office as decodeJSON does, and
// what it decoded stays so when later values are decoded into the same blocks and when
// its inputs are overwritten (nothing is aliased to them); a value it declines (here,
// one with whitespace) is decoded as decodeJSON decodes it.
func TestJdecKeeperDecodesAsDecodeJSON(t *testing.T) {
	s := demoStore(t, 40, 5)
	path := s.Path()
	s.Close()
	type pair struct{ got, want any }
	var (
		inputs [][]byte
		pairs  []pair
		k      jdecKeeper
	)
	storedValues(t, path, func(js []byte, isCase bool) {
		in := append([]byte(nil), js...)
		if len(pairs)%7 == 3 { // some declined: a space after the opening brace
			in = append([]byte("{ "), in[1:]...)
		}
		inputs = append(inputs, in)
		if len(pairs)%5 == 0 {
			k.newBlock()
		}
		var got, want any = new(checkEvent), new(checkEvent)
		if isCase {
			got, want = new(workflow.Case), new(workflow.Case)
		}
		if err := k.decode(in, got); err != nil {
			t.Fatal(err)
		}
		if err := decodeJSON(append([]byte(nil), in...), want); err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, pair{got, want})
	})
	for _, in := range inputs {
		for i := range in {
			in[i] = 'x'
		}
	}
	for i, p := range pairs {
		if !reflect.DeepEqual(p.got, p.want) {
			t.Fatalf("value %d decodes differently:\nkeeper     %+v\ndecodeJSON %+v", i, p.got, p.want)
		}
	}
	if len(pairs) < 200 {
		t.Fatalf("only %d values", len(pairs))
	}
}

// The decoder keeps the last time it read and gives it again for the same bytes: times
// read one after another that differ only in their zone, their fraction or their last
// digit, and the same bytes read again after time.Local changed, decode as encoding/json
// decodes them. It runs in a child process of its own, which alone changes time.Local.
func TestTimeReadAgainAsEncodingJSON(t *testing.T) {
	if os.Getenv("REPAIRDESK_TEST_LOCAL_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTimeReadAgainAsEncodingJSON$", "-test.count=1")
		cmd.Env = append(os.Environ(), "REPAIRDESK_TEST_LOCAL_CHILD=1")
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "PASS") {
			t.Fatalf("the child: %v\n%s", err, out)
		}
		return
	}
	ats := []string{
		"2026-11-24T09:02:00+08:00", "2026-11-24T09:02:00+08:00", "2026-11-24T09:02:00Z",
		"2026-11-24T09:02:00+09:00", "2026-11-24T09:02:01+08:00", "2026-11-24T09:02:00.5+08:00",
		"2026-11-24T09:02:00.51+08:00", "2026-11-24T09:02:00.51+08:00", "2026-11-24T09:02:00+08:00",
	}
	time.Local = time.FixedZone("CST", 8*3600) // +08:00 is read as local time
	var k jdecKeeper
	for i, at := range append(ats, ats...) {
		if i == len(ats) { // the same bytes again, with another local zone
			time.Local = time.FixedZone("X", 9*3600)
		}
		js := []byte(`{"case_id":1,"seq":1,"kind":"create","actor":"a","at":"` + at + `","to":"formal_review"}`)
		var got, want workflow.Event
		if err := k.decode(js, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(js, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s (local %s): decoded %v, encoding/json %v", at, time.Local, got.At, want.At)
		}
	}
}
