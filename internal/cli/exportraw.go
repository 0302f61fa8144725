package cli

// A case or event written from its stored JSON. Most of what an export holds has no
// number to mask and no sealed text: decoding it, masking it (which changes nothing, but
// for the agent's phone and ID number) and encoding it again gives its stored bytes back,
// indented. rawEvent and rawCase prove that of the stored bytes in one pass and write the
// indentation as they go; when any condition fails, the value takes the full path
// (decoded, unsealed, masked, encoded) instead. The conditions:
//
//   - the bytes are what json.Marshal writes for some workflow.Event (or Case): every
//     field in declared order and under its exact key, every field not omitted present,
//     no field marked omitempty or omitzero written with the value that omits it, no
//     field the type lacks, no space between tokens, each string escaped as the encoder
//     escapes it (valid UTF-8, HTML escaping, nothing else escaped), each number in its
//     shortest form and within its type's range, each time the encoder's own form of the
//     time it decodes to. Then decoding and encoding give these bytes again;
//   - no string but an agent's phone and ID number starts with "enc:v1:" (the store
//     opens exactly the strings that start so, isSealed), so unsealing changes nothing
//     else;
//   - FindPII finds nothing in any string (its unescaped text), the agency's own numbers
//     included: so masking changes nothing, and its fail-closed check would pass;
//   - an agent (the case's, or an intake's) takes masking's own path, on its own: it is
//     read field by field with the same canonical checks (agentFields), its phone and ID
//     number opened as the store opens them (under the id the full path uses), then
//     masked whole as masking does; it is taken only when its name and letter of
//     authority hold no number or sealed text and FindPII finds no number in what
//     masking leaves, and written by the generated encoder;
//   - a case's empty lists that masking leaves nil are written null, as masking leaves
//     them (caseNilIfEmpty).
//
// The shapes are taken from the types by reflection, once (rawEventType, rawCaseType): a
// field added is known here without a change. A kind this pass does not know (a map, a
// float, an interface, a type with its own JSON methods) leaves the fast path off
// (TestRawEventTypeIsBuilt), so nothing it cannot prove is ever written from storage.

import (
	"bytes"
	"encoding"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"repairdesk/workflow"
)

type rawKind uint8

const (
	rawString rawKind = iota + 1
	rawInt
	rawUint
	rawBool
	rawTime
	rawStruct
	rawPtr
	rawSlice
	rawAgent // an agent: decoded, opened and masked on its own (rawScan.agent)
)

type rawType struct {
	kind   rawKind
	max    uint64 // rawInt, rawUint: the largest magnitude (for rawInt, of a positive value)
	elem   *rawType
	fields []rawField
}

type rawField struct {
	key       string // `"name":`, as the compact JSON holds it
	out       string // `"name": `, as the export writes it
	omitEmpty bool
	omitZero  bool
	// nullIfEmpty: an empty list is written null (masking leaves a case's empty lists
	// nil: MaskCase copies them so, and MaskCaseInPlace does the same).
	nullIfEmpty bool
	t           *rawType
}

// rawEventType is the shape of a stored event; nil when the types hold a kind this pass
// does not know, and then no event is written from its stored bytes.
var rawEventType, rawEventTypeErr = buildRawType(reflect.TypeFor[workflow.Event](), map[reflect.Type]*rawType{})

// rawCaseType is the shape of a stored case, as rawEventType is an event's.
var rawCaseType, rawCaseTypeErr = buildRawCaseType()

// caseNilIfEmpty: the lists of a case masking leaves nil when empty (maskCase's
// nilIfEmpty): an empty one is written null.
var caseNilIfEmpty = []string{"records", "materials", "findings", "notices", "investigators", "pauses", "files"}

func buildRawCaseType() (*rawType, error) {
	t, err := buildRawType(reflect.TypeFor[workflow.Case](), map[reflect.Type]*rawType{})
	if err != nil {
		return nil, err
	}
	for _, name := range caseNilIfEmpty {
		found := false
		for i := range t.fields {
			if f := &t.fields[i]; f.key == `"`+name+`":` && f.t.kind == rawSlice {
				f.nullIfEmpty, found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("a case has no list %q", name)
		}
	}
	return t, nil
}

// rawAgentType: the agent, whose ID number and phone masking replaces whole and the
// store seals apart, is written by rawScan.agent.
var rawAgentType = reflect.TypeFor[workflow.Agent]()

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	rawTimeType       = reflect.TypeFor[time.Time]()
)

