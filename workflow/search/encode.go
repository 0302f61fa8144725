package search

import (
	"bytes"
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

// appendHay appends a haystack's header and text to e.hdr and e.txt. sepf gets the
// firstBit of every rune that follows a separator in it.
func (e *encoder) appendHay(h []byte, hs string, field int, kind byte, wide *uint64, sepf *uint32) {
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
			*sepf |= firstBit(c)
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
	b, _ := e.appendDoc(nil, d)
	return string(b)
}

// appendDoc appends the doc's packed haystacks to b: their count (uint16),
// their headers (hayHeader bytes each: signature, length, field, kind) and
// their texts, in the same order. Headers come first so that a scan reads
// them without chasing lengths through the texts. It returns what the doc's
// slot keeps beside the text (docSig).
func (e *encoder) appendDoc(b []byte, d Doc) (_ []byte, sig docSig) {
	e.hdr, e.txt = e.hdr[:0], e.txt[:0]
	for fi, f := range d.Fields {
		if fi >= maxFields {
			break
		}
		f = cleanField(f)
		if f == "" {
			continue
		}
		e.appendHay(nil, f, fi, kindRaw, &sig.wide, &sig.sum.sepf)
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
			var pySepf uint32 // not kept: the bound of pinyin haystacks does not use it (prefix.go)
			e.appendHay(py, "", fi, kindPinyin, &sig.wide, &pySepf)
			e.appendHay(ini, "", fi, kindInitials, &sig.wide, &sig.sum.sepf)
		}
		e.py, e.ini = py, ini
	}
	text := 0
	nh := len(e.hdr) / hayHeader
	npre := 0
	for i, k := 0, 0; i < len(e.hdr); i, k = i+hayHeader, k+1 {
		sig.mask |= hayMask(e.hdr, i)
		n := hayLen(e.hdr, i)
		h := e.txt[text : text+n]
		kind := e.hdr[i+11]
		lead := len(h)
		if kind&kindMask != kindRaw {
			for len(h) > 0 && h[0] == ' ' {
				h = h[1:]
			}
		}
		lead -= len(h)
		// The classes of its first three runes (spaces skipped but in a raw haystack, as
		// prefixTier does): 0 past its end.
		var cls [3]uint32
		skip := kind&kindMask != kindRaw
		rest := h
		for p := 0; p < len(cls) && len(rest) > 0; {
			r, sz := utf8.DecodeRune(rest)
			rest = rest[sz:]
			if skip && r == ' ' {
				continue
			}
			cls[p] = hsClass(canon(r))
			p++
		}
		if len(h) > 0 {
			r, _ := utf8.DecodeRune(h)
			sig.first |= firstBit(canon(r))
		} else {
			cls[0] = hsOther
		}
		if hsLetterOrDigit(cls[0]) && kind&hayASCII == 0 && foldsToASCII(h) {
			cls[0] = hsUnsure // it could equal an ASCII term of fewer runes than bytes
		}
		if k < len(sig.sum.hs) {
			l := n
			if kind&kindMask == kindPinyin { // its runes but spaces: what prefixTier compares
				l = n - lead - bytes.Count(h, []byte{' '})
			}
			v := cls[0] | cls[1]<<6 | cls[2]<<12 | uint32(min(l, hsMaxLen))<<hsLenShift |
				uint32(min(int(e.hdr[i+10]), 3))<<hsFieldShift
			if kind&hayCamel != 0 {
				v |= hsCamel
			}
			if kind&(haySepAlpha|haySepOther) != 0 {
				v |= hsSep
			}
			if kind&kindMask == kindPinyin {
				v |= hsPinyin
			}
			sig.sum.hs[k] = v
			if kind&kindMask == kindRaw && kind&hayASCII != 0 && hsLetterOrDigit(cls[0]) && npre < 2 {
				sig.sum.setPre(npre, preBytes(h))
				sig.sum.hs[k] |= hsPre0 << npre
				npre++
			}
		}
		text += n
	}
	if nh > len(sig.sum.hs) {
		sig.sum.hs[len(sig.sum.hs)-1] = hsOverflow
	}
	count := len(e.hdr) / hayHeader
	b = append(b, byte(count), byte(count>>8))
	b = append(b, e.hdr...)
	return append(b, e.txt...), sig
}

