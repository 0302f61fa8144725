package workflow

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDigestHoldsNoNumber: what masking skips as a digest (piiDigest: its FindPII and
// its place in the check's set of searched texts) is never a text FindPII finds a number
// in: random runs of hexadecimal characters of every length from 1 to 80, most of them
// digits, many of them a mobile or ID number padded with digits or hex letters; and
// piiDigest answers yes for some of them (a long run) and no for others. HoldsPII, which
// skips the search for a digest, agrees with FindPII on each.
func TestDigestHoldsNoNumber(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 3))
	const hex = "0123456789abcdefABCDEF"
	numbers := []string{"13912340987", "110105198502069016", "44010619920315017X"}
	yes, no := 0, 0
	for range 200_000 {
		var b strings.Builder
		n := 1 + r.IntN(80)
		for b.Len() < n {
			switch r.IntN(4) {
			case 0:
				b.WriteString(numbers[r.IntN(len(numbers))])
			case 1:
				b.WriteByte(hex[r.IntN(len(hex))])
			default:
				b.WriteByte('0' + byte(r.IntN(10)))
			}
		}
		s := b.String()
		if HoldsPII(s) != (len(FindPII(s)) > 0) {
			t.Fatalf("HoldsPII(%q) is %v, but FindPII finds %v", s, HoldsPII(s), FindPII(s))
		}
		if !piiDigest(s) {
			no++
			continue
		}
		yes++
		if ms := FindPII(s); len(ms) > 0 {
			t.Fatalf("%q is taken for a digest, but FindPII finds %v in it", s, ms)
		}
	}
	if yes == 0 || no == 0 {
		t.Fatalf("digests %d, others %d: both must occur", yes, no)
	}
	for _, s := range []string{"", "13912340987", strings.Repeat("1", 31) + "X", strings.Repeat("a", 31)} {
		if piiDigest(s) {
			t.Errorf("%q is taken for a digest", s)
		}
	}
}