func buildRawType(t reflect.Type, seen map[reflect.Type]*rawType) (*rawType, error) {
	if rt, ok := seen[t]; ok {
		return rt, nil
	}
	if t == rawAgentType {
		return &rawType{kind: rawAgent}, nil
	}
	if t == rawTimeType {
		return &rawType{kind: rawTime}, nil
	}
	if t.Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(jsonMarshalerType) ||
		t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType) {
		return nil, fmt.Errorf("%s has its own JSON or text form", t)
	}
	switch t.Kind() {
	case reflect.String:
		return &rawType{kind: rawString}, nil
	case reflect.Bool:
		return &rawType{kind: rawBool}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &rawType{kind: rawInt, max: uint64(1)<<(t.Bits()-1) - 1}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if t.Kind() == reflect.Uint8 {
			return nil, fmt.Errorf("%s: bytes are written in base64", t)
		}
		return &rawType{kind: rawUint, max: math.MaxUint64 >> (64 - t.Bits())}, nil
	case reflect.Pointer, reflect.Slice:
		rt := &rawType{kind: rawPtr}
		if t.Kind() == reflect.Slice {
			if t.Elem().Kind() == reflect.Uint8 {
				return nil, fmt.Errorf("%s: bytes are written in base64", t)
			}
			rt.kind = rawSlice
		}
		seen[t] = rt
		elem, err := buildRawType(t.Elem(), seen)
		if err != nil {
			return nil, err
		}
		rt.elem = elem
		return rt, nil
	case reflect.Struct:
		rt := &rawType{kind: rawStruct}
		seen[t] = rt
		names := map[string]bool{}
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous {
				return nil, fmt.Errorf("%s.%s is embedded", t, f.Name)
			}
			tag := f.Tag.Get("json")
			if !f.IsExported() || tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if name == "" {
				name = f.Name
			}
			if !rawPlainKey(name) {
				return nil, fmt.Errorf("%s.%s: key %q is not written as it is", t, f.Name, name)
			}
			if names[strings.ToLower(name)] {
				return nil, fmt.Errorf("%s.%s: key %q twice", t, f.Name, name)
			}
			names[strings.ToLower(name)] = true
			rf := rawField{key: `"` + name + `":`, out: `"` + name + `": `}
			for o := range strings.SplitSeq(opts, ",") {
				switch o {
				case "":
				case "omitempty": // encoding/json never leaves out a struct (a time too) for it
					rf.omitEmpty = f.Type.Kind() != reflect.Struct
				case "omitzero":
					rf.omitZero = true
				default:
					return nil, fmt.Errorf("%s.%s: option %q", t, f.Name, o)
				}
			}
			ft, err := buildRawType(f.Type, seen)
			if err != nil {
				return nil, err
			}
			// omitzero on a struct other than a time would need its own zero test.
			if rf.omitZero && f.Type.Kind() == reflect.Struct && f.Type != rawTimeType {
				return nil, fmt.Errorf("%s.%s: omitzero on a struct", t, f.Name)
			}
			rf.t = ft
			rt.fields = append(rt.fields, rf)
		}
		return rt, nil
	}
	return nil, fmt.Errorf("%s: kind %s", t, t.Kind())
}

// rawPlainKey: a key the encoder writes between quotes as it is.
func rawPlainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return k != ""
}

var errRawRefused = errors.New("not written from its stored bytes")

// rawEvent appends js, an event's stored JSON, as the export writes the event at depth d
// (encworkflow_Event's bytes), and reports whether it could; when it could not, dst is
// returned as it was given (its length), and the event must take the full path. open
// opens an agent's sealed fields as the store does when it reads the event, under the
// event's own case_id as there (nil: an event with an agent is refused).
func rawEvent(dst, js []byte, d int, open func(caseID uint32, a *workflow.Agent) error) ([]byte, bool) {
	if rawEventType == nil {
		return dst, false
	}
	r := rawScan{in: js, e: exportEnc{b: dst}, open: open, top: rawEventType, idKey: `"case_id":`}
	n0 := len(dst)
	if _, _, err := r.value(rawEventType, d); err != nil || r.pos != len(js) {
		return dst[:n0], false
	}
	return r.e.b, true
}

// rawCase appends js, a case's stored JSON, as the export writes the case at depth d
// (encworkflow_Case's bytes after masking), with its number (for masking's messages);
// ok false as for rawEvent. The case's agent is opened under the case's id.
func rawCase(dst, js []byte, d int, open func(caseID uint32, a *workflow.Agent) error) (out []byte, no string, ok bool) {
	if rawCaseType == nil {
		return dst, "", false
	}
	r := rawScan{in: js, e: exportEnc{b: dst}, open: open, top: rawCaseType, idKey: `"id":`, noKey: `"no":`}
	n0 := len(dst)
	if _, _, err := r.value(rawCaseType, d); err != nil || r.pos != len(js) || !r.haveNo {
		return dst[:n0], "", false
	}
	return r.e.b, r.no, true
}

