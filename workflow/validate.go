package workflow

import (
	_ "embed"
	"encoding/json"
	"repairdesk/internal/msg"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// FieldError is a validation problem a person can read: full sentences saying what is
// wrong and what to do, the catalogue's (internal/msg) message Key with Args.
type FieldError struct {
	Field   string // e.g. "credit_code", "id_number", "phone"
	Code    string // stable machine code: "required", "length", "charset", "checksum", "birthdate", "format"
	Key     string // the message in the catalogue
	Args    []any  // its arguments (msg.Localized ones rendered in the reader's language)
	Warning bool   // true = overridable warning (only credit-code checksum), false = error
}

// Error returns the English text so FieldError fits wherever an error is expected.
func (e *FieldError) Error() string {
	if e == nil {
		return "<nil>"
	}
	return e.Message("en")
}

// Message is the text in the UI language; "en" → English, anything else → Chinese,
// the same rule the enumeration labels use.
func (e *FieldError) Message(lang string) string {
	if e == nil {
		return ""
	}
	return msg.T(lang, e.Key, e.Args...)
}

// NewFieldError builds a FieldError with the catalogue's message key and its arguments.
func NewFieldError(field, code, key string, args ...any) *FieldError {
	return &FieldError{Field: field, Code: code, Key: key, Args: args}
}

func fieldErr(field, code, key string, args ...any) *FieldError {
	return NewFieldError(field, code, key, args...)
}

// ---- shared normalisation ----

// valCompact converts full-width ASCII (what Chinese IMEs produce: ０-９, Ａ-Ｚ, －, （）) to
// half-width and, if dropSpace, drops all whitespace, so a code pasted as "9111 0000 …" or
// typed in full-width mode is judged on its characters, not on how it was typed.
func valCompact(s string, dropSpace bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if dropSpace && unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// valUpperASCII upper-cases ASCII letters only: strings.ToUpper would turn "ı" or "ſ" into
// "I"/"S", letting non-ASCII input masquerade as code characters.
func valUpperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// valShowRune renders a rejected character for a message. Only printable ASCII is echoed;
// anything else is described, so a message can never carry control or bidi characters
// from the input onto the screen.
func valShowRune(r rune) msg.Message {
	if r > 0x20 && r < 0x7f && r != '"' {
		return msg.M("field.rune", r)
	}
	return msg.M("field.rune_bad")
}

// ---- 统一社会信用代码 (GB 32100-2015) ----

// creditCharset is the 31-symbol alphabet; I, O, Z, S, V are left out because they are
// easily confused with 1, 0, 2, 5, U.
const creditCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// creditValue maps a charset byte to its value 0..30, or -1.
func creditValue(c byte) int {
	return strings.IndexByte(creditCharset, c)
}

// CreditCodeCheckChar computes the check char for the first 17 chars (upper-case charset
// characters only). ok is false if first17 is not 17 such characters.
func CreditCodeCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := creditValue(first17[i])
		if v < 0 {
			return 0, false
		}
		sum += v * creditWeights[i]
	}
	return creditCharset[(31-sum%31)%31], true
}

// ValidateCreditCode checks a 统一社会信用代码. It drops whitespace, converts full-width
// to half-width and upper-cases, then requires 18 characters of the GB 32100 charset.
// Wrong length or characters are errors and return "". A failing check character is only a
// Warning (some early real codes fail it, so a supervisor may override) and returns the
// normalised code so it can be saved once the override is recorded.
func ValidateCreditCode(s string) (string, *FieldError) {
	code, fe := validateCreditCodeBase(s)
	if fe != nil {
		return code, fe
	}
	if w := CreditCodeStructure(code); w != nil {
		return code, w
	}
	return code, nil
}

// validateCreditCodeBase is ValidateCreditCode without the structure warnings: what
// intakes stored before them were checked by (their replay must not change).
func validateCreditCodeBase(s string) (string, *FieldError) {
	const field = "credit_code"
	code := valUpperASCII(valCompact(s, true))
	if code == "" {
		return "", fieldErr(field, "required", "field.cc_required")
	}
	if n := utf8.RuneCountInString(code); n != 18 {
		return "", fieldErr(field, "length", "field.cc_length", n)
	}
	pos := 0
	for _, r := range code {
		pos++
		if r < utf8.RuneSelf && creditValue(byte(r)) >= 0 {
			continue
		}
		var hint any = ""
		switch r {
		case 'I', 'O', 'Z', 'S', 'V':
			// The charset omits these letters; the licence almost certainly shows the look-alike digit or U.
			alt := map[rune]string{'I': "1", 'O': "0", 'Z': "2", 'S': "5", 'V': "U"}[r]
			hint = msg.M("field.cc_hint", alt)
		}
		return "", fieldErr(field, "charset", "field.cc_charset", pos, valShowRune(r), hint)
	}
	want, _ := CreditCodeCheckChar(code[:17])
	if code[17] != want {
		// The expected character is deliberately not shown: "fixing" the last character to
		// make the warning go away would hide a mistyped digit elsewhere.
		return code, &FieldError{Field: field, Code: "checksum", Warning: true, Key: "field.cc_checksum"}
	}
	return code, nil
}

