package search

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
)

// Haystack kinds. Every field is searchable as written (raw); a field with
// Chinese characters is also searchable by its toneless pinyin ("he nan xin
// xiu", syllables kept apart by spaces so sahilm's separator bonus applies;
// exact/prefix comparisons ignore those spaces) and by its initials ("hnxx").
const (
	kindRaw byte = iota
	kindPinyin
	kindInitials
)

const (
	maxFields   = 255       // fields past this are not indexed
	maxHayBytes = 1<<16 - 1 // longer fields are cut (at a rune boundary)
	hayHeader   = 12        // mask uint64 | len uint16 | field byte | kind byte
)

var (
	pyOnce  sync.Once
	pyTable map[rune]string
)

// runePinyin is the first toneless reading of r ("" when r has none). The
// table is built once from go-pinyin (Style Normal, no heteronyms) and is
// read-only afterwards.
func runePinyin(r rune) string {
	if r < utf8.RuneSelf {
		return ""
	}
	pyOnce.Do(func() {
		args := pinyin.NewArgs()
		args.Style = pinyin.Normal
		args.Heteronym = false
		args.Fallback = func(rune, pinyin.Args) []string { return nil }
		pyTable = make(map[rune]string, len(pinyin.PinyinDict))
		for k := range pinyin.PinyinDict {
			r := rune(k)
			if ps := pinyin.SinglePinyin(r, args); len(ps) > 0 && ps[0] != "" {
				pyTable[r] = ps[0]
			}
		}
	})
	return pyTable[r]
}

// cleanField cuts f at its first NUL (as sahilm/fuzzy does), makes it valid
// UTF-8 and bounds its length.
func cleanField(f string) string {
	if i := strings.IndexByte(f, 0); i >= 0 {
		f = f[:i]
	}
	f = strings.ToValidUTF8(f, "\uFFFD")
	if len(f) > maxHayBytes {
		cut := maxHayBytes
		for cut > 0 && !utf8.RuneStart(f[cut]) {
			cut--
		}
		f = f[:cut]
	}
	return f
}

// encoder holds scratch buffers; one per goroutine.
type encoder struct {
	py, ini []byte
}

// kind byte of a haystack header: kindRaw/kindPinyin/kindInitials, plus
// hayASCII when the haystack is pure ASCII.
const (
	kindMask byte = 0x03
	hayASCII byte = 0x80
	hayUpper byte = 0x40 // has A-Z
	hayLower byte = 0x20 // has a-z
)

func appendHay(b []byte, h []byte, hs string, field int, kind byte) []byte {
	var m uint64
	ascii := true
	see := func(r rune) {
		m |= bitOf(canon(r))
		switch {
		case 'A' <= r && r <= 'Z':
			kind |= hayUpper
		case 'a' <= r && r <= 'z':
			kind |= hayLower
		case r >= utf8.RuneSelf:
			ascii = false
		}
	}
	for i := 0; i < len(h); {
		r, sz := utf8.DecodeRune(h[i:])
		see(r)
		i += sz
	}
	for _, r := range hs {
		see(r)
	}
	if ascii {
		kind |= hayASCII
	}
	n := len(h) + len(hs)
	b = append(b,
		byte(m), byte(m>>8), byte(m>>16), byte(m>>24), byte(m>>32), byte(m>>40), byte(m>>48), byte(m>>56),
		byte(n), byte(n>>8), byte(field), kind)
	b = append(b, h...)
	return append(b, hs...)
}

// encode packs a doc's haystacks into one string and returns it with the
// union of their rune signatures.
func (e *encoder) encode(d Doc) (blob string, mask uint64) {
	b, mask := e.appendDoc(nil, d)
	return string(b), mask
}

// appendDoc appends the doc's packed haystacks to b: per haystack a header
// (hayHeader bytes: signature, length, field, kind) and its text.
func (e *encoder) appendDoc(b []byte, d Doc) ([]byte, uint64) {
	start := len(b)
	for fi, f := range d.Fields {
		if fi >= maxFields {
			break
		}
		f = cleanField(f)
		if f == "" {
			continue
		}
		b = appendHay(b, nil, f, fi, kindRaw)
		py, ini := e.py[:0], e.ini[:0]
		han := false
		prevSyl := false
		for _, r := range f {
			if s := runePinyin(r); s != "" {
				han = true
				if len(py) > 0 && py[len(py)-1] != ' ' {
					py = append(py, ' ')
				}
				py = append(py, s...)
				ini = append(ini, s[0])
				prevSyl = true
				continue
			}
			if prevSyl && r != ' ' {
				py = append(py, ' ')
			}
			prevSyl = false
			py = utf8.AppendRune(py, r)
			if !unicode.IsSpace(r) {
				ini = utf8.AppendRune(ini, r)
			}
		}
		if han {
			if len(py) > maxHayBytes {
				py = []byte(cleanField(string(py)))
			}
			if len(ini) > maxHayBytes {
				ini = []byte(cleanField(string(ini)))
			}
			b = appendHay(b, py, "", fi, kindPinyin)
			b = appendHay(b, ini, "", fi, kindInitials)
		}
		e.py, e.ini = py, ini
	}
	var mask uint64
	for i := start; i < len(b); i += hayHeader + hayLen(b, i) {
		mask |= hayMask(b, i)
	}
	return b, mask
}

func hayMask[S ~string | ~[]byte](b S, i int) uint64 {
	return uint64(b[i]) | uint64(b[i+1])<<8 | uint64(b[i+2])<<16 | uint64(b[i+3])<<24 |
		uint64(b[i+4])<<32 | uint64(b[i+5])<<40 | uint64(b[i+6])<<48 | uint64(b[i+7])<<56
}

func hayLen[S ~string | ~[]byte](b S, i int) int {
	return int(b[i+8]) | int(b[i+9])<<8
}