type rawScan struct {
	in   []byte
	pos  int
	e    exportEnc
	open func(uint32, *workflow.Agent) error
	// top is the type scanned, idKey the key of its case id and noKey of its case
	// number (rawCase): caseID is the id once read (haveID), under which an agent is
	// opened; no the number.
	top          *rawType
	idKey, noKey string
	caseID       uint32
	haveID       bool
	no           string
	haveNo       bool
	// lastText is the last string's text as stored, lastEscaped whether it holds an
	// escape.
	lastText    []byte
	lastEscaped bool
	// lastTime is the last time taken (with its quotes), lastTimeZero whether it is the
	// zero time: the same bytes are the same time.
	lastTime     []byte
	lastTimeZero bool
}

// sealMark starts a sealed value (the store's sealPrefix).
const sealMark = "enc:v1:"

// value checks and writes one value of type t at depth d. empty is encoding/json's
// empty value (what omitempty omits), zero what omitzero omits.
func (r *rawScan) value(t *rawType, d int) (empty, zero bool, err error) {
	switch t.kind {
	case rawString:
		n, err := r.str()
		return n == 0, n == 0, err
	case rawInt, rawUint:
		return r.number(t)
	case rawBool:
		switch {
		case r.lit("true"):
			r.e.b = append(r.e.b, "true"...)
			return false, false, nil
		case r.lit("false"):
			r.e.b = append(r.e.b, "false"...)
			return true, true, nil
		}
	case rawTime:
		return r.time()
	case rawPtr:
		if r.lit("null") {
			r.e.b = append(r.e.b, "null"...)
			return true, true, nil
		}
		_, _, err := r.value(t.elem, d)
		return false, false, err
	case rawSlice:
		return r.slice(t, d)
	case rawStruct:
		return false, false, r.object(t, d)
	case rawAgent:
		return false, false, r.agent(d)
	}
	return false, false, errRawRefused
}

// key reads a field's key (`"name":`) if it comes next, after a comma unless it is the
// object's first field, and says whether it did.
func (r *rawScan) key(key string, after bool) bool {
	if !after {
		return r.lit(key)
	}
	if len(r.in)-r.pos > len(key) && r.in[r.pos] == ',' && string(r.in[r.pos+1:r.pos+1+len(key)]) == key {
		r.pos += 1 + len(key)
		return true
	}
	return false
}

// lit consumes s when the input goes on with it.
func (r *rawScan) lit(s string) bool {
	if len(r.in)-r.pos >= len(s) && string(r.in[r.pos:r.pos+len(s)]) == s {
		r.pos += len(s)
		return true
	}
	return false
}

func (r *rawScan) object(t *rawType, d int) error {
	if !r.lit("{") {
		return errRawRefused
	}
	r.e.b = append(r.e.b, '{')
	n := 0
	for i := range t.fields {
		f := &t.fields[i]
		present := r.key(f.key, n > 0)
		if !present {
			if f.omitEmpty || f.omitZero {
				continue // omitted
			}
			return errRawRefused
		}
		r.e.key(&n, d, f.out)
		at := r.pos
		if f.nullIfEmpty && r.lit("[]") {
			r.e.b = append(r.e.b, "null"...)
			continue
		}
		empty, zero, err := r.value(f.t, d+1)
		if err != nil {
			return err
		}
		if t == r.top && f.key == r.noKey {
			if r.lastEscaped {
				r.no = string(rawUnescape(nil, r.lastText))
			} else {
				r.no = string(r.lastText)
			}
			r.haveNo = true
		}
		if t == r.top && f.key == r.idKey {
			id, err := strconv.ParseUint(string(r.in[at:r.pos]), 10, 32)
			if err != nil {
				return errRawRefused
			}
			r.caseID, r.haveID = uint32(id), true
		}
		if f.omitEmpty && empty || f.omitZero && zero {
			return errRawRefused // written, where the encoder would have left it out
		}
	}
	if !r.lit("}") {
		return errRawRefused // a field the type lacks, out of order, twice, or a stray comma
	}
	if n > 0 {
		r.e.newline(d)
	}
	r.e.b = append(r.e.b, '}')
	return nil
}

func (r *rawScan) slice(t *rawType, d int) (empty, zero bool, err error) {
	if r.lit("null") {
		r.e.b = append(r.e.b, "null"...)
		return true, true, nil
	}
	if !r.lit("[") {
		return false, false, errRawRefused
	}
	r.e.b = append(r.e.b, '[')
	if r.lit("]") {
		r.e.b = append(r.e.b, ']')
		return true, false, nil
	}
	for i := 0; ; i++ {
		if i > 0 {
			r.e.b = append(r.e.b, ',')
		}
		r.e.newline(d + 1)
		if _, _, err := r.value(t.elem, d+1); err != nil {
			return false, false, err
		}
		if r.lit(",") {
			continue
		}
		if !r.lit("]") {
			return false, false, errRawRefused
		}
		r.e.newline(d)
		r.e.b = append(r.e.b, ']')
		return false, false, nil
	}
}

