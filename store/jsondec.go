package store

// A decoder of the stored JSON of events and cases (and the lean views of them that the
// store decodes), generated from the types (jsondec_gen.go, written by
// TestJSONDecoderIsCurrent in jsondec_gen_test.go). It reads the canonical JSON that
// json.Marshal wrote for the hash chain: the fields in their declared order (any of them
// may be left out, as omitempty or an older version leaves them out), no whitespace,
// strings with the escapes JSON allows, numbers as integers, times as time.Time writes
// them. It reads them without reflection and without a copy of the whole input; only the
// strings a value keeps are copied out of it, never aliased (the input is bbolt's or the
// zstd decoder's buffer, neither of which outlives the call): short ones interned, long
// ones into one block per value (check's workers: blocks shared by a case's values,
// jdecKeeper).
//
// Whatever it does not recognise — a field out of its order, an unknown or repeated field,
// whitespace, a number with a fraction, an escape it does not read, bytes that are not
// UTF-8, nesting too deep — it declines, and decodeJSON decodes the input as before
// (goccy/go-json, then encoding/json), so what is readable and the error said of what is
// not stay exactly as they were. TestFastDecoderAgrees and FuzzFastDecoder compare it
// with encoding/json.

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

const (
	// internMax: strings this short (kinds, stages, roles, keys, staff names, dates)
	// come from the decoder's table, shared between values, instead of each value's
	// block; a value kept in part (a case as ForStats keeps it) then does not hold its
	// whole block.
	internMax = 24
	// internBits: the table has 1<<internBits places, each holding the last string
	// hashed to it (a cache, not a map: cheaper to look up, and bounded).
	internBits = 10
	// maxSkipDepth: a skipped value nested deeper is declined (encoding/json's own limit
	// is 10,000; the decoder's error for such input is then its own).
	maxSkipDepth = 1000
)

// jdec is one decoding's state; the generated functions are its methods. One per
// goroutine (jdecPool).
type jdec struct {
	js    []byte
	pos   int
	blk   strings.Builder // the block the current value's long strings are copied into
	tmp   []byte          // an escaped string, unescaped
	names [1 << internBits]string
	// lastTime is the last time read by rfc3339 (its bytes, how long, what it gave, and
	// time.Local then): an event's time and its action's are mostly written alike, and
	// so are many of a case's.
	lastTime    [40]byte
	lastTimeLen int
	lastT       time.Time
	lastLocal   *time.Location
	// shared: the blocks serve the values of many inputs (jdecKeeper), so what is left
	// of one input does not bound them.
	shared bool
	jdecStacks
}

var jdecPool = sync.Pool{New: func() any { return new(jdec) }}

// fastJSON decodes js into dst (a zero value of one of the generated types) and reports
// whether it did; when it did not, dst is left zero.
func fastJSON(js []byte, dst any) bool {
	d := jdecPool.Get().(*jdec)
	d.js, d.pos, d.blk = js, 0, strings.Builder{}
	ok := d.decodeRoot(dst)
	d.js, d.blk = nil, strings.Builder{}
	jdecPool.Put(d)
	return ok
}

// jdecKeeper decodes many values on one goroutine (a check worker: the events and the
// case it verifies) into strings that share blocks until newBlock: a value's strings
// go to what is left of the block the values before it used, and a new block, twice the
// last (512 bytes to 8 KiB), is made only when that is too small. A block per value
// cost an allocation for each event (every event keeps its two hashes, 128 bytes).
// Strings are still never aliased to the input, and a block is never written again
// where it gave out a string, so a value outlives any of this (it only keeps the whole
// block alive while it lives).
type jdecKeeper struct{ d jdec }

// decode is decodeJSON, the generated decoder's strings kept in the keeper's block.
func (k *jdecKeeper) decode(js []byte, dst any) error {
	d := &k.d
	d.shared = true
	d.js, d.pos = js, 0
	ok := d.decodeRoot(dst)
	d.js = nil
	if ok {
		return nil
	}
	return decodeJSON(js, dst) // declined: decoded as decodeJSON decodes it
}

// newBlock starts a new block for the values decoded next (those decoded so far keep
// theirs).
func (k *jdecKeeper) newBlock() { k.d.blk = strings.Builder{} }

// done reports whether the whole input was read.
func (d *jdec) done() bool { return d.pos == len(d.js) }

