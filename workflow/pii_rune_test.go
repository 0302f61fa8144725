package workflow

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestPIIRuneHoldsEveryMatch: what the export's scan relies on (PIIRune, PIIRunDigits):
// every number FindPII finds is typed with characters PIIRune calls part of one (a '+'
// before a mobile number aside), and holds at least PIIRunDigits of the digits PIIRune
// calls digits — on random texts of digits in both widths, every separator, X in every
// form, '+', letters, hexadecimal runs and Chinese, most holding a number.
func TestPIIRuneHoldsEveryMatch(t *testing.T) {
	r := rand.New(rand.NewPCG(22, 2))
	pieces := []string{"13912340987", "110105198502069016", "44010619920315017X", "11010519491231002x",
		"139", "1234", "0987", "+86", "0086", "86", "+", "＋", "X", "x", "Ｘ", "ｘ", "１３９", "１２３４", "０９８７",
		" ", "-", ".", "\u3000", "－", "．", "‐", "‑", "–", "—", "・", "·", "\u00a0", "/", "abcdef", "9f86d081884c7d65",
		"材料", "，", "号", "\n"}
	found := 0
	for range 100_000 {
		var b strings.Builder
		for range 1 + r.IntN(20) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		for _, m := range FindPII(s) {
			found++
			typed := s[m.Start:m.End]
			if strings.HasPrefix(typed, "+") || strings.HasPrefix(typed, "＋") {
				_, n := utf8.DecodeRuneInString(typed)
				typed = typed[n:]
			}
			digits := 0
			for _, c := range typed {
				part, digit := PIIRune(c)
				if !part {
					t.Fatalf("%q: the number %q holds %q, which PIIRune says is no part of one", s, s[m.Start:m.End], c)
				}
				if digit {
					digits++
				}
			}
			if digits < PIIRunDigits {
				t.Fatalf("%q: the number %q holds %d digits, fewer than PIIRunDigits", s, s[m.Start:m.End], digits)
			}
		}
	}
	if found < 10_000 {
		t.Fatalf("only %d numbers found: the test says little", found)
	}
}