// number: an integer as strconv writes it ("0", or no leading zero; a minus only before
// a digit other than 0, and only for a signed type), within the type's range.
func (r *rawScan) number(t *rawType) (empty, zero bool, err error) {
	start := r.pos
	neg := r.lit("-")
	if neg && t.kind != rawInt {
		return false, false, errRawRefused
	}
	digits := r.pos
	var v uint64
	for r.pos < len(r.in) && r.in[r.pos] >= '0' && r.in[r.pos] <= '9' {
		c := uint64(r.in[r.pos] - '0')
		if v > (math.MaxUint64-c)/10 {
			return false, false, errRawRefused
		}
		v = 10*v + c
		r.pos++
	}
	switch {
	case r.pos == digits, r.in[digits] == '0' && (r.pos-digits > 1 || neg):
		return false, false, errRawRefused
	case !neg && v > t.max, neg && v > t.max+1:
		return false, false, errRawRefused
	}
	r.e.b = append(r.e.b, r.in[start:r.pos]...)
	return v == 0, v == 0, nil
}

// time: a string that decodes to a time the encoder writes as these very bytes.
func (r *rawScan) time() (empty, zero bool, err error) {
	if r.pos >= len(r.in) || r.in[r.pos] != '"' {
		return false, false, errRawRefused
	}
	end := bytes.IndexByte(r.in[r.pos+1:], '"')
	if end < 0 {
		return false, false, errRawRefused
	}
	s := r.in[r.pos : r.pos+end+2] // with its quotes
	// An event's time and its action's are most often one: the same bytes are the
	// same time.
	if r.lastTime != nil && bytes.Equal(s, r.lastTime) {
		r.e.b = append(r.e.b, s...)
		r.pos += len(s)
		return false, r.lastTimeZero, nil
	}
	if rawTimeCanonical(s) { // the common form, checked without parsing: not the zero time
		r.e.b = append(r.e.b, s...)
		r.pos += len(s)
		r.lastTime, r.lastTimeZero = s, false
		return false, false, nil
	}
	var t time.Time
	if t.UnmarshalJSON(s) != nil {
		return false, false, errRawRefused
	}
	n0 := len(r.e.b)
	if r.e.time(&t) != nil || !bytes.Equal(r.e.b[n0:], s) {
		r.e.b = r.e.b[:n0]
		return false, false, errRawRefused
	}
	r.pos += len(s)
	r.lastTime, r.lastTimeZero = s, t.IsZero()
	return false, t.IsZero(), nil
}

// scanStr checks that the string at r.pos is escaped as appendJSONString escapes it,
// and returns its content as stored, whether that holds an escape, whether FindPII finds
// a number in its text (workflow.HoldsPII of the unescaped text: hold), and where the
// string ends (after its closing quote). It moves nothing.
//
// Runs of ASCII are taken eight bytes at a time: in a word of eight bytes, the bytes
// before the first that has its high bit set, is a control byte, or is one of " \ < > &
// are written as they are (TestScanStrAgrees, FuzzScanStr: the same answers as byte by
// byte).
//
// The search for numbers is folded into the same pass (piiRun): it follows the runs of
// characters FindPII can take into a number (digits, X, separators: workflow.PIIRune),
// and only where one holds at least workflow.PIIRunDigits digits does it ask FindPII,
// about that run alone (with the hexadecimal characters around it: piiRun.window). Most
// texts (names, keys, a letter's dates and the agency's own landline) are answered
// without FindPII or the unescaping it needed.
func (r *rawScan) scanStr() (raw []byte, escaped, hold bool, end int, err error) {
	if r.pos >= len(r.in) || r.in[r.pos] != '"' {
		return nil, false, false, 0, errRawRefused
	}
	start := r.pos + 1
	in := r.in
	i := start
	// The run of number characters being read (see piiRunEnd): st where its first digit
	// is (-1: none now), cnt its digits; escEnd where the last escape ended; hold whether
	// FindPII found a number about a run.
	st, cnt, escEnd, hold := -1, 0, start, false
	for {
		if i+8 <= len(in) && in[i] < utf8.RuneSelf { // (a character of several bytes: below)
			w := binary.LittleEndian.Uint64(in[i:])
			stop := swarSpecial(w) | w&swarHigh
			k := 8
			if stop != 0 {
				k = bits.TrailingZeros64(stop) >> 3
			}
			if k > 0 {
				// The k bytes before the first that stops the word are ASCII: the runs
				// of number characters among them, and where they meet the run before.
				m := ^uint64(0)
				if k < 8 {
					m = 1<<(k<<3) - 1
				}
				if d := swarDigit(w) & m; d != 0 || st >= 0 {
					if non := swarNotPII(w) & m; non == 0 {
						if st < 0 {
							st = i + bits.TrailingZeros64(d)>>3
						}
						cnt += bits.OnesCount64(d)
					} else {
						if st >= 0 {
							f := bits.TrailingZeros64(non) // the first byte that ends the run
							cnt += bits.OnesCount64(d & (1<<f - 1))
							st, cnt, hold = piiRunEnd(in, st, cnt, i+f>>3, escEnd, hold)
						}
						// A run begins at the first digit after the last byte that ends one.
						after := 64 - bits.LeadingZeros64(non)
						if da := d >> after; da != 0 {
							st, cnt = i+(after+bits.TrailingZeros64(da))>>3, bits.OnesCount64(da)
						}
					}
				}
				i += k
			}
			if stop == 0 {
				continue
			}
		}
		if i >= len(in) {
			return nil, false, false, 0, errRawRefused
		}
		c := in[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				if c >= '0' && c <= '9' {
					if st < 0 {
						st = i
					}
					cnt++
				} else if st >= 0 && !rawPIIASCII[c] {
					st, cnt, hold = piiRunEnd(in, st, cnt, i, escEnd, hold)
				}
				i++
				continue
			}
			if st >= 0 { // the closing quote, or an escape: no escape stands for a number's character
				st, cnt, hold = piiRunEnd(in, st, cnt, i, escEnd, hold)
			}
			if c == '"' {
				break
			}
			n := rawEscapeLen(in[i:]) // 0: a control byte, or < > & not escaped
			if n == 0 {
				return nil, false, false, 0, errRawRefused
			}
			i += n
			escEnd = i
			escaped = true
			continue
		}
		// Three-byte characters (Chinese) one after another, without a word between.
		for plainThree(in, i) {
			if part, digit := rawPII3(c, in[i+1], in[i+2]); digit {
				if st < 0 {
					st = i
				}
				cnt++
			} else if st >= 0 && !part {
				st, cnt, hold = piiRunEnd(in, st, cnt, i, escEnd, hold)
			}
			i += 3
			if i >= len(in) {
				break
			}
			c = in[i]
		}
		if c < utf8.RuneSelf || i >= len(in) {
			continue
		}
		if plainThree(in, i) {
			continue
		}
		ru, size := utf8.DecodeRune(in[i:])
		if ru == utf8.RuneError && size == 1 || ru == '\u2028' || ru == '\u2029' {
			return nil, false, false, 0, errRawRefused // the encoder writes these escaped
		}
		if part, digit := workflow.PIIRune(ru); digit {
			if st < 0 {
				st = i
			}
			cnt++
		} else if st >= 0 && !part {
			st, cnt, hold = piiRunEnd(in, st, cnt, i, escEnd, hold)
		}
		i += size
	}
	return in[start:i], escaped, hold, i + 1, nil
}

