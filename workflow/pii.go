package workflow

import (
	"strings"
	"unicode/utf8"
)

// Personal numbers typed into free text: a resident ID number (GB 11643: 17 digits and a
// check character, a real birth date) or a mainland mobile number (1[3-9] and 9 digits,
// optionally after +86 / 86 / 0086). They are found however they were typed: with spaces,
// hyphens or dots between digit groups, in full-width digits, with a lower-case x, and
// glued to letters ("ID110105198502069016abc") — no word boundary is needed.
//
// A number is made of whole digit groups: a group is a run of digits (an ID's X may end
// it), and groups joined by at most three separators (space, hyphen, dot and their
// full-width forms) form one candidate run. A digit run longer than an ID number is never
// cut to find one inside it (a bank account is not a phone), and a long hexadecimal run
// (a SHA-256 evidence digest, an event hash) is not looked into at all.

// PIIKind says what kind of number a PIIMatch is.
type PIIKind int

const (
	PIIIDNumber PIIKind = iota + 1
	PIIMobile
)

// PIIMatch is one number found in a text: s[Start:End] is what was typed (prefix and
// separators included); Number is its normal form (ASCII digits, upper-case X, no prefix).
type PIIMatch struct {
	Start, End int
	Kind       PIIKind
	Number     string
}

// piiHexRun is the length from which a run of hexadecimal characters is taken for a
// digest and not searched.
const piiHexRun = 32

type piiGroup struct {
	start, end int // byte offsets in the text (the digits)
	// ds, de: the group's ASCII digits are digs[ds:de], digs being FindPII's buffer of
	// every digit it met in order, so a run's groups' digits follow one another there.
	ds, de int
	hasX   bool // an X follows the digits; xEnd is the offset after it
	xEnd   int
}

// piiDigit returns the ASCII digit of r (ASCII or full-width), or 0.
func piiDigit(r rune) byte {
	switch {
	case r >= '0' && r <= '9':
		return byte(r)
	case r >= '０' && r <= '９':
		return byte('0' + r - '０')
	}
	return 0
}

func piiIsX(r rune) bool { return r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ' }

func piiIsSep(r rune) bool {
	switch r {
	case ' ', '-', '.', '\u3000', '－', '．', '‐', '‑', '–', '—', '・', '·', '\u00a0':
		return true
	}
	return false
}

// PIIRune says whether FindPII can take r as part of a number — a digit (ASCII or
// full-width), an X ending an ID number, or a separator between digit groups — and
// whether it is a digit. Any other character ends a candidate run, so a text whose runs
// of such characters each hold fewer than PIIRunDigits digits holds no number (the
// export's scan finds those runs in its own pass: internal/cli's scanStr).
func PIIRune(r rune) (part, digit bool) {
	if piiDigit(r) != 0 {
		return true, true
	}
	return piiIsX(r) || piiIsSep(r), false
}

// PIIRunDigits is the fewest digits a number FindPII finds is made of (a mobile number's
// 11; an ID number has 17 and an X, or 18).
const PIIRunDigits = 11

// piiMinLen is the fewest bytes a number takes: a mobile number's 11 ASCII digits (an ID
// number has 18 characters, a full-width digit three bytes). Shorter texts (keys, dates,
// most names) hold none.
const piiMinLen = 11

// piiDigest: s is one long hexadecimal run (an event's hash, a file's SHA-256), which
// FindPII does not look into: it holds no number.
func piiDigest(s string) bool {
	if len(s) < piiHexRun {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !piiIsHex(s[i]) {
			return false
		}
	}
	return true
}

// piiMayHold is the fast path: no digit at all, no number.
func piiMayHold(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c == 0xef { // 0xef starts the UTF-8 of ０–９
			return true
		}
	}
	return false
}

func piiIsHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// HoldsPII reports whether FindPII finds a number in s. A text that cannot hold one
// (shorter than a number, without a digit, or one long hexadecimal run: a digest, which
// FindPII does not look into) is answered without the search.
func HoldsPII(s string) bool {
	if len(s) < piiMinLen || !piiMayHold(s) || piiDigest(s) {
		return false
	}
	return len(FindPII(s)) > 0
}