// ---- 居民身份证号 (GB 11643-1999, ISO 7064 MOD 11-2) ----

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// IDCheckChar computes the check char ('0'-'9' or 'X') for the first 17 digits.
// ok is false if first17 is not exactly 17 ASCII digits.
func IDCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheckChars[sum%11], true
}

// ValidateIDNumber checks an 18-digit 居民身份证号: 17 digits, a check char (lower-case x is
// normalised to X), and digits 7-14 a real birth date between 1900-01-01 and today (in
// now's location). Every failure is an error and returns "".
func ValidateIDNumber(s string, now time.Time) (string, *FieldError) {
	const field = "id_number"
	id := valUpperASCII(valCompact(s, true))
	if id == "" {
		return "", fieldErr(field, "required", "field.id_required")
	}
	if n := utf8.RuneCountInString(id); n != 18 {
		if n == 15 {
			// First-generation cards had 15 digits; they are no longer valid identity documents.
			return "", fieldErr(field, "length", "field.id_length15", n)
		}
		return "", fieldErr(field, "length", "field.id_length", n)
	}
	pos := 0
	for _, r := range id {
		pos++
		if r >= '0' && r <= '9' || r == 'X' && pos == 18 {
			continue
		}
		return "", fieldErr(field, "charset", "field.id_charset", pos, valShowRune(r))
	}
	// The birth date is checked before the checksum: it is the more specific message.
	birth := id[6:14]
	y, m, d := valAtoi(birth[:4]), valAtoi(birth[4:6]), valAtoi(birth[6:])
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || d < 1 || t.Year() != y || t.Month() != time.Month(m) || t.Day() != d {
		return "", fieldErr(field, "birthdate", "field.id_birth_invalid", birth)
	}
	if y < 1900 {
		return "", fieldErr(field, "birthdate", "field.id_birth_early", birth)
	}
	ny, nm, nd := now.Date()
	if y*10000+m*100+d > ny*10000+int(nm)*100+nd {
		return "", fieldErr(field, "birthdate", "field.id_birth_future", birth)
	}
	if want, _ := IDCheckChar(id[:17]); id[17] != want {
		return "", fieldErr(field, "checksum", "field.id_checksum")
	}
	return id, nil
}

// valAtoi parses a string already known to be ASCII digits.
func valAtoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// ---- phone numbers ----

// ValidatePhone accepts a mainland mobile number (11 digits, 1[3-9]…) or a landline with
// area code (010 / 02x + 8 digits, or 0xxx + 7-8 digits) and an optional extension given
// as a separate trailing group ("0371-63451234-123"). Spaces, dashes, brackets and a +86 /
// 0086 prefix are tolerated. It returns "13812345678", "010-12345678" or
// "0371-63451234-123"; every failure is an error and returns "".
func ValidatePhone(s string) (string, *FieldError) {
	const field = "phone"
	t := strings.TrimSpace(valCompact(s, false)) // also turns full-width － （ ） ＋ into ASCII
	if t == "" {
		return "", fieldErr(field, "required", "field.phone_required")
	}
	intl := false
	if rest, ok := strings.CutPrefix(t, "+86"); ok {
		t, intl = rest, true
	} else if rest, ok := strings.CutPrefix(t, "0086"); ok {
		t, intl = rest, true
	}
	// Split into digit groups; the groups matter only for spotting an extension.
	var groups []string
	start := -1
	for i, r := range t + "-" {
		switch {
		case r >= '0' && r <= '9':
			if start < 0 {
				start = i
			}
		case r == '-' || r == '(' || r == ')' || unicode.IsSpace(r):
			if start >= 0 {
				groups = append(groups, t[start:i])
				start = -1
			}
		default:
			return "", fieldErr(field, "charset", "field.phone_charset", valShowRune(r))
		}
	}
	all := strings.Join(groups, "")
	if phoneIsMobile(all) {
		return all, nil
	}
	if intl && all != "" && all[0] != '0' {
		// International form drops the trunk 0: +86 10 12345678 is 010-12345678.
		all = "0" + all
	}
	if out, ok := phoneLandline(all); ok {
		return out, nil
	}
	if len(groups) >= 2 {
		ext := groups[len(groups)-1]
		if len(ext) <= 6 {
			if out, ok := phoneLandline(all[:len(all)-len(ext)]); ok {
				return out + "-" + ext, nil
			}
		}
	}
	return "", fieldErr(field, "format", "field.phone_format")
}