// The search for numbers in scanStr follows, through a string's stored bytes, the run of
// characters that FindPII could take into a number (workflow.PIIRune, or more:
// rawPIIASCII, rawPII3) from its first digit, and its digits (what comes before the
// first digit, separators or an X, starts no number). An escape ends a run (no escape
// the scan accepts stands for a digit, an X or a separator), so a run's stored bytes are
// its text.
//
// Why asking about the runs alone gives FindPII's answer on the whole text: a number
// FindPII finds is made of digit groups, X and separators — characters of one such run —
// with at least PIIRunDigits digits. FindPII reads the text a character at a time, and a
// character that is neither one it takes into a number nor a hexadecimal digit leaves it
// in the state it starts in (no group, no separator, outside any hexadecimal run): so on
// a window of the text that begins and ends at such characters, it finds exactly the
// numbers it finds there in the whole text. piiRunHolds asks about that window around
// the run (TestScanStrAgrees, TestScanStrDemoOffice, FuzzScanStr: the same answer as
// FindPII on the unescaped text).

// piiRunEnd ends the run in[st:e] (st ≥ 0) that holds cnt digits, asking FindPII about it
// (unless a number is found already: hold) when it holds enough to be one; escEnd is
// where the last escape ended. It gives the state after: no run, and hold.
func piiRunEnd(in []byte, st, cnt, e, escEnd int, hold bool) (int, int, bool) {
	if cnt >= workflow.PIIRunDigits && !hold {
		hold = piiRunHolds(in, st, e, escEnd)
	}
	return -1, 0, hold
}

// piiRunHolds: whether FindPII finds a number in the run in[st:e], asked with the
// characters on either side of it that FindPII takes into a number or that are
// hexadecimal digits: back to the end of the last escape at most (the bytes after it are
// the text's), and forward to a backslash or the closing quote at most (the escaped
// character, like the end of the text, is neither).
//
// FindPII is not asked when no groups of the run, one after another, hold 11, 13, 15, 17
// or 18 digits in all (piiGroupsMayHold): a number is made of whole digit groups, one
// after another, of those sums (a mobile number, with 86 or 0086 before it, an ID number
// with its X, or all digits). The agency's landline in every letter (0371-5550-1234:
// groups of 4, 4, 4) and the digits between a digest's letters are answered so.
func piiRunHolds(in []byte, st, e, escEnd int) bool {
	if !piiGroupsMayHold(in[st:e]) {
		return false
	}
	lo, hi := st, e
	for lo > escEnd {
		r, n := utf8.DecodeLastRune(in[escEnd:lo])
		if !rawPIIWindow(r) {
			break
		}
		lo -= n
	}
	for hi < len(in) {
		r, n := utf8.DecodeRune(in[hi:])
		if !rawPIIWindow(r) {
			break
		}
		hi += n
	}
	return workflow.HoldsPII(unsafe.String(&in[lo], hi-lo))
}

