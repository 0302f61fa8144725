package workflow

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// valNow is fixed so birth-date tests do not depend on the day they run.
var valNow = time.Date(2025, 6, 1, 15, 0, 0, 0, time.FixedZone("CST", 8*3600))

func TestValidateCreditCode(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string // normalised code; "" for hard errors
		code    string // FieldError.Code; "" = valid
		warning bool
	}{
		{"valid 1", "91110000600037341L", "91110000600037341L", "", false},
		{"valid 2", "91512081MA62K0260E", "91512081MA62K0260E", "", false},
		{"valid 3", "9131000063159284XQ", "9131000063159284XQ", "", false},
		{"lower case", "91512081ma62k0260e", "91512081MA62K0260E", "", false},
		{"surrounding spaces", "  91110000600037341L\t", "91110000600037341L", "", false},
		{"grouped with spaces", "9111 0000 6000 3734 1L", "91110000600037341L", "", false},
		{"full-width", "９１５１２０８１ＭＡ６２Ｋ０２６０Ｅ", "91512081MA62K0260E", "", false},
		{"empty", "   ", "", "required", false},
		{"too short", "91110000600037341", "", "length", false},
		{"too long", "91110000600037341LL", "", "length", false},
		{"CJK counts as runes", "河南信修信用管理有限公司", "", "length", false},
		{"letter I", "9111000060003734IL", "", "charset", false},
		{"letter O", "91110000600O37341L", "", "charset", false},
		{"letter Z", "9151208ZMA62K0260E", "", "charset", false},
		{"letter S", "91512081MS62K0260E", "", "charset", false},
		{"letter V", "9131000063159284XV", "", "charset", false},
		{"punctuation", "91110000-600037341", "", "charset", false},
		{"CJK char", "91110000600037341中", "", "charset", false},
		{"control char", "9111000060003734\x1bL", "", "charset", false},
		{"wrong check char", "91110000600037341M", "91110000600037341M", "checksum", true},
		{"swapped digits", "91110000060037341L", "91110000060037341L", "checksum", true},
		{"wrong check lower", "91512081ma62k0260f", "91512081MA62K0260F", "checksum", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ValidateCreditCode(tt.in)
			if got != tt.want {
				t.Errorf("ValidateCreditCode(%q) = %q, want %q", tt.in, got, tt.want)
			}
			valCheckErr(t, err, "credit_code", tt.code, tt.warning)
		})
	}
}

// valCheckErr asserts the error's code and warning flag and that both texts are present
// and carry no terminal-control characters from the input.
func valCheckErr(t *testing.T, err *FieldError, field, code string, warning bool) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error %s/%s: %s", err.Field, err.Code, err.Message("en"))
		}
		return
	}
	if err == nil {
		t.Fatalf("want error code %q, got nil", code)
	}
	if err.Field != field || err.Code != code || err.Warning != warning {
		t.Errorf("got {%s %s warning=%v}, want {%s %s warning=%v}", err.Field, err.Code, err.Warning, field, code, warning)
	}
	if err.Message("zh") == "" || err.Message("en") == "" || err.Message("zh") == err.Message("en") {
		t.Errorf("messages must be distinct, non-empty: ZH=%q EN=%q", err.Message("zh"), err.Message("en"))
	}
	for _, m := range []string{err.Message("zh"), err.Message("en")} {
		if CleanLine(m) != m {
			t.Errorf("message contains control characters: %q", m)
		}
	}
	if err.Error() != err.Message("en") || err.Message("en") != err.Message("en") || err.Message("zh") != err.Message("zh") || err.Message("") != err.Message("zh") {
		t.Errorf("Error/Message do not select the right language")
	}
}

func TestCreditCodeHints(t *testing.T) {
	_, err := ValidateCreditCode("9111000060003734IL")
	if err == nil || !strings.Contains(err.Message("zh"), "第17位") || !strings.Contains(err.Message("en"), `"1"`) {
		t.Fatalf("want position 17 and a hint of \"1\", got %+v", err)
	}
	_, err = ValidateCreditCode("9111000060003734")
	if err == nil || !strings.Contains(err.Message("zh"), "当前为16位") {
		t.Fatalf("want the entered length in the message, got %+v", err)
	}
	// The warning must not leak the expected character, which would invite "fixing" it.
	_, err = ValidateCreditCode("91110000600037341M")
	if err == nil || strings.Contains(err.Message("en"), `"L"`) || strings.Contains(err.Message("zh"), "L") {
		t.Fatalf("warning should not reveal the expected check char: %+v", err)
	}
}

