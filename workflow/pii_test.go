package workflow

import (
	"strings"
	"testing"
)

// Valid GB 11643 numbers: 110105198502069016 and 11010519491231002X.
const (
	piiID  = "110105198502069016"
	piiIDX = "11010519491231002X"
)

func TestFindPIIForms(t *testing.T) {
	for _, tc := range []struct {
		in    string
		kind  PIIKind
		num   string
		typed string // the part of in that is the number
	}{
		{"身份证110105198502069016号", PIIIDNumber, piiID, piiID},
		{"ID110105198502069016abc", PIIIDNumber, piiID, piiID},
		{"证件：１１０１０５１９８５０２０６９０１６。", PIIIDNumber, piiID, "１１０１０５１９８５０２０６９０１６"},
		{"号码 110105 19850206 9016 已核", PIIIDNumber, piiID, "110105 19850206 9016"},
		{"110-105-198502069-016", PIIIDNumber, piiID, "110-105-198502069-016"},
		{"1101.0519.8502.0690.16", PIIIDNumber, piiID, "1101.0519.8502.0690.16"},
		{"经办人11010519491231002x来电", PIIIDNumber, piiIDX, "11010519491231002x"},
		{"证号11010519491231002Xabc", PIIIDNumber, piiIDX, "11010519491231002X"},
		{"全角１１０１０５１９４９１２３１００２ｘ", PIIIDNumber, piiIDX, "１１０１０５１９４９１２３１００２ｘ"},
		{"电话13812345678", PIIMobile, "13812345678", "13812345678"},
		{"tel+8613812345678", PIIMobile, "13812345678", "+8613812345678"},
		{"手机 +86 138 1234 5678。", PIIMobile, "13812345678", "+86 138 1234 5678"},
		{"86-138-1234-5678", PIIMobile, "13812345678", "86-138-1234-5678"},
		{"mobile138.1234.5678x", PIIMobile, "13812345678", "138.1234.5678"},
		{"１３８１２３４５６７８", PIIMobile, "13812345678", "１３８１２３４５６７８"},
	} {
		ms := FindPII(tc.in)
		if len(ms) != 1 {
			t.Errorf("%q: found %d numbers %+v, want 1", tc.in, len(ms), ms)
			continue
		}
		m := ms[0]
		if m.Kind != tc.kind || m.Number != tc.num || tc.in[m.Start:m.End] != tc.typed {
			t.Errorf("%q: got %v %q typed %q, want %v %q typed %q", tc.in, m.Kind, m.Number, tc.in[m.Start:m.End], tc.kind, tc.num, tc.typed)
		}
	}
}

func TestFindPIINotNumbers(t *testing.T) {
	for _, s := range []string{
		"XF-2026-000012",
		"案件 XF-2026-000012、XF-2026-013800",
		"91110000600037341L",  // USCC
		"91350100M000100Y43",  // USCC with letters
		"911100007109386190",  // an all-digit USCC: region 9 is no ID region
		"110105198502069017",  // check digit wrong
		"110105198513069011",  // month 13
		"1101051985020690160", // 19 digits: not cut to find an ID
		"6222021234567890123", // a bank card
		"12345678901",         // 11 digits not 1[3-9]
		"1381234567",          // 10 digits
		"138123456789",        // 12 digits
		"sha256:" + strings.Repeat("0", 8) + "13812345678" + "110105198502069016" + strings.Repeat("a", 27),
		"金额 1,250,000.00 元，日期 2025-06-01 13:45",
		"",
	} {
		if ms := FindPII(s); len(ms) != 0 {
			t.Errorf("%q: found %+v, want none", s, ms)
		}
	}
}

func TestFindPIISeveral(t *testing.T) {
	s := "甲 13812345678 13912345678；乙ID110105198502069016，丙11010519491231002x"
	ms := FindPII(s)
	var got []string
	for _, m := range ms {
		got = append(got, m.Number)
	}
	want := "13812345678 13912345678 110105198502069016 11010519491231002X"
	if strings.Join(got, " ") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
}

func TestMaskText(t *testing.T) {
	for in, want := range map[string]string{
		"身份证110105198502069016号":  "身份证1101**********9016号",
		"ID110105198502069016abc": "ID1101**********9016abc",
		"x 11010519491231002x y":  "x 1101**********002X y",
		"１１０１０５ １９８５０２０６ ９０１６":    "1101**********9016",
		"电话 +86 138-1234-5678 转":  "电话 138****5678 转",
		"无号码 XF-2026-000012":      "无号码 XF-2026-000012",
	} {
		if got := MaskText(in); got != want {
			t.Errorf("MaskText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := MaskTextExcept("致电13812345678或13912345678", "138-1234-5678"); got != "致电13812345678或139****5678" {
		t.Errorf("MaskTextExcept = %q", got)
	}
}