// piiGroupsMayHold: whether some groups of run (its maximal sequences of digits, ASCII or
// full-width), one after another, hold 11, 13, 15, 17 or 18 digits in all. FindPII's
// groups are such sequences (a digit group ends at anything but a digit: an X, a
// separator or another character; and a digit in a long hexadecimal run is in one with
// every digit beside it), and a number it finds is groups one after another within a run
// (TestPIIGroupSums). A run of more groups than it keeps is answered yes.
func piiGroupsMayHold(run []byte) bool {
	var groups [24]uint8
	n, cur := 0, 0
	for i := 0; i < len(run); i++ {
		c := run[i]
		switch {
		case c >= '0' && c <= '9':
			cur++
			continue
		case c == 0xEF && i+2 < len(run) && run[i+1] == 0xBC && run[i+2] >= 0x90 && run[i+2] <= 0x99: // ０–９
			cur++
			i += 2
			continue
		}
		if cur > 0 {
			if n == len(groups) {
				return true
			}
			groups[n], n = uint8(min(cur, 19)), n+1
			cur = 0
		}
	}
	if cur > 0 {
		if n == len(groups) {
			return true
		}
		groups[n], n = uint8(min(cur, 19)), n+1
	}
	for i := range n {
		sum := 0
		for _, g := range groups[i:n] {
			if sum += int(g); sum > 18 {
				break
			}
			if sum == 11 || sum == 13 || sum == 15 || sum == 17 || sum == 18 {
				return true
			}
		}
	}
	return false
}

// rawPIIWindow: FindPII takes r into a number, or r is a hexadecimal digit (a backslash
// or a quote is neither).
func rawPIIWindow(r rune) bool {
	if part, _ := workflow.PIIRune(r); part {
		return true
	}
	return r >= '0' && r <= '9' || r|0x20 >= 'a' && r|0x20 <= 'f'
}

// rawPIIASCII: the ASCII bytes a run of number characters may hold — the space, ! " # $
// % & ' ( ) * + , - . / and the digits (0x20–0x39: the separators ' ', '-', '.' and the
// digits among them, the rest let through so that one range test finds them eight at a
// time, swarNotPII), and X, x. Letting more through only makes runs longer.
var rawPIIASCII = func() (t [256]bool) {
	for c := 0x20; c <= 0x39; c++ {
		t[c] = true
	}
	t['X'], t['x'] = true, true
	return t
}()

// rawPII3 classifies a three-byte character by its bytes as the Chinese loop meets them:
// whether it may be part of a number, and whether it is a digit. Of the characters
// U+3000–U+CFFF and U+E000–U+FFFF, FindPII takes the ideographic space U+3000, the
// katakana middle dot U+30FB, the full-width hyphen-minus, full stop and digits
// (U+FF0D–U+FF19, with the full-width solidus U+FF0F let through), and the full-width
// X and x (TestRawPIIClasses: against workflow.PIIRune for every character).
func rawPII3(c, b1, b2 byte) (part, digit bool) {
	switch c {
	case 0xE3:
		return b1 == 0x80 && b2 == 0x80 || b1 == 0x83 && b2 == 0xBB, false
	case 0xEF:
		if b1 == 0xBC {
			return b2 >= 0x8D && b2 <= 0x99 || b2 == 0xB8, b2 >= 0x90 && b2 <= 0x99
		}
		return b1 == 0xBD && b2 == 0x98, false
	}
	return false, false
}

// Eight bytes at a time (Sean Anderson's "Bit Twiddling Hacks": haszero, hasless,
// hasbetween). Each returns the high bit of the bytes it finds; the lowest one it sets
// is exactly the first such byte (a borrow only carries a mark upward from a byte that
// was found), whatever the bytes above it.
const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
	swarLow7 = 0x7f7f7f7f7f7f7f7f
)

// swarSpecial marks the control bytes of w and its bytes " \ < > & (what jsonSafe
// refuses among ASCII): " and & differ only in the bit 0x04, < and > in 0x02, so each
// pair is one test.
func swarSpecial(w uint64) uint64 {
	qa, lg, bs := (w|swarOnes*0x04)^(swarOnes*'&'), (w|swarOnes*0x02)^(swarOnes*'>'), w^(swarOnes*'\\')
	return (((w - swarOnes*0x20) &^ w) | ((qa - swarOnes) &^ qa) | ((lg - swarOnes) &^ lg) | ((bs - swarOnes) &^ bs)) & swarHigh
}

