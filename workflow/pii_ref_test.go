package workflow

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// The number search as it was before its digits went into one buffer and its hexadecimal
// runs were found around the digits (kept here as the reference the faster one must
// agree with).

type refGroup struct {
	start, end int    // byte offsets in the text (the digits)
	digits     string // ASCII digits
	hasX       bool   // an X follows the digits; xEnd is the offset after it
	xEnd       int
}

func refHexSpans(s string) [][2]int {
	var out [][2]int
	start := -1
	for i := 0; i <= len(s); i++ {
		hex := i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f' || s[i] >= 'A' && s[i] <= 'F')
		switch {
		case hex && start < 0:
			start = i
		case !hex && start >= 0:
			if i-start >= piiHexRun {
				out = append(out, [2]int{start, i})
			}
			start = -1
		}
	}
	return out
}

func findPIIRef(s string) []PIIMatch {
	if !piiMayHold(s) {
		return nil
	}
	hex := refHexSpans(s)
	inHex := func(i int) bool {
		for _, h := range hex {
			if i >= h[0] && i < h[1] {
				return true
			}
		}
		return false
	}
	var out []PIIMatch
	var run []refGroup
	flush := func() {
		out = append(out, refMatchRun(s, run)...)
		run = run[:0]
	}
	var cur *refGroup
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
				run = append(run, refGroup{start: i})
				cur = &run[len(run)-1]
			}
			if cur.hasX { // a digit after an X: the X ended its group, this is another run
				flush()
				run = append(run, refGroup{start: i})
				cur = &run[len(run)-1]
			}
			cur.digits += string(d)
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

func refMatchRun(s string, run []refGroup) []PIIMatch {
	var out []PIIMatch
	for i := 0; i < len(run); {
		best, bestJ, bestEnd := PIIMatch{}, -1, 0
		d := ""
		for j := i; j < len(run); j++ {
			d += run[j].digits
			if len(d) > 18 {
				break
			}
			if len(d) == 17 && run[j].hasX && piiValidID(d+"X") {
				best, bestJ, bestEnd = PIIMatch{Kind: PIIIDNumber, Number: d + "X"}, j, run[j].xEnd
			}
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

// TestFindPIIAgreesWithTheReference: on random texts made of the pieces numbers are
// typed with (ASCII and full-width digits, X, separators, hexadecimal letters, +86,
// Chinese text) and on known numbers, FindPII finds exactly what the reference finds.
func TestFindPIIAgreesWithTheReference(t *testing.T) {
	pieces := []string{"0", "1", "3", "8", "9", "5", "13912345678", "110105198502069016", "11010519491231002X",
		"1101051949123100", "2x", "X", "ｘ", "１３９", "１２３４５６７８", " ", "-", ".", "　", "－", "+86", "0086", "86",
		"a", "f", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "abcdef", "电话", "身份证", "，", "g"}
	r := rand.New(rand.NewPCG(17, 17))
	found := 0
	for n := 0; n < 200000; n++ {
		var b strings.Builder
		for k := r.IntN(12); k >= 0; k-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		got, want := FindPII(s), findPIIRef(s)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %+v, the reference finds %+v", s, got, want)
		}
		found += len(want)
	}
	if found < 10000 {
		t.Fatalf("only %d numbers in the random texts: the test says little", found)
	}
	_ = utf8.RuneError
}
