package cli

// An export's JSON without reflection: exportenc_gen.go holds one function per type of
// an export item, generated from the types themselves (exportenc_gen_test.go), each
// appending its value already indented. The bytes are json.Marshal's with indentJSON's
// indentation ("  " prefix and indent), byte for byte (TestExportEncoderIsJSON); a value
// the generated code does not write the way encoding/json would (a time outside RFC
// 3339) falls back to that pair, which gives encoding/json's own error.

import (
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"
)

type exportEnc struct{ b []byte }

// errEncFallback: a value to leave to encoding/json.
var errEncFallback = errors.New("not written by the generated encoder")

// encodeExportItem appends it as json.Marshal and indentJSON(…, "  ", "  ") would.
func encodeExportItem(dst []byte, it *exportItem) ([]byte, error) {
	e := exportEnc{b: dst}
	if err := e.enccli_exportItem(it, 0); err == nil {
		return e.b, nil
	}
	b, err := json.Marshal(it)
	if err != nil {
		return nil, err
	}
	return indentJSON(dst, b, "  ", "  "), nil
}

// exportIndent is a newline, the prefix and indents enough for any depth of an item.
const exportIndent = "\n                                                                "

// newline starts a line at depth d (the prefix and d indents of two spaces).
func (e *exportEnc) newline(d int) {
	if n := 3 + 2*d; n <= len(exportIndent) {
		e.b = append(e.b, exportIndent[:n]...)
		return
	}
	e.b = append(e.b, '\n', ' ', ' ')
	for range d {
		e.b = append(e.b, ' ', ' ')
	}
}

// key starts the n-th field of an object at depth d: its comma, line and key.
func (e *exportEnc) key(n *int, d int, k string) {
	if *n > 0 {
		e.b = append(e.b, ',')
	}
	*n++
	e.newline(d + 1)
	e.b = append(e.b, k...)
}

// time appends t as time.Time.MarshalJSON writes it; a time it refuses is left to
// encoding/json.
func (e *exportEnc) time(t *time.Time) error {
	n0 := len(e.b) + 1
	e.b = append(e.b, '"')
	e.b = t.AppendFormat(e.b, time.RFC3339Nano)
	b := e.b
	switch {
	case len(b)-n0 < 5 || b[n0+4] != '-': // the year must be exactly 4 digits wide
		return errEncFallback
	case b[len(b)-1] != 'Z':
		c := b[len(b)-len("Z07:00")]
		if '0' <= c && c <= '9' || 10*(b[len(b)-5]-'0')+(b[len(b)-4]-'0') >= 24 {
			return errEncFallback
		}
	}
	e.b = append(e.b, '"')
	return nil
}

// jsonSafe: the ASCII bytes encoding/json writes as they are (with HTML escaping, as
// json.Marshal does): printable, but for the quote, the backslash, <, > and &.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

// appendJSONString appends s quoted as encoding/json's appendString does with
// escapeHTML.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if jsonSafe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		// Most text is Chinese: three bytes, lead E3–EC, EE or EF (the leads whose
		// characters are all valid with any two continuation bytes, and none of them
		// U+2028 or U+2029), written as they are without decoding the rune.
		if b := s[i]; i+2 < len(s) && (b >= 0xE3 && b <= 0xEC || b >= 0xEE) && b <= 0xEF &&
			s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
			i += 3
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
