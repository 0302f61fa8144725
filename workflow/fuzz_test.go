package workflow

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzCheckMessages: messages are drawn on a terminal, so they must never carry control
// characters copied from hostile input.
func fuzzCheckMessages(t *testing.T, in string, err *FieldError) {
	t.Helper()
	if err == nil {
		return
	}
	if err.Message("zh") == "" || err.Message("en") == "" || err.Code == "" || err.Field == "" {
		t.Fatalf("incomplete FieldError for %q: %+v", in, err)
	}
	if CleanLine(err.Message("zh")) != err.Message("zh") || CleanLine(err.Message("en")) != err.Message("en") {
		t.Fatalf("message for %q contains control characters: %+v", in, err)
	}
}

func FuzzValidateCreditCode(f *testing.F) {
	for _, s := range []string{
		"91110000600037341L", "91512081MA62K0260E", "9131000063159284XQ", "91512081ma62k0260e",
		"91110000600037341M", "9111000060003734IL", "", " ", "９１５１２０８１ＭＡ６２Ｋ０２６０Ｅ",
		"91110000600037341", "91110000600037341LL", "\x1b[2J91110000600037341L", "\xff\xfe",
		"ıııııııııııııııııı", "ſſſſſſſſſſſſſſſſſſ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := ValidateCreditCode(s)
		fuzzCheckMessages(t, s, err)
		if err != nil && !err.Warning {
			if code != "" {
				t.Fatalf("hard error returned a code %q", code)
			}
			return
		}
		// Accepted (possibly with a warning): a normalised, well-formed code.
		if len(code) != 18 {
			t.Fatalf("ValidateCreditCode(%q) = %q: not 18 bytes", s, code)
		}
		for i := 0; i < 18; i++ {
			if creditValue(code[i]) < 0 {
				t.Fatalf("ValidateCreditCode(%q) = %q: bad char %q", s, code, code[i])
			}
		}
		// A wrong check character is the checksum warning; a right one may still carry the
		// structure warning (GB 32100 authority and category, GB/T 2260 province, GB 11714
		// inner check), never anything else.
		want, ok := CreditCodeCheckChar(code[:17])
		if !ok || (code[17] != want) != (err != nil && err.Code == "checksum") {
			t.Fatalf("ValidateCreditCode(%q) = %q, %+v; check char %q", s, code, err, want)
		}
		if err != nil && err.Code != "checksum" && err.Code != "structure" {
			t.Fatalf("only checksum and structure findings may be warnings: %+v", err)
		}
		if err != nil && err.Code == "structure" && CreditCodeStructure(code) == nil {
			t.Fatalf("a structure warning for %q that CreditCodeStructure does not give", code)
		}
		// Normalising is idempotent.
		code2, err2 := ValidateCreditCode(code)
		if code2 != code || (err2 == nil) != (err == nil) {
			t.Fatalf("re-validating %q gave %q, %+v", code, code2, err2)
		}
	})
}

func FuzzValidateIDNumber(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "11010519491231002x", "110105194902300020", "110105202506020016",
		"110105189912310015", "110105194912310021", "", "110105491231002", "１１０１０５１９４９１２３１００２ｘ",
		"00000000000000000X", "99999999999999999X", "\x1b11010519491231002X",
	} {
		f.Add(s)
	}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ValidateIDNumber(s, now)
		fuzzCheckMessages(t, s, err)
		if err != nil {
			if id != "" || err.Warning {
				t.Fatalf("ID errors must be hard and return \"\": %q, %+v", id, err)
			}
			return
		}
		if len(id) != 18 {
			t.Fatalf("ValidateIDNumber(%q) = %q: not 18 bytes", s, id)
		}
		if c, ok := IDCheckChar(id[:17]); !ok || c != id[17] {
			t.Fatalf("ValidateIDNumber(%q) = %q: bad check char", s, id)
		}
		birth, perr := time.Parse("20060102", id[6:14])
		if perr != nil || birth.Year() < 1900 || id[6:14] > "20250601" {
			t.Fatalf("ValidateIDNumber(%q) = %q: bad birth date", s, id)
		}
		if id2, err2 := ValidateIDNumber(id, now); id2 != id || err2 != nil {
			t.Fatalf("re-validating %q gave %q, %v", id, id2, err2)
		}
		if m := MaskID(id); utf8.RuneCountInString(m) != 18 || strings.Contains(m, id[4:14]) {
			t.Fatalf("MaskID(%q) = %q", id, m)
		}
	})
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{
		"\x1b[2J", "\x1b]0;title\x07", "\x1b]52;c;ZXZpbA==\x07", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
		"a\rb", "\u202eevil", "\x9b31m", "\x9d0;t\x9c", "\u009b31m", "\u009d0;t\u009c", "\x00\x07\x08",
		"\x1bP...\x1b\\", "\xff\xfe\xfd", "河\xe5\x8d", "\x1b", "\x1b[", "\x1b]", "\x1b(", "\t\n\r",
		"河南信修信用管理有限公司（郑州）😀", "👨‍👩‍👧", "\x1b]0;东月\x07后", "\xed\xa0\x80",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Clean(s)
		sanCheckSafe(t, s, out)
		if strings.ContainsAny(out, "\t\r\x1b") {
			t.Fatalf("Clean(%q) = %q kept tab, CR or ESC", s, out)
		}
		if again := Clean(out); again != out {
			t.Fatalf("Clean not idempotent: %q → %q → %q", s, out, again)
		}
		// The fast path must agree with the slow one.
		if slow := sanCleanSlow(s); slow != out {
			t.Fatalf("fast/slow disagree on %q: %q vs %q", s, out, slow)
		}
		line := CleanLine(s)
		sanCheckSafe(t, s, line)
		if strings.ContainsRune(line, '\n') || CleanLine(line) != line {
			t.Fatalf("CleanLine(%q) = %q", s, line)
		}
		// Clean only removes or replaces, so already-clean text must be a fixed point,
		// and input without controls or invalid bytes must come back whole.
		if sanClean(s) && out != s {
			t.Fatalf("clean input changed: %q → %q", s, out)
		}
	})
}