// docSig is what appendDoc finds of a doc beside its packed text: what its slot keeps
// (slotDoc) and its summary (docSum).
type docSig struct {
	mask  uint64 // union of the haystack signatures
	wide  uint64 // signature of the non-ASCII runes (64 buckets)
	first uint32 // signature of the haystacks' first runes (firstBit; spaces skipped, as prefixTier skips them on pinyin and initials)
	sum   docSum
}

// docSum sums a doc up for a one-term query (prefix.go): read only while its list of
// the best is full, in an array beside the slots, so that other scans do not carry it.
type docSum struct {
	// hs sums up the first haystacks, in order: enough to know which can begin with a
	// term, which cannot equal it, and to bound their score.
	hs [8]uint32
	// pre holds the first bytes (hsPreLen, lower case, zero after the end) of the first
	// two raw haystacks that are ASCII and begin with a letter or a digit: a case number,
	// a credit code (their entries in hs are marked hsPre0, hsPre1), as two halves each.
	pre  [4]uint32
	sepf uint32 // firstBit of every rune that follows a separator in a raw or initials haystack
}

func (u *docSum) setPre(j int, v uint64) { u.pre[2*j], u.pre[2*j+1] = uint32(v), uint32(v>>32) }

func (u *docSum) preAt(j int) uint64 { return uint64(u.pre[2*j]) | uint64(u.pre[2*j+1])<<32 }

const hsPreLen = 8

// preBytes is the first hsPreLen bytes of an ASCII haystack in lower case, as pre
// keeps them.
func preBytes(h []byte) uint64 {
	var v uint64
	for i := 0; i < min(len(h), hsPreLen); i++ {
		c := h[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		v |= uint64(c) << (8 * i)
	}
	return v
}

// A haystack's summary (docSig.hs): the classes (hsClass) of its first three runes (as
// prefixTier compares them; 0: no rune there, and no haystack when the first is 0), its
// length in bytes (for pinyin without its spaces) up to hsMaxLen, its field up to 3, and
// flags.
const (
	hsClassMask  = 0x3f
	hsOther      = 37   // a rune of no class of its own
	hsUnsure     = 38   // first: not ASCII, but every rune folds to ASCII (K for k): no summary
	hsOverflow   = 0x3f // first, in hs[7]: the doc has more haystacks than hs holds
	hsLenShift   = 18
	hsMaxLen     = 63
	hsCamel      = 1 << 24 // has a lower-case rune followed by an upper-case one
	hsSep        = 1 << 25 // has a rune right after a separator
	hsPinyin     = 1 << 26 // a pinyin haystack (syllables apart)
	hsFieldShift = 27
	hsPre0       = 1 << 29 // its first bytes are pre[0]
	hsPre1       = 1 << 30 // its first bytes are pre[1]
)

// hsPunct are the ASCII runes other than letters and digits with a class of their own.
const hsPunct = "-_./ ()#&+,:\\@"

// hsClass is the class of a canonical rune in a haystack summary: 1–26 for a–z, 27–36
// for 0–9, 39 on for the runes of hsPunct, hsOther for anything else. Equal classes
// other than hsOther are equal runes up to case folding (canon).
func hsClass(c rune) uint32 {
	switch {
	case 'a' <= c && c <= 'z':
		return uint32(1 + c - 'a')
	case '0' <= c && c <= '9':
		return uint32(27 + c - '0')
	case c < utf8.RuneSelf:
		if i := strings.IndexByte(hsPunct, byte(c)); i >= 0 {
			return uint32(39 + i)
		}
	}
	return hsOther
}

func hsLetterOrDigit(cls uint32) bool { return 1 <= cls && cls <= 36 }

// foldsToASCII reports whether every rune of h is an ASCII rune up to case folding
// (U+212A KELVIN SIGN is k): only then can a haystack that is not ASCII equal an ASCII
// term.
func foldsToASCII(h []byte) bool {
	for _, r := range string(h) {
		if canon(r) >= utf8.RuneSelf {
			return false
		}
	}
	return true
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
