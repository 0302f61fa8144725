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
	blobHead    = 2         // haystack count uint16
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
	py, ini  []byte
	hdr, txt []byte // the doc's headers and texts
}

// kind byte of a haystack header: kindRaw/kindPinyin/kindInitials, plus
// flags.
const (
	kindMask    byte = 0x03
	hayASCII    byte = 0x80 // pure ASCII
	hayUpper    byte = 0x40 // has A-Z
	hayLower    byte = 0x20 // has a-z
	hayCamel    byte = 0x10 // has a lower-case rune followed by an upper-case one
	haySepAlpha byte = 0x08 // has a letter right after a separator
	haySepOther byte = 0x04 // has a non-letter right after a separator
)

// appendHay appends a haystack's header and text to e.hdr and e.txt.
func (e *encoder) appendHay(h []byte, hs string, field int, kind byte, wide *uint64) {
	var m uint64
	ascii := true
	var prev rune
	first := true
	see := func(r rune) {
		c := canon(r)
		m |= bitOf(c)
		*wide |= wideBitOf(c)
		switch {
		case 'A' <= r && r <= 'Z':
			kind |= hayUpper
		case 'a' <= r && r <= 'z':
			kind |= hayLower
		case r >= utf8.RuneSelf:
			ascii = false
		}
		// Where sahilm/fuzzy's camel-case and separator bonuses can apply.
		if unicode.IsLower(prev) && unicode.IsUpper(r) {
			kind |= hayCamel
		}
		if !first && isSeparator(prev) {
			if unicode.IsLetter(r) {
				kind |= haySepAlpha
			} else {
				kind |= haySepOther
			}
		}
		prev, first = r, false
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
	e.hdr = append(e.hdr,
		byte(m), byte(m>>8), byte(m>>16), byte(m>>24), byte(m>>32), byte(m>>40), byte(m>>48), byte(m>>56),
		byte(n), byte(n>>8), byte(field), kind)
	e.txt = append(e.txt, h...)
	e.txt = append(e.txt, hs...)
}

// encode packs a doc's haystacks into one string.
func (e *encoder) encode(d Doc) string {
	b, _, _, _ := e.appendDoc(nil, d)
	return string(b)
}

// appendDoc appends the doc's packed haystacks to b: their count (uint16),
// their headers (hayHeader bytes each: signature, length, field, kind) and
// their texts, in the same order. Headers come first so that a scan reads
// them without chasing lengths through the texts. It returns the union of the
// haystack signatures, the doc's non-ASCII signature and the signature of the
// haystacks' first runes (firstBit; spaces skipped, as prefixTier skips them on
// pinyin and initials).
func (e *encoder) appendDoc(b []byte, d Doc) (_ []byte, mask, wide uint64, first uint32) {
	e.hdr, e.txt = e.hdr[:0], e.txt[:0]
	for fi, f := range d.Fields {
		if fi >= maxFields {
			break
		}
		f = cleanField(f)
		if f == "" {
			continue
		}
		e.appendHay(nil, f, fi, kindRaw, &wide)
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
			// Full-width forms become ASCII, so that most pinyin haystacks
			// are pure ASCII (the raw haystack keeps the original).
			switch {
			case 0xFF01 <= r && r <= 0xFF5E:
				r -= 0xFEE0
			case r == 0x3000:
				r = ' '
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
			e.appendHay(py, "", fi, kindPinyin, &wide)
			e.appendHay(ini, "", fi, kindInitials, &wide)
		}
		e.py, e.ini = py, ini
	}
	text := 0
	for i := 0; i < len(e.hdr); i += hayHeader {
		mask |= hayMask(e.hdr, i)
		n := hayLen(e.hdr, i)
		h := e.txt[text : text+n]
		if e.hdr[i+11]&kindMask != kindRaw {
			for len(h) > 0 && h[0] == ' ' {
				h = h[1:]
			}
		}
		if len(h) > 0 {
			r, _ := utf8.DecodeRune(h)
			first |= firstBit(canon(r))
		}
		text += n
	}
	count := len(e.hdr) / hayHeader
	b = append(b, byte(count), byte(count>>8))
	b = append(b, e.hdr...)
	return append(b, e.txt...), mask, wide, first
}

// firstBit is the bit of a canonical rune in a doc's signature of first runes: one per
// letter a-z, five for the digits (two each), one for everything else. A doc without
// a query term's bit has no haystack the term can be a prefix of (nor equal to).
func firstBit(c rune) uint32 {
	switch {
	case 'a' <= c && c <= 'z':
		return 1 << uint(c-'a')
	case '0' <= c && c <= '9':
		return 1 << uint(26+(c-'0')%5)
	}
	return 1 << 31
}

func hayCount(blob string) int {
	if len(blob) < blobHead {
		return 0
	}
	return int(blob[0]) | int(blob[1])<<8
}

func hayMask[S ~string | ~[]byte](b S, i int) uint64 {
	return uint64(b[i]) | uint64(b[i+1])<<8 | uint64(b[i+2])<<16 | uint64(b[i+3])<<24 |
		uint64(b[i+4])<<32 | uint64(b[i+5])<<40 | uint64(b[i+6])<<48 | uint64(b[i+7])<<56
}

func hayLen[S ~string | ~[]byte](b S, i int) int {
	return int(b[i+8]) | int(b[i+9])<<8
}
