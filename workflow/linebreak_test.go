package workflow

import (
	"slices"
	"strings"
	"testing"
)

// The tokens a letter must keep whole, as NoBreakSegments finds them for the nobr spans.
func TestNoBreakSegments(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string // the NoBreak segments, in order
	}{
		{"受理编号 XF-2026-000012。", []string{"XF-2026-000012"}},
		{"已于2026年12月6日收到，2026-12-06登记", []string{"2026年12月6日", "2026-12-06"}},
		{"请于12月16日前补正；2026年3月起算", []string{"12月16日", "2026年3月"}},
		{"received on 6 December 2026, due December 16, 2026.", []string{"6 December 2026", "December 16, 2026"}},
		{"电话：010-66881234、010 6688 1234、(010) 6688-1234、+86 10 6688 1234、138****5678", []string{"010-66881234", "010 6688 1234", "(010) 6688-1234", "+86 10 6688 1234", "138****5678"}},
		{"代码91110000600037341L，身份证1101**********002X", []string{"91110000600037341L", "1101**********002X"}},
		{"金额人民币1,250,000.00元，CNY 480,000.00", []string{"1,250,000.00", "480,000.00"}},
		{"核验码：ABCDE-FGH2J，文号ZX-YY-20260318-0042", []string{"ABCDE-FGH2J", "ZX-YY-20260318-0042"}},
		// words without a digit, short numbers and over-long runs are left to the browser
		{"www.creditchina.gov.cn 12号5层 R-1 well-known", nil},
		{"sha256:" + strings.Repeat("ab", 32), nil},
	} {
		var got []string
		var joined strings.Builder
		for _, sg := range NoBreakSegments(tc.in) {
			joined.WriteString(sg.Text)
			if sg.NoBreak {
				got = append(got, sg.Text)
			}
		}
		if joined.String() != tc.in {
			t.Errorf("%q: the segments do not make the line: %q", tc.in, joined.String())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: kept whole %q, want %q", tc.in, got, tc.want)
		}
	}
	if NoBreakSegments("") != nil {
		t.Error("an empty line has no segments")
	}
}

// LineUnits: the break opportunities of the Chinese rules.
func TestLineUnits(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"已结清。请核对", []string{"已", "结", "清。", "请", "核", "对"}},
		{"见（附件）说明", []string{"见", "（附", "件）", "说", "明"}},
		{"于2026年3月2日收到", []string{"于", "2026年3月2日", "收", "到"}},
		{"编号XF-2026-000012，", []string{"编", "号", "XF-2026-000012，"}},
		{"on 6 March 2026 we", []string{"on ", "6 March 2026 ", "we"}},
		{"说明——系", []string{"说", "明——", "系"}},
		{"「引文」", []string{"「引", "文」"}},
	} {
		got := LineUnits(tc.in)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: units %q, want %q", tc.in, got, tc.want)
		}
		if strings.Join(got, "") != tc.in {
			t.Errorf("%q: units do not make the paragraph", tc.in)
		}
	}
	// Whatever the text, the units make it up exactly, invalid UTF-8 included.
	for _, s := range []string{"a\xffb 2026年\xff3月", "\xe4\xb8", "  ", "。。。", "（（（", strings.Repeat("XF-2026-000012", 5)} {
		if got := strings.Join(LineUnits(s), ""); got != s {
			t.Errorf("%q: units make %q", s, got)
		}
	}
}