// swarDigit marks the ASCII digits of w (hasbetween(w, '0'-1, '9'+1)); it is exact in
// every byte, not only the first.
func swarDigit(w uint64) uint64 {
	const m, n = '0' - 1, '9' + 1
	x := w & swarLow7
	return (swarOnes*(127+n) - x) &^ w & (x + swarOnes*(127-m)) & swarHigh
}

// swarNotPII marks the bytes of w, an ASCII word, that rawPIIASCII does not let through:
// not 0x20–0x39 (hasbetween) and not X or x (((w|0x20)^'x') has a zero byte there,
// found by the exact test for a zero byte). Exact in every byte: the last byte it marks
// is where a run may begin again.
func swarNotPII(w uint64) uint64 {
	const m, n = 0x20 - 1, 0x39 + 1
	x := w & swarLow7
	between := (swarOnes*(127+n) - x) &^ w & (x + swarOnes*(127-m)) & swarHigh
	t := (w | swarOnes*0x20) ^ (swarOnes * 'x')
	isX := ^((t&swarLow7 + swarLow7) | t | swarLow7)
	return ^(between | isX) & swarHigh
}

// rawTimeCanonical reports whether s (with its quotes) is a time in the form the encoder
// writes, "YYYY-MM-DDThh:mm:ss[.f…]Z" or with an offset "±hh:mm" other than zero, of a
// year 0002–9999 (so never the zero time) and a date and time that exist — checked
// digit by digit, without parsing. What it does not accept is parsed and written again
// (rawScan.time): it only answers yes sooner (TestRawTimeCanonical).
func rawTimeCanonical(s []byte) bool {
	n := len(s)
	if n < len(`"2006-01-02T15:04:05Z"`) || s[0] != '"' || s[n-1] != '"' || s[5] != '-' || s[8] != '-' ||
		s[11] != 'T' || s[14] != ':' || s[17] != ':' {
		return false
	}
	num := func(i, w int) int {
		v := 0
		for _, c := range s[i : i+w] {
			if c < '0' || c > '9' {
				return -1
			}
			v = 10*v + int(c-'0')
		}
		return v
	}
	year, month, day := num(1, 4), num(6, 2), num(9, 2)
	hour, minute, sec := num(12, 2), num(15, 2), num(18, 2)
	if year < 2 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month-1]
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		days = 29
	}
	if day > days {
		return false
	}
	i := 20
	if s[i] == '.' { // 1–9 digits, the last not 0 (the encoder trims trailing zeros)
		j := i + 1
		for j < n-1 && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i+1 || j-i-1 > 9 || s[j-1] == '0' {
			return false
		}
		i = j
	}
	switch n - 1 - i {
	case 1:
		return s[i] == 'Z'
	case 6:
		if s[i] != '+' && s[i] != '-' || s[i+3] != ':' {
			return false
		}
		oh, om := num(i+1, 2), num(i+4, 2)
		return oh >= 0 && oh <= 23 && om >= 0 && om <= 59 && oh+om > 0
	}
	return false
}

// str checks a string escaped as appendJSONString escapes it, with no number FindPII
// finds in its text, writes it as it is, and returns its length in the input.
func (r *rawScan) str() (int, error) {
	raw, escaped, hold, end, err := r.scanStr()
	if err != nil {
		return 0, err
	}
	r.lastText, r.lastEscaped = raw, escaped
	// A sealed value (the store opens a text that starts so; the escapes never touch
	// these characters, so the stored bytes start so too).
	if bytes.HasPrefix(raw, []byte(sealMark)) || hold {
		return 0, errRawRefused
	}
	r.e.b = append(r.e.b, r.in[r.pos:end]...)
	r.pos = end
	return len(raw), nil
}

// agent writes an agent as masking leaves it (see the top of the file).
func (r *rawScan) agent(d int) error {
	if r.open == nil || !r.haveID || r.pos >= len(r.in) || r.in[r.pos] != '{' {
		return errRawRefused
	}
	start := r.pos
	var a workflow.Agent
	if !r.agentFields(&a) {
		r.pos = start
		return errRawRefused
	}
	end := r.pos
	for _, s := range []string{a.Name, a.AuthLetter} {
		if strings.Contains(s, sealMark) || workflow.HoldsPII(s) {
			return errRawRefused
		}
	}
	if r.open(r.caseID, &a) != nil {
		return errRawRefused
	}
	a.Phone, a.IDNumber = workflow.MaskPhone(a.Phone), workflow.MaskID(a.IDNumber)
	for _, s := range []string{a.Phone, a.IDNumber} {
		if strings.Contains(s, sealMark) || workflow.HoldsPII(s) {
			return errRawRefused
		}
	}
	if err := r.e.encworkflow_Agent(&a, d); err != nil {
		return errRawRefused
	}
	r.pos = end
	return nil
}

