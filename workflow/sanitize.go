package workflow

import (
	"strings"
	"unicode/utf8"
)

// Clean removes everything that could control a terminal: ESC-introduced sequences whole
// (CSI incl. private/intermediate bytes, OSC incl. OSC 52 clipboard and OSC 8 hyperlinks terminated by BEL or ST,
// DCS/SOS/PM/APC strings, two-byte ESC sequences), all C0 controls except '\n' and '\t',
// DEL, all C1 controls U+0080–U+009F (incl. 8-bit CSI U+009B and OSC U+009D with their payloads),
// '\r', Unicode bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C),
// and invalid UTF-8 (replaced by U+FFFD). Tabs become a single space. Ordinary CJK, emoji,
// full-width punctuation pass unchanged.
//
// Raw bytes 0x80–0x9F (invalid UTF-8 on their own) are treated as the C1 controls they are
// in 8-bit terminals, so "\x9b31m" loses its parameters too. A run of other invalid bytes
// becomes one U+FFFD. The output contains only printable runes, '\n' and ' ', so Clean is
// idempotent. The exact end of a malformed sequence only decides how much visible text
// survives; safety rests on no control ever reaching the output.
func Clean(s string) string {
	if sanClean(s) {
		return s // the common case: no allocation
	}
	return sanCleanSlow(s)
}

// CleanLine is Clean plus newlines → a single space, for one-line cells and log fields.
// A run of newlines becomes one space so a blank line does not leave a double gap.
func CleanLine(s string) string {
	s = Clean(s)
	if strings.IndexByte(s, '\n') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\n' {
			b.WriteByte(s[i])
			continue
		}
		b.WriteByte(' ')
		for i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
	}
	return b.String()
}

// sanClean reports whether s is already clean output (the fast path of Clean).
func sanClean(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if size == 1 || r <= 0x9f || sanIsBidi(r) { // size 1 on non-ASCII = invalid UTF-8
			return false
		}
		i += size
	}
	return true
}

// sanIsBidi reports the bidi embedding/override/isolate/mark controls, which can make text
// display in a different order than it is stored ("Trojan Source").
func sanIsBidi(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 ||
		r == 0x200E || r == 0x200F || r == 0x061C
}

func sanCleanSlow(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0x1b {
			i = sanSkipEsc(s, i+1)
			continue
		}
		if c < utf8.RuneSelf {
			switch {
			case c == '\n':
				b.WriteByte('\n')
			case c == '\t':
				b.WriteByte(' ')
			case c < 0x20 || c == 0x7f: // C0, '\r', DEL
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case size == 1 && c <= 0x9f: // raw 8-bit C1 byte
			i = sanSkipC1(s, i+1, c)
		case size == 1: // invalid UTF-8: one U+FFFD for the whole run
			i++
			for i < len(s) && s[i] > 0x9f {
				if r2, n := utf8.DecodeRuneInString(s[i:]); r2 != utf8.RuneError || n != 1 {
					break
				}
				i++
			}
			b.WriteRune(utf8.RuneError)
		case r <= 0x9f: // U+0080–U+009F encoded as UTF-8
			i = sanSkipC1(s, i+size, byte(r))
		case sanIsBidi(r):
			i += size
		default:
			b.WriteString(s[i : i+size])
			i += size
		}
	}
	return b.String()
}

// sanSkipEsc skips the rest of an ESC sequence whose ESC ended just before i and returns
// the index after it. Anything that cannot continue the sequence is left for the caller.
func sanSkipEsc(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch c := s[i]; {
	case c == '[':
		return sanSkipCSI(s, i+1)
	case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_': // OSC, DCS, SOS, PM, APC
		return sanSkipString(s, i+1)
	case c >= 0x20 && c <= 0x2f: // intermediates, e.g. ESC ( B, ESC # 8
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
			i++
		}
		if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
			i++
		}
		return i
	case c >= 0x30 && c <= 0x7e: // two-byte sequences, e.g. ESC 7, ESC c, ESC \ (a stray ST)
		return i + 1
	}
	return i // ESC before a control or non-ASCII: drop the ESC alone
}

// sanSkipC1 handles the payload of an 8-bit C1 control c whose encoding ended before i.
func sanSkipC1(s string, i int, c byte) int {
	switch c {
	case 0x9b: // CSI
		return sanSkipCSI(s, i)
	case 0x9d, 0x90, 0x98, 0x9e, 0x9f: // OSC, DCS, SOS, PM, APC
		return sanSkipString(s, i)
	}
	return i
}

// sanSkipCSI skips parameter (0x30–0x3F, incl. private markers like '?') and
// intermediate (0x20–0x2F) bytes and the final byte (0x40–0x7E).
func sanSkipCSI(s string, i int) int {
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		i++
	}
	return i
}

// sanSkipString skips a control string (OSC, DCS, SOS, PM, APC) up to and including its
// terminator: BEL, ST (ESC \ or C1 0x9C, raw or UTF-8), or CAN/SUB which abort it. Any
// other ESC also ends it, as in real terminals, and is left to start a new sequence. An
// unterminated string runs to the end, as a terminal would swallow it. The payload is
// walked rune by rune so a 0x9C byte inside a CJK character is not mistaken for ST.
func sanSkipString(s string, i int) int {
	for i < len(s) {
		c := s[i]
		switch {
		case c == 0x07 || c == 0x18 || c == 0x1a:
			return i + 1
		case c == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i
		case c < utf8.RuneSelf:
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if size == 1 && c == 0x9c || r == 0x9c {
			return i + size
		}
		i += size
	}
	return i
}
