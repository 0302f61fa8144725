package workflow

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line breaking for Chinese and mixed text, one set of rules for the console (tui wraps
// previews, letters and notes by LineUnits) and for the printed letters (LetterHTML keeps
// the same tokens together with NoBreakSegments; the page's CSS, line-break: strict, does
// the punctuation the way these rules do):
//
//   - a closing mark (。，、；：？！）」』 …) never starts a line and an opening one (（「『 …)
//     never ends one: GB/T 15834's rules for punctuation, as kinsoku in JIS X 4051;
//   - a line breaks between two Chinese characters or at a space, never inside a run of
//     Latin letters and digits with their joiners;
//   - never inside a token that must be read whole: a case number (XF-2026-000012), a
//     date (2026年12月6日, 2026-12-06, 6 December 2026), a phone number (010-6688 1234,
//     138****5678), an ID number or credit code, an amount (1,250,000.00), a verification
//     code (ABCDE-FGHIJ).

const (
	// NoLineStart are the marks that may not begin a line.
	NoLineStart = "。，、；：？！）》」』】〕〉”’…‥·—%‰℃,.;:!?)]}>"
	// NoLineEnd are the marks that may not end a line.
	NoLineEnd = "（《「『【〔〈“‘([{<"
)

// noBreakMax bounds a token kept on one line: the longest real one (a reference number) is
// far shorter, and a longer run is better broken than pushed past the page's edge.
const noBreakMax = 32

var noBreakRE = regexp.MustCompile(strings.Join([]string{
	// dates in Chinese: 2026年12月6日, 2026年12月, 12月6日
	`\d{4}\s?年\s?\d{1,2}\s?月(?:\s?\d{1,2}\s?日)?`,
	`\d{1,2}月\d{1,2}日`,
	// dates in English: 6 December 2026, December 6, 2026
	`\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b`,
	`\b(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}\b`,
	// phone numbers written in groups: +86 10 6688 1234, 010 6688 1234, (010) 6688-1234, 138 1234 5678
	`(?:\+86[ -]?\d{2,3}[ -]?|\(0\d{1,3}\) ?|0\d{1,3}[ -]|1\d{2}[ -])\d{3,4}[ -]?\d{4}\b`,
	// amounts: 1,250,000.00
	`\d{1,3}(?:,\d{3})+(?:\.\d+)?`,
	// runs of Latin letters, digits and joiners: case numbers, dates 2026-12-06, IDs and
	// credit codes (masked or not), phones 138****5678, references, verification codes
	// (noBreakSpans keeps those holding a digit)
	`[A-Za-z0-9*#]+(?:[-_./:*][A-Za-z0-9*#]+)*`,
}, "|"))

// noBreakSpans finds the tokens of s that must not be broken, as byte ranges, in order and
// not overlapping. Left out: a token without a digit (a word: nothing breaks it anyway),
// one shorter than 4 runes, and one longer than noBreakMax.
func noBreakSpans(s string) [][2]int {
	var out [][2]int
	for _, m := range noBreakRE.FindAllStringIndex(s, -1) {
		tok := s[m[0]:m[1]]
		n := len([]rune(tok))
		if n < 4 || n > noBreakMax || !strings.ContainsAny(tok, "0123456789") {
			continue
		}
		out = append(out, [2]int{m[0], m[1]})
	}
	return out
}

// Segment is a piece of a line: NoBreak when it must stay on one line.
type Segment struct {
	Text    string
	NoBreak bool
}

// NoBreakSegments splits one line of text into the tokens that must stay whole (case
// numbers, dates, phones, IDs, amounts) and the text between them, for the HTML letters
// to wrap the former in <span class="nobr">.
func NoBreakSegments(s string) []Segment {
	var out []Segment
	at := 0
	for _, sp := range noBreakSpans(s) {
		if sp[0] > at {
			out = append(out, Segment{Text: s[at:sp[0]]})
		}
		out = append(out, Segment{Text: s[sp[0]:sp[1]], NoBreak: true})
		at = sp[1]
	}
	if at < len(s) {
		out = append(out, Segment{Text: s[at:]})
	}
	return out
}

// wordRune: part of a run of Latin letters and digits that is not broken.
func wordRune(r rune) bool {
	return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_./:*@+#$&=~", r)) || r == '¥'
}

// breakBetween reports whether the punctuation and script rules allow a break between
// prev and cur (a space stays at the end of the line it ends).
func breakBetween(prev, cur rune) bool {
	switch {
	case cur == ' ':
		return false
	case prev == ' ':
		return true
	case strings.ContainsRune(NoLineStart, cur), strings.ContainsRune(NoLineEnd, prev):
		return false
	case wordRune(prev) && wordRune(cur):
		return false
	}
	return true
}

// LineUnits splits one paragraph (a line of text without its newline) into the pieces
// between which a line may break; a piece keeps the spaces that follow it. Joined, they
// are the paragraph.
func LineUnits(para string) []string {
	if para == "" {
		return nil
	}
	// The byte offset and rune of every position (an invalid byte counts as one rune).
	var at []int
	var rs []rune
	for i := 0; i < len(para); {
		r, n := utf8.DecodeRuneInString(para[i:])
		at, rs = append(at, i), append(rs, r)
		i += n
	}
	at = append(at, len(para))
	// Inside a token (not at its start) no break is allowed.
	// (Offsets are asked in increasing order, so one pass over the spans does.)
	spans := noBreakSpans(para)
	inToken := func(off int) bool {
		for len(spans) > 0 && spans[0][1] <= off {
			spans = spans[1:]
		}
		return len(spans) > 0 && off > spans[0][0]
	}
	var units []string
	start := 0
	for i := 1; i <= len(rs); i++ {
		if i == len(rs) || (breakBetween(rs[i-1], rs[i]) && !inToken(at[i])) {
			units = append(units, para[at[start]:at[i]])
			start = i
		}
	}
	return units
}