// rawAgentFields: an agent's fields, all strings, in order (the agent is read by
// agentFields, not as other objects are: its texts are kept, not written).
var rawAgentFields = func() (fs []struct {
	key       string
	omitEmpty bool
}) {
	t := rawAgentType
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Type.Kind() != reflect.String || !f.IsExported() || name == "" || name == "-" || !rawPlainKey(name) ||
			(opts != "" && opts != "omitempty") {
			panic(fmt.Sprintf("workflow.Agent.%s: agentFields reads only tagged strings", f.Name))
		}
		fs = append(fs, struct {
			key       string
			omitEmpty bool
		}{`"` + name + `":`, opts == "omitempty"})
	}
	return fs
}()

// agentFields reads the agent at r.pos into a, checking it is what the encoder writes
// (rawAgentFields: every field in order, the omitempty ones left out when empty, each
// string escaped as the encoder escapes it).
func (r *rawScan) agentFields(a *workflow.Agent) bool {
	if !r.lit("{") {
		return false
	}
	v := reflect.ValueOf(a).Elem()
	n := 0
	for i, f := range rawAgentFields {
		present := r.key(f.key, n > 0)
		if !present {
			if f.omitEmpty {
				continue
			}
			return false
		}
		n++
		raw, escaped, _, end, err := r.scanStr()
		if err != nil || f.omitEmpty && len(raw) == 0 {
			return false
		}
		text := string(raw)
		if escaped {
			text = string(rawUnescape(nil, raw))
		}
		v.Field(i).SetString(text)
		r.pos = end
	}
	return r.lit("}")
}

// rawEscapeNeeded: \uXXXX (four hex digits, as the encoder writes them: lower case) of a
// character the encoder writes so — a control character with no short escape, < > &,
// U+2028 or U+2029.
func rawEscapeNeeded(h []byte) bool {
	var v rune
	for _, c := range h {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		default:
			return false
		}
	}
	switch v {
	case '\b', '\f', '\n', '\r', '\t':
		return false
	case '<', '>', '&', '\u2028', '\u2029':
		return true
	}
	return v < 0x20
}

// rawEscapeLen is the length of the escape in starts with (in[0] is a backslash), 0 when
// in does not start with one the encoder writes: a control byte, a backslash before
// anything else, or a \u escape of a character the encoder writes as it is.
func rawEscapeLen(in []byte) int {
	if in[0] != '\\' || len(in) < 2 {
		return 0
	}
	switch in[1] {
	case '"', '\\', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(in) < 6 || !rawEscapeNeeded(in[2:6]) {
			return 0
		}
		return 6
	}
	return 0
}

// hex4 is the code point of a \u escape's four hex digits, lower case as the scan
// accepts them.
func hex4(h []byte) rune {
	var v rune
	for _, c := range h {
		if c <= '9' {
			v = v<<4 | rune(c-'0')
		} else {
			v = v<<4 | rune(c-'a'+10)
		}
	}
	return v
}

// appendEscaped appends what the escape raw[i-1:] (a backslash, then raw[i]) stands for,
// and gives the index of its last byte.
func appendEscaped(dst, raw []byte, i int) ([]byte, int) {
	switch raw[i] {
	case 'b':
		return append(dst, '\b'), i
	case 'f':
		return append(dst, '\f'), i
	case 'n':
		return append(dst, '\n'), i
	case 'r':
		return append(dst, '\r'), i
	case 't':
		return append(dst, '\t'), i
	case 'u':
		return utf8.AppendRune(dst, hex4(raw[i+1:i+5])), i + 4
	}
	return append(dst, raw[i]), i // '"', '\\'
}

// rawUnescape appends the text of raw, a string's content that str has checked. The
// runs between escapes are appended whole (a letter's text holds an escaped newline in
// every few dozen bytes; appending it byte by byte was 0.3 s of an export).
func rawUnescape(dst, raw []byte) []byte {
	for i := 0; i < len(raw); i++ {
		k := bytes.IndexByte(raw[i:], '\\')
		if k < 0 {
			return append(dst, raw[i:]...)
		}
		dst = append(dst, raw[i:i+k]...)
		i += k + 1
		dst, i = appendEscaped(dst, raw, i)
	}
	return dst
}

// plainThree: in[i:] starts a well-formed three-byte character whose lead byte is E3–EC
// or EE–EF (Chinese, and the full-width forms): one the encoder writes as it is, with no
// surrogate or line separator among them (E2 and ED are left to utf8.DecodeRune).
func plainThree(in []byte, i int) bool {
	if i+2 >= len(in) {
		return false
	}
	c := in[i]
	return (c >= 0xE3 && c <= 0xEC || c >= 0xEE) && c <= 0xEF && in[i+1]&0xC0 == 0x80 && in[i+2]&0xC0 == 0x80
}