func TestCreditCodeCheckChar(t *testing.T) {
	for _, code := range []string{"91110000600037341L", "91512081MA62K0260E", "9131000063159284XQ"} {
		c, ok := CreditCodeCheckChar(code[:17])
		if !ok || c != code[17] {
			t.Errorf("CreditCodeCheckChar(%q) = %q,%v want %q", code[:17], c, ok, code[17])
		}
	}
	if c, ok := CreditCodeCheckChar("91440300MA5DC1234"); !ok || c != '1' {
		t.Errorf("got %q,%v want '1'", c, ok)
	}
	for _, bad := range []string{"", "9111000060003734", "911100006000373411", "91110000600037I41", "91512081ma62k0260"} {
		if _, ok := CreditCodeCheckChar(bad); ok {
			t.Errorf("CreditCodeCheckChar(%q) accepted", bad)
		}
	}
}

// Every single-character substitution must be caught: 31 is prime and no weight is 0 mod 31.
func TestCreditCodeDetectsEverySubstitution(t *testing.T) {
	const code = "91512081MA62K0260E"
	for i := 0; i < 18; i++ {
		for j := 0; j < len(creditCharset); j++ {
			c := creditCharset[j]
			if c == code[i] {
				continue
			}
			mut := code[:i] + string(c) + code[i+1:]
			if _, err := ValidateCreditCode(mut); err == nil || !err.Warning {
				t.Fatalf("substitution %q not flagged: %+v", mut, err)
			}
		}
	}
}

func TestValidateIDNumber(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		code string
	}{
		{"valid", "11010519491231002X", "11010519491231002X", ""},
		{"lower-case x", "11010519491231002x", "11010519491231002X", ""},
		{"spaces", " 110105 19491231 002X ", "11010519491231002X", ""},
		{"full-width", "１１０１０５１９４９１２３１００２ｘ", "11010519491231002X", ""},
		{"digit check", "440306199001011236", "440306199001011236", ""},
		{"leap day 1948", "110105194802290013", "110105194802290013", ""},
		{"first day 1900", "11010519000101001X", "11010519000101001X", ""},
		{"born today", "110105202506010010", "110105202506010010", ""},
		{"empty", "", "", "required"},
		{"17 digits", "11010519491231002", "", "length"},
		{"19 chars", "11010519491231002X1", "", "length"},
		{"15-digit old card", "110105491231002", "", "length"},
		{"letter inside", "1101051949123100AX", "", "charset"},
		{"X not last", "1101051949123100X2", "", "charset"},
		{"escape char", "11010519491231002\x1b", "", "charset"},
		{"wrong checksum", "110105194912310021", "", "checksum"},
		{"transposed digits", "11010591491231002X", "", "birthdate"},
		{"transposed sequence", "11010519491231020X", "", "checksum"},
		{"Feb 30", "110105194902300020", "", "birthdate"},
		{"Feb 29 non-leap", "110105194902290010", "", "birthdate"},
		{"Feb 29 1900", "110105190002290017", "", "birthdate"},
		{"month 13", "110105194913000015", "", "birthdate"},
		{"day 00", "110105194912000013", "", "birthdate"},
		{"tomorrow", "110105202506020016", "", "birthdate"},
		{"before 1900", "110105189912310015", "", "birthdate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ValidateIDNumber(tt.in, valNow)
			if got != tt.want {
				t.Errorf("ValidateIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
			}
			valCheckErr(t, err, "id_number", tt.code, false)
		})
	}
}

// "now" is compared as a calendar date in its own location: at 2025-06-01 23:30 in
// Beijing it is still 06-01 there, though 15:30 UTC.
func TestIDBirthdateUsesNowsLocation(t *testing.T) {
	late := time.Date(2025, 6, 1, 23, 30, 0, 0, time.FixedZone("CST", 8*3600))
	if _, err := ValidateIDNumber("110105202506010010", late); err != nil {
		t.Fatalf("born today rejected: %v", err)
	}
	early := time.Date(2025, 5, 31, 20, 0, 0, 0, time.UTC) // 06-01 04:00 in Beijing
	if _, err := ValidateIDNumber("110105202506010010", early); err == nil || err.Code != "birthdate" {
		t.Fatalf("birth after now's date accepted: %v", err)
	}
}