func (d *jdec) byte(c byte) bool {
	if d.pos < len(d.js) && d.js[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

// lit reads s (at least 2 bytes; its second byte compared first: a field's key that is
// not the one looked for is mostly told by its first letter).
func (d *jdec) lit(s string) bool {
	if len(d.js)-d.pos >= len(s) && d.js[d.pos+1] == s[1] && string(d.js[d.pos:d.pos+len(s)]) == s {
		d.pos += len(s)
		return true
	}
	return false
}

// null reads a null (which leaves what it is decoded into as it was: zero).
func (d *jdec) null() bool { return d.lit("null") }

// next reads the ',' between fields, or the closing '}' (then more is false).
func (d *jdec) next() (more, ok bool) {
	if d.byte(',') {
		return true, true
	}
	return false, d.byte('}')
}

// nextElem is next for an array's elements.
func (d *jdec) nextElem() (more, ok bool) {
	if d.byte(',') {
		return true, true
	}
	return false, d.byte(']')
}

func (d *jdec) bool(v *bool) bool {
	switch {
	case d.lit("true"):
		*v = true
	case d.lit("false"):
		*v = false
	default:
		return d.null()
	}
	return true
}

// digits reads an integer without fraction or exponent: its magnitude and sign.
func (d *jdec) digits() (n uint64, neg, ok bool) {
	p := d.pos
	if p < len(d.js) && d.js[p] == '-' {
		neg = true
		p++
	}
	start := p
	for ; p < len(d.js) && d.js[p] >= '0' && d.js[p] <= '9'; p++ {
		if n > (math.MaxUint64-9)/10 {
			return 0, false, false
		}
		n = n*10 + uint64(d.js[p]-'0')
	}
	switch {
	case p == start, d.js[start] == '0' && p-start > 1, neg && n == 0:
		return 0, false, false // not a number, a leading zero, -0
	case p < len(d.js) && (d.js[p] == '.' || d.js[p] == 'e' || d.js[p] == 'E'):
		return 0, false, false // a fraction: encoding/json's error for an integer field
	}
	d.pos = p
	return n, neg, true
}

// int reads a signed integer in [lo, hi] (null: 0).
func (d *jdec) int(lo, hi int64) (int64, bool) {
	if d.null() {
		return 0, true
	}
	n, neg, ok := d.digits()
	if !ok {
		return 0, false
	}
	if neg {
		if n > uint64(-(lo+1))+1 {
			return 0, false
		}
		return -int64(n-1) - 1, true
	}
	if n > uint64(hi) {
		return 0, false
	}
	return int64(n), true
}

// uint reads an unsigned integer up to hi (null: 0).
func (d *jdec) uint(hi uint64) (uint64, bool) {
	if d.null() {
		return 0, true
	}
	n, neg, ok := d.digits()
	if !ok || neg || n > hi {
		return 0, false
	}
	return n, true
}

// time reads a time as (*time.Time).UnmarshalJSON does, given the same bytes: the form
// MarshalJSON writes is read here, anything else by UnmarshalJSON itself.
func (d *jdec) time(t *time.Time) bool {
	if d.null() {
		return true
	}
	if d.pos >= len(d.js) || d.js[d.pos] != '"' {
		return false
	}
	i := bytes.IndexByte(d.js[d.pos+1:], '"')
	if i < 0 {
		return false
	}
	raw := d.js[d.pos : d.pos+i+2]
	if b := raw[1 : len(raw)-1]; len(b) == d.lastTimeLen && string(b) == string(d.lastTime[:len(b)]) && d.lastLocal == time.Local {
		*t = d.lastT // the same bytes as the last time read: the same time
	} else if tt, ok := rfc3339(b); ok {
		*t = tt
		if len(b) <= len(d.lastTime) {
			d.lastTimeLen = copy(d.lastTime[:], b)
			d.lastT, d.lastLocal = tt, time.Local
		}
	} else if bytes.IndexByte(raw, '\\') >= 0 || t.UnmarshalJSON(raw) != nil {
		return false
	}
	d.pos += i + 2
	return true
}

// rfc3339 reads what (time.Time).MarshalJSON writes, 2006-01-02T15:04:05.999999999Z07:00,
// within the ranges time.Parse accepts, to the same time in the same location: UTC for
// Z, else Local when Local has the offset at that instant, else a fixed zone without a
// name. Anything else it leaves to UnmarshalJSON.
func rfc3339(b []byte) (time.Time, bool) {
	num := func(i, n int) int {
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	year, month, day, hour, min, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour < 0 || hour > 23 ||
		min < 0 || min > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	rest, nsec := b[19:], 0
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && n <= 10 && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 || n > 10 {
			return time.Time{}, false
		}
		nsec = num(20, n-1)
		for range 10 - n {
			nsec *= 10
		}
		rest = rest[n:]
	}
	off := 0
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, om := num(len(b)-5, 2), num(len(b)-2, 2)
		if oh < 0 || oh > 23 || om < 0 || om > 59 {
			return time.Time{}, false
		}
		if off = oh*3600 + om*60; rest[0] == '-' {
			off = -off
		}
	default:
		return time.Time{}, false
	}
	// Days since 1970-01-01 of the proleptic Gregorian date (H. Hinnant's days_from_civil).
	y := year
	if month <= 2 {
		y--
	}
	era := y / 400
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (month + 9) % 12
	doy := (153*mp+2)/5 + day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := int64(era)*146097 + int64(doe) - 719468
	t := time.Unix(days*86400+int64(hour*3600+min*60+sec-off), int64(nsec)) // in Local
	if len(rest) == 1 {
		return t.UTC(), true
	}
	if _, lo := t.Zone(); lo != off {
		t = t.In(time.FixedZone("", off))
	}
	return t, true
}

// daysIn is the number of days of month in year.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// str reads a string (null: "").
func (d *jdec) str(v *string) bool {
	if !d.byte('"') {
		return d.null()
	}
	start := d.pos
	i, high := scanString(d.js, start)
	if i >= len(d.js) || d.js[i] != '"' {
		return d.strEscaped(v, start)
	}
	raw := d.js[start:i]
	if high && !utf8.Valid(raw) {
		return false // encoding/json puts U+FFFD for each bad byte: it decides
	}
	d.pos = i + 1
	*v = d.keep(raw)
	return true
}

// strEscaped reads a string that holds escapes, from start (after its opening quote).
func (d *jdec) strEscaped(v *string, start int) bool {
	js := d.js
	b := d.tmp[:0]
	for i := start; ; {
		end, high := scanString(js, i)
		if high && !utf8.Valid(js[i:end]) { // an escape is ASCII: it never cuts a character
			return false
		}
		b = append(b, js[i:end]...)
		if i = end; i >= len(js) || js[i] < 0x20 {
			return false
		}
		if js[i] == '"' {
			d.tmp = b
			d.pos = i + 1
			*v = d.keep(b)
			return true
		}
		if i+1 >= len(js) { // an escape
			return false
		}
		switch js[i+1] {
		case '"', '\\', '/':
			b = append(b, js[i+1])
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(js, i+2)
			if !ok {
				return false
			}
			if utf16.IsSurrogate(r) {
				// Only a pair, high then low, is read here; encoding/json decides what
				// a lone half becomes.
				r2, ok := hex4(js, i+8)
				if !ok || r >= 0xdc00 || js[i+6] != '\\' || js[i+7] != 'u' {
					return false
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return false
				}
				i += 6
			}
			b = utf8.AppendRune(b, r)
			i += 4
		default:
			return false
		}
		i += 2
	}
}

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// scanString finds, from js[i:], the first byte that ends a string's plain run: a quote,
// a backslash or a control character (len(js) when none); high says whether a byte
// before it is not ASCII. Eight bytes at a time: a letter's body is most of an event.
func scanString(js []byte, i int) (int, bool) {
	var high uint64
	for ; i+8 <= len(js); i += 8 {
		x := binary.LittleEndian.Uint64(js[i:])
		q, bs := x^(lo8*'"'), x^(lo8*'\\')
		// The high bit of each byte that is zero in q or bs, or below 0x20 in x: exact
		// for the lowest such byte (a borrow can only mark bytes above it).
		if m := ((q-lo8)&^q | (bs-lo8)&^bs | (x-lo8*0x20)&^x) & hi8; m != 0 {
			n := bits.TrailingZeros64(m) / 8
			high |= x & hi8 & (1<<(8*n) - 1)
			return i + n, high != 0
		}
		high |= x & hi8
	}
	for ; i < len(js); i++ {
		c := js[i]
		if c == '"' || c == '\\' || c < 0x20 {
			break
		}
		high |= uint64(c) & 0x80
	}
	return i, high != 0
}

// hex4 reads the 4 hex digits at js[i:].
func hex4(js []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(js) {
		return 0, false
	}
	var r rune
	for _, c := range js[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// keep gives the string the decoded value keeps of b (which points into the input or
// d.tmp): a short one from the table, a long one copied into the value's block, a new
// one for each value (and when full), never the input.
func (d *jdec) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) <= internMax {
		h := internHash(b)
		if s := d.names[h]; s == string(b) {
			return s
		}
		s := string(b)
		d.names[h] = s
		return s
	}
	if d.blk.Cap()-d.blk.Len() < len(b) {
		// What is left of the input bounds what is left to keep. A Builder's memory is
		// not cleared first, and what it gave out it never writes again.
		size := max(min(max(2*d.blk.Cap(), 512), len(d.js)-d.pos+len(b)), len(b))
		if d.shared {
			size = max(min(max(2*d.blk.Cap(), 512), 8<<10), len(b))
		}
		d.blk = strings.Builder{}
		d.blk.Grow(size)
	}
	d.blk.Write(b)
	s := d.blk.String()
	return s[len(s)-len(b):]
}

// internHash is b's place in the table (b not empty): its first and last 8 bytes mixed
// (a string differing only in between takes the place of another; it is then made again).
func internHash(b []byte) uint {
	var x uint64
	if len(b) >= 8 {
		x = binary.LittleEndian.Uint64(b) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(b[len(b)-8:]), 31)
	} else {
		for _, c := range b {
			x = x<<8 | uint64(c)
		}
	}
	x = (x ^ uint64(len(b))) * 0x9e3779b97f4a7c15
	return uint(x >> (64 - internBits))
}