// FindPII returns the resident ID numbers and mobile numbers in s, in order.
//
// It reads s one character at a time only inside a candidate run. Between runs nothing
// but a digit can start one, so it skips, byte by byte, to the next ASCII digit or the
// lead byte 0xEF of a full-width one (neither can sit inside another character's UTF-8,
// so the skip lands where a character begins), and over a long hexadecimal run at once.
// It finds exactly what the character-by-character search found
// (TestFindPIIAgreesWithThePrevious).
func FindPII(s string) []PIIMatch {
	// inHex: whether the digit at i is in a long hexadecimal run (the maximal run of
	// ASCII hex characters around it is piiHexRun or longer). The
	// run is found around the digit when it is met, once per run.
	hs, he := 0, 0 // the last run found: s[hs:he]
	inHex := func(i int) bool {
		if !piiIsHex(s[i]) { // a full-width digit is in no such run
			return false
		}
		if i < hs || i >= he {
			hs, he = i, i
			for hs > 0 && piiIsHex(s[hs-1]) {
				hs--
			}
			for he < len(s) && piiIsHex(s[he]) {
				he++
			}
		}
		return he-hs >= piiHexRun
	}
	if len(s) < piiMinLen {
		return nil
	}
	// Most texts an export masks (names, keys, empty fields) hold no digit: they are
	// answered before the buffers below are set up (zeroing them was most of the cost).
	first := 0
	for first < len(s) && !piiMayStart[s[first]] {
		first++
	}
	if first == len(s) {
		return nil
	}
	var out []PIIMatch
	// The runs and digits of most texts fit these, on the stack.
	var runBuf [16]piiGroup
	var digsBuf [64]byte
	run, digs := runBuf[:0], digsBuf[:0]
	flush := func() {
		if len(run) > 0 {
			out = append(out, piiMatchRun(s, digs, run)...)
		}
		run, digs = run[:0], digs[:0] // no group refers to the digits of a run flushed
	}
	var cur *piiGroup
	seps := 0 // separators since the last group ended
	for i := first; i < len(s); {
		if len(run) == 0 {
			// Between runs (cur is nil and seps 0): only a digit outside a long
			// hexadecimal run changes anything, so skip to the next byte that may start
			// one.
			for i < len(s) && !piiMayStart[s[i]] {
				i++
			}
			if i == len(s) {
				break
			}
			if s[i] != 0xef && inHex(i) {
				i = he // every character of the run is ASCII and starts nothing
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		d := piiDigit(r)
		switch {
		case d != 0 && !inHex(i):
			if cur == nil {
				if seps == 0 || seps > 3 {
					flush()
				}
				run = append(run, piiGroup{start: i, ds: len(digs), de: len(digs)})
				cur = &run[len(run)-1]
			}
			if cur.hasX { // a digit after an X: the X ended its group, this is another run
				flush()
				run = append(run, piiGroup{start: i, ds: len(digs), de: len(digs)})
				cur = &run[len(run)-1]
			}
			digs = append(digs, d)
			cur.de = len(digs)
			cur.end = i + size
			seps = 0
		case cur != nil && !cur.hasX && piiIsX(r):
			cur.hasX = true
			cur.xEnd = i + size
		case piiIsSep(r) && len(run) > 0:
			cur = nil
			seps++
		default:
			cur = nil
			seps = 0
			flush()
		}
		i += size
	}
	flush()
	return out
}

// piiMayStart: the bytes a digit begins with, ASCII 0–9 and 0xEF (the UTF-8 of ０–９).
var piiMayStart = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t[0xef] = true
	return t
}()

// piiMatchRun finds the numbers made of whole groups of one run, the longest first at
// each group.
func piiMatchRun(s string, digs []byte, run []piiGroup) []PIIMatch {
	var out []PIIMatch
	for i := 0; i < len(run); {
		best, bestJ, bestEnd := PIIMatch{}, -1, 0
		for j := i; j < len(run); j++ {
			db := digs[run[i].ds:run[j].de] // the digits of groups i to j (they follow one another)
			if len(db) > 18 {
				break
			}
			if len(db) == 17 && run[j].hasX && piiValidID(string(db)+"X") {
				best, bestJ, bestEnd = PIIMatch{Kind: PIIIDNumber, Number: string(db) + "X"}, j, run[j].xEnd
			}
			if n := len(db); n == 18 || n == 11 || n == 13 || n == 15 {
				d := string(db)
				switch {
				case len(d) == 18 && piiValidID(d):
					best, bestJ, bestEnd = PIIMatch{Kind: PIIIDNumber, Number: d}, j, run[j].end
				case len(d) == 11 && phoneIsMobile(d):
					best, bestJ, bestEnd = PIIMatch{Kind: PIIMobile, Number: d}, j, run[j].end
				case len(d) == 13 && d[:2] == "86" && phoneIsMobile(d[2:]):
					best, bestJ, bestEnd = PIIMatch{Kind: PIIMobile, Number: d[2:]}, j, run[j].end
				case len(d) == 15 && d[:4] == "0086" && phoneIsMobile(d[4:]):
					best, bestJ, bestEnd = PIIMatch{Kind: PIIMobile, Number: d[4:]}, j, run[j].end
				}
			}
			if run[j].hasX { // an X ends what it follows
				break
			}
		}
		if bestJ < 0 {
			i++
			continue
		}
		best.Start, best.End = run[i].start, bestEnd
		if best.Kind == PIIMobile && best.Start > 0 {
			if r, size := utf8.DecodeLastRuneInString(s[:best.Start]); r == '+' || r == '＋' {
				best.Start -= size
			}
		}
		out = append(out, best)
		i = bestJ + 1
	}
	return out
}

// piiValidID: 18 characters, a region starting 1–8, a real birth date from 1900 on, and
// the GB 11643 check character. d is already normalised (ASCII, upper-case X).
func piiValidID(d string) bool {
	if len(d) != 18 || d[0] < '1' || d[0] > '8' {
		return false
	}
	want, ok := IDCheckChar(d[:17])
	if !ok || d[17] != want {
		return false
	}
	y, m, day := valAtoi(d[6:10]), valAtoi(d[10:12]), valAtoi(d[12:14])
	if y < 1900 || y > 2099 || m < 1 || m > 12 || day < 1 {
		return false
	}
	mdays := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if day > mdays[m] || m == 2 && day == 29 && !(y%4 == 0 && (y%100 != 0 || y%400 == 0)) {
		return false
	}
	return true
}

// HasPII reports whether s holds a resident ID number or a mobile number.
func HasPII(s string) bool { return len(FindPII(s)) > 0 }

// MaskText masks every resident ID number and mobile number in s the way the structured
// fields are masked (1101**********002X, 138****5678); the rest of s is unchanged.
func MaskText(s string) string { return MaskTextExcept(s) }

// MaskTextExcept is MaskText leaving alone the numbers given (in any form ValidatePhone or
// the ID check accept), e.g. the agency's own phone in its letterhead.
func MaskTextExcept(s string, keep ...string) string {
	return maskMatches(s, FindPII(s), keep)
}

// maskMatches masks in s the numbers FindPII found in it (ms), but those in keep.
func maskMatches(s string, ms []PIIMatch, keep []string) string {
	if len(ms) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, m := range ms {
		if piiKept(m.Number, keep) {
			continue
		}
		b.WriteString(s[last:m.Start])
		if m.Kind == PIIIDNumber {
			b.WriteString(MaskID(m.Number))
		} else {
			b.WriteString(MaskPhone(m.Number))
		}
		last = m.End
	}
	b.WriteString(s[last:])
	return b.String()
}

func piiKept(n string, keep []string) bool {
	for _, k := range keep {
		for _, m := range FindPII(k) {
			if m.Number == n {
				return true
			}
		}
	}
	return false
}