func phoneIsMobile(d string) bool {
	if len(d) != 11 || d[0] != '1' || d[1] < '3' || d[1] > '9' {
		return false
	}
	for i := 2; i < 11; i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// phoneLandline splits area code and local number: 010 and 02x are the only 3-digit area
// codes (with 8-digit locals); all others are 0[3-9]xx with 7- or 8-digit locals. A local
// number never starts with 0 (that would be a second trunk prefix); 1 is allowed because
// the brief's own example is 010-12345678.
func phoneLandline(d string) (string, bool) {
	if len(d) < 3 || d[0] != '0' {
		return "", false
	}
	area := 4
	switch {
	case d[1] == '1' && d[2] == '0', d[1] == '2':
		area = 3
	case d[1] < '3':
		return "", false
	}
	local := len(d) - area
	if local < 7 || local > 8 || area == 3 && local != 8 || d[area] == '0' {
		return "", false
	}
	return d[:area] + "-" + d[area:], true
}

// ---- masking ----

// MaskID shows the first 4 and last 4 runes of an 18-or-longer ID ("1101**********002X");
// a shorter input keeps only its last 2 runes; empty stays empty.
func MaskID(s string) string {
	r := []rune(s)
	n := len(r)
	switch {
	case n == 0:
		return ""
	case n >= 18:
		return string(r[:4]) + strings.Repeat("*", n-8) + string(r[n-4:])
	case n <= 2:
		return s
	default:
		return strings.Repeat("*", n-2) + string(r[n-2:])
	}
}

// MaskPhone shows a mobile as "138****5678"; anything else keeps its first 3 and last 2
// runes, and inputs too short for that keep only the last 2.
func MaskPhone(s string) string {
	r := []rune(s)
	n := len(r)
	switch {
	case n == 0:
		return ""
	case phoneIsMobile(s):
		return s[:3] + "****" + s[7:]
	case n > 5:
		return string(r[:3]) + strings.Repeat("*", n-5) + string(r[n-2:])
	case n <= 2:
		return s
	default:
		return strings.Repeat("*", n-2) + string(r[n-2:])
	}
}

//go:embed sources/divisions.json
var divisionsJSON []byte

var provinceCodes = sync.OnceValue(func() map[string]bool {
	var d struct {
		Provinces map[string]string `json:"provinces"`
		Central   []string          `json:"central"`
	}
	if err := json.Unmarshal(divisionsJSON, &d); err != nil {
		panic(err) // the embedded file is tested
	}
	out := map[string]bool{}
	for k := range d.Provinces {
		out[k] = true
	}
	for _, k := range d.Central {
		out[k] = true
	}
	return out
})

// ProvinceKnown says whether the two digits are a province-level GB/T 2260 code (or the
// central level, 10) — sources/divisions.json.
func ProvinceKnown(two string) bool { return provinceCodes()[two] }

// OrgCodeCheckChar is the check character of a GB 11714 organisation code body (8
// characters, digits or capital letters): weights 3 7 9 10 5 8 4 2, C = 11 − (Σ mod 11),
// 10 → X, 11 → 0. ok is false for a body it cannot read.
func OrgCodeCheckChar(body string) (byte, bool) {
	if len(body) != 8 {
		return 0, false
	}
	w := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 8; i++ {
		c := body[i]
		switch {
		case c >= '0' && c <= '9':
			sum += int(c-'0') * w[i]
		case c >= 'A' && c <= 'Z':
			sum += int(c-'A'+10) * w[i]
		default:
			return 0, false
		}
	}
	switch v := 11 - sum%11; v {
	case 10:
		return 'X', true
	case 11:
		return '0', true
	default:
		return byte('0' + v), true
	}
}

// CreditCodeStructure checks the parts of an 18-character code whose check digit is right
// (GB 32100-2015): position 1 the registration authority (1–9, A, N, Y), position 2 a
// category that authority uses (for 9, 工商: 1 企业, 2 个体工商户, 3 农民专业合作社; the
// other authorities' tables are not verified, so not checked), positions 3–4 a province of
// GB/T 2260, and position 17 the GB 11714 check character of positions 9–16. Every finding
// is a warning a supervisor may confirm: real codes are what the licence shows.
func CreditCodeStructure(code string) *FieldError {
	if len(code) != 18 {
		return nil
	}
	var parts []msg.Message
	add := func(key string, args ...any) { parts = append(parts, msg.M(key, args...)) }
	if !strings.ContainsRune("123456789ANY", rune(code[0])) {
		add("field.cc_authority", string(code[0]))
	} else if code[0] == '9' && !strings.ContainsRune("123", rune(code[1])) {
		add("field.cc_category", string(code[1]))
	}
	if !ProvinceKnown(code[2:4]) {
		add("field.cc_province", code[2:4])
	}
	if want, ok := OrgCodeCheckChar(code[8:16]); !ok || code[16] != want {
		add("field.cc_org_check")
	}
	if len(parts) == 0 {
		return nil
	}
	joined := loc(func(lang string) string {
		ss := make([]string, len(parts))
		for i, p := range parts {
			ss[i] = p.Localize(lang)
		}
		return strings.Join(ss, msg.T(lang, "field.cc_sep"))
	})
	fe := fieldErr("credit_code", "structure", "field.cc_structure", joined)
	fe.Warning = true
	return fe
}

// IDDivisionWarning warns when a valid ID number's first two digits are not a GB/T 2260
// province (sources/divisions.json): a warning, since only the province level is checked.
func IDDivisionWarning(id string) *FieldError {
	if len(id) != 18 || ProvinceKnown(id[:2]) {
		return nil
	}
	fe := fieldErr("id_number", "division", "field.id_division", id[:2])
	fe.Warning = true
	return fe
}