func TestIDCheckChar(t *testing.T) {
	cases := map[string]byte{"11010519491231002": 'X', "44030619900101123": '6', "11010519490230002": '0'}
	for in, want := range cases {
		if c, ok := IDCheckChar(in); !ok || c != want {
			t.Errorf("IDCheckChar(%q) = %q,%v want %q", in, c, ok, want)
		}
	}
	for _, bad := range []string{"", "1101051949123100", "110105194912310021", "1101051949123100X"} {
		if _, ok := IDCheckChar(bad); ok {
			t.Errorf("IDCheckChar(%q) accepted", bad)
		}
	}
}

// MOD 11-2 catches every single-digit substitution; some land on the date check first,
// but none may pass.
func TestIDDetectsEverySubstitution(t *testing.T) {
	const id = "11010519491231002X"
	for i := 0; i < 18; i++ {
		for _, c := range "0123456789X" {
			if byte(c) == id[i] || c == 'X' && i != 17 {
				continue
			}
			mut := id[:i] + string(c) + id[i+1:]
			if _, err := ValidateIDNumber(mut, valNow); err == nil {
				t.Fatalf("substitution %q accepted", mut)
			}
		}
	}
}

func TestValidatePhone(t *testing.T) {
	tests := []struct{ in, want, code string }{
		{"13812345678", "13812345678", ""},
		{"138 1234 5678", "13812345678", ""},
		{"138-1234-5678", "13812345678", ""},
		{"+86 138 1234 5678", "13812345678", ""},
		{"0086-13812345678", "13812345678", ""},
		{"１３８１２３４５６７８", "13812345678", ""},
		{"19912345678", "19912345678", ""},
		{"010-12345678", "010-12345678", ""},
		{"01012345678", "010-12345678", ""},
		{"(010) 1234 5678", "010-12345678", ""},
		{"+86 10 12345678", "010-12345678", ""},
		{"021-62345678", "021-62345678", ""},
		{"0371-63451234", "0371-63451234", ""},
		{"0371 6345 1234", "0371-63451234", ""},
		{"0371-6345123", "0371-6345123", ""},
		{"0371-63451234-123", "0371-63451234-123", ""},
		{"010-12345678-8001", "010-12345678-8001", ""},
		{"０３７１－６３４５１２３４", "0371-63451234", ""},
		{"", "", "required"},
		{"  ", "", "required"},
		{"12812345678", "", "format"},   // 12x is not a mobile prefix
		{"1381234567", "", "format"},    // 10 digits
		{"138123456789", "", "format"},  // 12 digits
		{"010-1234567", "", "format"},   // Beijing locals have 8 digits
		{"0371-123456", "", "format"},   // too short
		{"0371-03451234", "", "format"}, // local cannot start with 0
		{"011-12345678", "", "format"},  // no such area code
		{"12345678", "", "format"},      // no area code
		{"0371-63451234-1234567", "", "format"},
		{"-", "", "format"},
		{"138.1234.5678", "", "charset"},
		{"tel:13812345678", "", "charset"},
		{"13812345678\x1b[2J", "", "charset"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ValidatePhone(tt.in)
			if got != tt.want {
				t.Errorf("ValidatePhone(%q) = %q, want %q", tt.in, got, tt.want)
			}
			valCheckErr(t, err, "phone", tt.code, false)
		})
	}
}

func TestMaskID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"11010519491231002X", "1101**********002X"},
		{"11010519491231002x", "1101**********002x"},
		{"110105491231002", "*************02"},
		{"1234", "**34"},
		{"123", "*23"},
		{"12", "12"},
		{"", ""},
		{"身份证号码", "***号码"},
		{"11010519491231002X99", "1101************2X99"},
	}
	for _, tt := range tests {
		if got := MaskID(tt.in); got != tt.want {
			t.Errorf("MaskID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"0371-63451234", "037********34"},
		{"010-12345678-8001", "010************01"},
		{"123456", "123*56"},
		{"12345", "***45"},
		{"1", "1"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFieldErrorNilAndErrorsAs(t *testing.T) {
	var fe *FieldError
	if fe.Message("en") != "" || fe.Error() == "" {
		t.Fatal("nil FieldError must not panic")
	}
	_, fe = ValidatePhone("x")
	var err error = fe
	var target *FieldError
	if !errors.As(err, &target) || target.Code != "charset" {
		t.Fatalf("errors.As failed: %v", err)
	}
}
