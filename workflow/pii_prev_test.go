package workflow

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// findPIIPrev is FindPII as it was before it skipped, byte by byte, the text between
// digits (round seven of issue 17): kept verbatim as the reference the faster one must
// agree with, number for number.
func findPIIPrev(s string) []PIIMatch {
	if !piiMayHold(s) {
		return nil
	}
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
	var out []PIIMatch
	var run []piiGroup
	var digs []byte
	flush := func() {
		if len(run) > 0 {
			out = append(out, prevMatchRun(s, digs, run)...)
		}
		run = run[:0]
	}
	var cur *piiGroup
	seps := 0 // separators since the last group ended
	for i := 0; i < len(s); {
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

// piiMatchRun finds the numbers made of whole groups of one run, the longest first at
// each group.
func prevMatchRun(s string, digs []byte, run []piiGroup) []PIIMatch {
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

// TestFindPIIAgreesWithThePrevious: FindPII finds exactly what the character-by-character
// search before it found (findPIIPrev), number for number, offsets and all, on random
// texts of the pieces numbers are typed with, on random bytes (invalid UTF-8, stray
// 0xEF lead bytes, cut full-width digits) and on texts built to sit on the skip's edges:
// long hexadecimal runs with digits and numbers beside them, full-width punctuation that
// shares the digits' lead byte, and numbers at the very start and end.
func TestFindPIIAgreesWithThePrevious(t *testing.T) {
	pieces := []string{"0", "1", "3", "8", "9", "5", "13912345678", "110105198502069016", "11010519491231002X",
		"1101051949123100", "2x", "X", "x", "ｘ", "Ｘ", "１３９", "１２３４５６７８", "０", "９", " ", "-", ".", "　", "－", "．",
		"‐", "‑", "–", "—", "・", "·", "\u00a0", "+", "＋", "+86", "0086", "86", "a", "f", "F", "g",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "0123456789abcdef0123456789abcdef",
		"0123456789abcdef0123456789abcde", "abcdef", "电话", "身份证", "，", "：", "（", "）", "ｚ", "\xef", "\xef\xbc",
		"\xef\xbc\x90"[:2], "\xbc\x91", "\x80", "\xff", "\n", "\t", "号", "2026-03-04", "13812345678901234567890"}
	r := rand.New(rand.NewPCG(7, 71))
	check := func(s string) int {
		got, want := FindPII(s), findPIIPrev(s)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %+v, the previous search finds %+v", s, got, want)
		}
		return len(want)
	}
	found := 0
	for n := 0; n < 300000; n++ {
		var b strings.Builder
		for k := r.IntN(16); k >= 0; k-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		found += check(b.String())
	}
	// Random bytes, weighted to the ones that matter.
	alphabet := []byte("0123456789abcdefABCDEFXx +-.\xef\xbc\xbd\x90\x99\x8c\xe3\x80\x80\xe2\xc2\xa0")
	for n := 0; n < 200000; n++ {
		b := make([]byte, r.IntN(48))
		for i := range b {
			if r.IntN(8) == 0 {
				b[i] = byte(r.IntN(256))
			} else {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
		}
		found += check(string(b))
	}
	// Numbers beside, inside and after long hexadecimal runs, at the edges of the text.
	hex := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	for _, n := range []string{"13812345678", "110105198502069016", "11010519491231002X", "+86 138 1234 5678", "１３８１２３４５６７８"} {
		for _, s := range []string{n, n + hex, hex + n, hex + " " + n, n + " " + hex, hex[:31] + n, n + hex[:31],
			hex[:32] + n[:3] + " " + n[3:], "号" + n + "号", "：" + n + "，", n + "\xef", "\xef" + n, n + "x" + n} {
			check(s)
		}
	}
	if found < 20000 {
		t.Fatalf("only %d numbers in the random texts: the test says little", found)
	}
}

// BenchmarkFindPII: the number search over a letter-like text (Chinese prose with dates,
// case and credit codes, an evidence digest and one phone), the previous search beside it.
func BenchmarkFindPII(b *testing.B) {
	para := "关于XF-2026-000123号案件：贵单位于2026年3月4日报送的行政处罚信息（统一社会信用代码91110105MA01ABCD2X），" +
		"依据《信用修复管理办法》第十二条，现申请修复。证据摘要e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855。"
	text := strings.Repeat(para, 12) + "联系电话13812345678。"
	for _, f := range []struct {
		name string
		fn   func(string) []PIIMatch
	}{{"now", FindPII}, {"previous", findPIIPrev}} {
		b.Run(f.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				if len(f.fn(text)) != 1 {
					b.Fatal("the phone was not found")
				}
			}
		})
	}
}