// skipEmpty reads what encoding/json decodes into a struct{}: an object (its content
// checked, not kept) or null.
func (d *jdec) skipEmpty() bool {
	if d.null() {
		return true
	}
	return d.pos < len(d.js) && d.js[d.pos] == '{' && d.skip(0)
}

// skip reads one JSON value (checked as encoding/json's scanner checks it, not kept).
func (d *jdec) skip(depth int) bool {
	if d.pos >= len(d.js) || depth > maxSkipDepth {
		return false
	}
	switch c := d.js[d.pos]; {
	case c == '"':
		return d.skipString()
	case c == '{':
		d.pos++
		if d.byte('}') {
			return true
		}
		for {
			if !d.skipString() || !d.byte(':') || !d.skip(depth+1) {
				return false
			}
			more, ok := d.next()
			if !more {
				return ok
			}
		}
	case c == '[':
		d.pos++
		if d.byte(']') {
			return true
		}
		for {
			if !d.skip(depth + 1) {
				return false
			}
			more, ok := d.nextElem()
			if !more {
				return ok
			}
		}
	case c == 't':
		return d.lit("true")
	case c == 'f':
		return d.lit("false")
	case c == 'n':
		return d.null()
	default:
		return d.skipNumber()
	}
}

// skipString reads a string literal: no raw control characters, only JSON's escapes
// (bytes that are not UTF-8 pass: encoding/json replaces them, it does not refuse them).
func (d *jdec) skipString() bool {
	if !d.byte('"') {
		return false
	}
	js := d.js
	for i := d.pos; ; {
		i, _ = scanString(js, i)
		switch {
		case i >= len(js) || js[i] < 0x20:
			return false
		case js[i] == '"':
			d.pos = i + 1
			return true
		case i+1 >= len(js):
			return false
		}
		switch js[i+1] { // an escape
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if _, ok := hex4(js, i+2); !ok {
				return false
			}
			i += 6
		default:
			return false
		}
	}
}

// skipNumber reads a number as JSON's grammar has it.
func (d *jdec) skipNumber() bool {
	js, p := d.js, d.pos
	digits := func() bool {
		s := p
		for p < len(js) && js[p] >= '0' && js[p] <= '9' {
			p++
		}
		return p > s
	}
	if p < len(js) && js[p] == '-' {
		p++
	}
	switch {
	case p < len(js) && js[p] == '0':
		p++
	case !digits():
		return false
	}
	if p < len(js) && js[p] == '.' {
		p++
		if !digits() {
			return false
		}
	}
	if p < len(js) && (js[p] == 'e' || js[p] == 'E') {
		p++
		if p < len(js) && (js[p] == '+' || js[p] == '-') {
			p++
		}
		if !digits() {
			return false
		}
	}
	d.pos = p
	return true
}
