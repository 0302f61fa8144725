package cli

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"repairdesk/store"
	"repairdesk/workflow"
)

// scanStrBytewise is scanStr as it was before it took eight bytes at a time, followed by
// the search for numbers as it was before it was folded into the scan: the text
// unescaped, then workflow.HoldsPII over all of it. It is the reference the scan must
// agree with.
func scanStrBytewise(in []byte, pos int) (raw []byte, escaped, hold bool, end int, err error) {
	if pos >= len(in) || in[pos] != '"' {
		return nil, false, false, 0, errRawRefused
	}
	start := pos + 1
	i := start
	for {
		if i >= len(in) {
			return nil, false, false, 0, errRawRefused
		}
		c := in[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			if c == '"' {
				break
			}
			n := rawEscapeLen(in[i:])
			if n == 0 {
				return nil, false, false, 0, errRawRefused
			}
			i += n
			escaped = true
			continue
		}
		if plainThree(in, i) {
			i += 3
			continue
		}
		ru, size := utf8.DecodeRune(in[i:])
		if ru == utf8.RuneError && size == 1 || ru == '\u2028' || ru == '\u2029' {
			return nil, false, false, 0, errRawRefused
		}
		i += size
	}
	return in[start:i], escaped, workflow.HoldsPII(string(rawUnescapeBytewise(nil, in[start:i]))), i + 1, nil
}

// rawUnescapeBytewise is rawUnescape as it was, a byte at a time: the reference.
func rawUnescapeBytewise(dst, raw []byte) []byte {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		dst, i = appendEscaped(dst, raw, i)
	}
	return dst
}

// checkScanStr compares scanStr with the bytewise reference on in from pos — the string
// it takes, and whether FindPII finds a number in its text — and the text rawUnescape
// makes of a string it takes with the bytewise unescaping's. It says whether the string
// holds a number.
func checkScanStr(t *testing.T, in []byte, pos int) bool {
	t.Helper()
	r := rawScan{in: in, pos: pos}
	raw, esc, hold, end, err := r.scanStr()
	wraw, wesc, whold, wend, werr := scanStrBytewise(in, pos)
	if (err == nil) != (werr == nil) || !bytes.Equal(raw, wraw) || esc != wesc || hold != whold || end != wend {
		t.Fatalf("scanStr(%q from %d) = %q, escaped %v, holds a number %v, end %d, %v; byte by byte %q, %v, %v, %d, %v",
			in, pos, raw, esc, hold, end, err, wraw, wesc, whold, wend, werr)
	}
	if err == nil {
		pre := []byte("kept")
		if got, want := rawUnescape(pre, raw), rawUnescapeBytewise([]byte("kept"), raw); !bytes.Equal(got, want) {
			t.Fatalf("rawUnescape(%q) = %q, byte by byte %q", raw, got, want)
		}
	}
	return hold
}

// TestSwarWords: in any word, the lowest byte swarSpecial|high marks is the first byte
// that is not ASCII jsonSafe lets through, swarDigit marks exactly the ASCII digits
// among the ASCII bytes below it, and swarNotPII exactly the ASCII bytes rawPIIASCII
// does not let through — for every byte in every place of a word over several fillers,
// and for random words.
func TestSwarWords(t *testing.T) {
	check := func(w uint64) {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], w)
		first := 8
		for j, c := range b {
			if c >= utf8.RuneSelf || !jsonSafe[c] {
				first = j
				break
			}
		}
		got := 8
		if stop := swarSpecial(w) | w&swarHigh; stop != 0 {
			got = bits.TrailingZeros64(stop) >> 3
		}
		if got != first {
			t.Fatalf("%q: the first byte to stop at is %d, swar says %d", b, first, got)
		}
		d := swarDigit(w)
		for j, c := range b {
			if marked := d>>(8*j+7)&1 == 1; marked != (c >= '0' && c <= '9') {
				t.Fatalf("%q: byte %d (%q) marked a digit: %v", b, j, c, marked)
			}
		}
		// swarNotPII, on the ASCII bytes of a word (the scan asks it of no other):
		// exactly those rawPIIASCII does not let through, in every place.
		a := w & swarLow7
		non := swarNotPII(a)
		for j := range 8 {
			c := byte(a >> (8 * j))
			if marked := non>>(8*j+7)&1 == 1; marked == rawPIIASCII[c] {
				t.Fatalf("%q: byte %d (%q) marked as ending a run of number characters: %v", b, j, c, marked)
			}
		}
		if non&^swarHigh != 0 {
			t.Fatalf("%q: swarNotPII sets bits other than the bytes' high ones: %#x", b, non)
		}
	}
	for _, fill := range []byte{'a', ' ', '~', 0x7f, '/', ':', '0', '9', 0, '"', 0x80, 0xe6, 0xff, 0xb0, 'X', 'x', 0x1f, 0x3a, 0x20, 0x39, 'Y', 'W'} {
		for c := range 256 {
			for at := range 8 {
				b := bytes.Repeat([]byte{fill}, 8)
				b[at] = byte(c)
				check(binary.LittleEndian.Uint64(b))
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 1_000_000 {
		check(r.Uint64() & swarLow7)
		check(r.Uint64())
	}
}

// scanPieces are what TestScanStrAgrees builds strings from: ASCII (with digits and
// every byte the encoder escapes), Chinese, escapes right and wrong, U+2028, invalid
// UTF-8 — and the parts of numbers FindPII finds: mobile and ID numbers whole and in
// groups, prefixes, every separator in ASCII and full-width, X and x in both widths,
// full-width digits, hexadecimal runs (a digest is not looked into) and the escapes
// whose letters are hexadecimal digits (\b, \f, \u003c) beside them, a surrogate pair
// escaped (which the scan refuses), and the agency's landline.
var scanPieces = []string{"a", "Z", " ", "~", "\x7f", "0", "5", "9", "/", ":", "abcdefgh", "12345678", "hello, world",
	`\n`, `\"`, `\\`, `\u003c`, `\u0026`, `\u2028`, `\u001f`,
	"材料", "收到第", "０", "９", "（", "é", "𝄞",
	"138", "1234", "5678", "13812345678", "1", "86", "+86 ", "0086", "+", "＋", "110105", "19491231", "002", "X", "x",
	"Ｘ", "ｘ", cliID, "110105194912310021", "-", ".", "\u3000", "－", "．", "／", "‐", "‑", "–", "—", "・", "·", "\u00a0",
	"１３８", "１２３４", "５６７８", "9f86d081884c7d65", "abcdef", "ABCDEF", "0123456789abcdef", `\b`, `\f`,
	"0371-5550-1234", "。", "：", "，",
	// The rest the scan refuses (the encoder writes them otherwise, or they end the string).
	`\u0030`, `\x`, `\`, "<", ">", "&", "\x01", "\t", "\u2028", "\xff", "\xe6\x9d", "\xef\xbc", `"`, `\ud83d\ude00`}

// scanPiecesTaken: the first pieces, which the scan takes.
var scanPiecesTaken = slices.Index(scanPieces, "，") + 1

// TestScanStrAgrees (and rawUnescape): on random strings of scanPieces, cut anywhere and
// started at every offset (the word's alignment), scanStr answers as byte by byte, and
// finds a number exactly where FindPII finds one in the unescaped text.
func TestScanStrAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	held, clean, refused := 0, 0, 0
	for range 20_000 {
		var b []byte
		b = append(b, `"`...)
		pieces := scanPieces
		if r.IntN(2) == 0 {
			pieces = pieces[:scanPiecesTaken]
		}
		for range r.IntN(40) {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		if r.IntN(4) > 0 {
			b = append(b, `"`...)
		}
		b = append(b, `,"next":1}`[:r.IntN(11)]...)
		switch _, _, _, _, err := scanStrBytewise(b, 0); {
		case checkScanStr(t, b, 0):
			held++
		case err == nil:
			clean++
		default:
			refused++
		}
		for pre := 1; pre < 9; pre++ {
			p := append(bytes.Repeat([]byte{'x'}, pre), b...)
			checkScanStr(t, p, pre)
		}
	}
	t.Logf("%d strings hold a number, %d do not, %d are refused for what they are", held, clean, refused)
	if held < 1000 || clean < 1000 {
		t.Fatalf("%d strings hold a number, %d do not: the comparison says little", held, clean)
	}
}

// TestScanStrNumbers: the texts that decide between the scan's runs and FindPII, one by
// one — each checked as TestScanStrAgrees checks (the same answer as FindPII on the
// unescaped text), and its answer given.
func TestScanStrNumbers(t *testing.T) {
	hex28 := strings.Repeat("abcd", 7)
	for _, tc := range []struct {
		s    string // a JSON string's content, as stored
		hold bool
	}{
		{"13812345678", true},
		{"手机13812345678。", true},
		{"手机 138 1234 5678", true},
		{"手机\u3000138\u30001234\u30005678", true},
		{"手机\\u3000138\\u30001234\\u30005678", false}, // U+3000 escaped, as the encoder never writes it: refused
		{"手机１３８－１２３４－５６７８", true},
		{"+86-138.1234.5678", true},
		{"138\n12345678", false}, // an escape ends the number
		{"138\u003c12345678", false},
		{"0371-5550-1234", false}, // groups of 4, 4, 4: no number
		{"证号" + cliID + "。", true},
		{"证号11010519491231002x", true},
		{"证号11010519491231002Ｘ", true},
		{"XF-2026-000169", false},
		{"2024-08-11 10:30", false},
		// A digest: no number inside a run of 32 hexadecimal characters or more, however
		// far it reaches past the digits.
		{hex28 + "13812345678", false},                      // 39
		{"a" + hex28[:20] + "13812345678", false},           // 32
		{hex28[:20] + "13812345678", true},                  // 31
		{"13812345678" + hex28[:20] + "a", false},           // 32, after the digits
		{"13812345678" + hex28[:20] + "\\\\a", true},        // 31: a backslash ends the run
		{"\\b" + "a" + hex28[:19] + "13812345678", true},    // \b is no letter b of the text: 31
		{"\\f" + "a" + hex28[:19] + "13812345678", true},    // \f likewise
		{"\\\\b" + "a" + hex28[:19] + "13812345678", false}, // a backslash, then the letter b: 32
		{"\\u003c" + hex28[:20] + "13812345678", true},      // the escape's digits are none of the text's: 31
		{"\\u003c" + hex28[:21] + "13812345678", false},     // 32
	} {
		in := []byte(`"` + tc.s + `"`)
		if got := checkScanStr(t, in, 0); got != tc.hold {
			t.Errorf("%s: holds a number: %v, want %v", in, got, tc.hold)
		}
	}
}

// TestRawPIIClasses: for every character, the scan lets through into a run of number
// characters at least what FindPII takes into a number (workflow.PIIRune), and counts
// every digit it takes; and a mobile number cut by the character once or twice, or
// beside it, is found by the scan as by FindPII on the text (every character of the
// Basic Multilingual Plane, and the others one in 97).
func TestRawPIIClasses(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		part, digit := workflow.PIIRune(r)
		var sp, sd bool
		var b [4]byte
		n := utf8.EncodeRune(b[:], r)
		switch {
		case r < utf8.RuneSelf:
			sp, sd = rawPIIASCII[r], r >= '0' && r <= '9'
		case n == 3 && (b[0] >= 0xE3 && b[0] <= 0xEC || b[0] >= 0xEE):
			sp, sd = rawPII3(b[0], b[1], b[2])
		default:
			sp, sd = part, digit // the scan asks workflow.PIIRune itself
		}
		if part && !sp || digit && !sd || sd && !sp {
			t.Fatalf("%U: FindPII takes it (part %v, digit %v); the scan's run: part %v, digit %v", r, part, digit, sp, sd)
		}
		if r >= 0x10000 && r%97 != 0 {
			continue
		}
		c := string(r)
		for _, text := range []string{"138" + c + "1234" + c + "5678", "1381234" + c + "5678", c + "13812345678" + c, "1381234567" + c} {
			checkScanStr(t, appendJSONString(nil, text), 0)
		}
	}
}

// TestPIIGroupSums: piiGroupsMayHold answers yes for every run of number characters in
// which FindPII finds a number (random runs of digit groups in both widths of every
// length up to 19, separators, X, and, sometimes, more groups than it keeps), and no for
// runs whose groups cannot sum to a number's digits.
func TestPIIGroupSums(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	seps := []string{" ", "-", ".", "\u3000", "－", "—", "X", "x", "Ｘ", "/", "  ", "+"}
	found, no := 0, 0
	for range 200_000 {
		var b strings.Builder
		groups := 1 + r.IntN(6)
		if r.IntN(50) == 0 {
			groups = 20 + r.IntN(10)
		}
		for g := range groups {
			if g > 0 {
				b.WriteString(seps[r.IntN(len(seps))])
			}
			n := 1 + r.IntN(19)
			if r.IntN(3) == 0 {
				n = []int{11, 13, 15, 17, 18, 3, 4, 8}[r.IntN(8)]
			}
			full := r.IntN(5) == 0
			for i := range n {
				d := byte('0' + r.IntN(10))
				if i == 0 && n >= 11 {
					d = '1'
				}
				if full {
					b.WriteRune('０' + rune(d-'0'))
				} else {
					b.WriteByte(d)
				}
			}
		}
		s := b.String()
		holds := len(workflow.FindPII(s)) > 0
		if may := piiGroupsMayHold([]byte(s)); holds && !may {
			t.Fatalf("%q: FindPII finds %v, piiGroupsMayHold says no", s, workflow.FindPII(s))
		} else if holds {
			found++
		} else if !may {
			no++
		}
	}
	t.Logf("%d runs hold a number, %d are answered no without FindPII", found, no)
	if found < 10_000 || no < 10_000 {
		t.Fatalf("%d runs hold a number, %d are answered no: the test says little", found, no)
	}
	for _, s := range []string{"0371-5550-1234", "1234567890123456789", "12 34567890", "1", "123456789012"} {
		if piiGroupsMayHold([]byte(s)) {
			t.Errorf("%q: no groups one after another sum to a number's digits, yet piiGroupsMayHold says yes", s)
		}
	}
}

// TestScanStrDemoOffice: every string of every case and event a demo office stores (300
// cases, five whose free text holds ID and mobile numbers in every form — sealed in the
// file — and three whose enterprise's name, kept as typed, holds one), as stored, gets
// from the scan the answer of FindPII on its unescaped text.
func TestScanStrDemoOffice(t *testing.T) {
	st := piiDemoOffice(t)
	for _, name := range []string{"郑州13812345678商贸有限公司", "郑州" + strings.ToLower(cliID) + "商贸有限公司", "郑州１３８ １２３４ ５６７８商贸有限公司"} {
		piiCase(t, st, name, time.Now(), "")
	}
	// asked: the strings whose text has a run of characters FindPII takes into a number
	// with enough digits to be one (those the scan asks FindPII about).
	strs, held, asked, values := 0, 0, 0, 0
	walk := func(js []byte) {
		values++
		dec := json.NewDecoder(bytes.NewReader(js))
		for {
			at := int(dec.InputOffset())
			tok, err := dec.Token()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			text, ok := tok.(string)
			if !ok {
				continue
			}
			digits, most := 0, 0
			for _, r := range text {
				if part, digit := workflow.PIIRune(r); !part {
					digits = 0
				} else if digit {
					digits++
					most = max(most, digits)
				}
			}
			if most >= workflow.PIIRunDigits {
				asked++
			}
			pos := bytes.IndexByte(js[at:], '"') + at
			strs++
			if checkScanStr(t, js, pos) {
				held++
			}
		}
	}
	// The walk's encoders run on the store's goroutines, where a test may not stop: the
	// stored values are copied there and checked here.
	var mu sync.Mutex
	var stored [][]byte
	keep := func(js []byte) {
		mu.Lock()
		stored = append(stored, bytes.Clone(js))
		mu.Unlock()
	}
	err := st.EachCaseStored(time.Time{}, func(sc *store.StoredCase) ([]byte, error) {
		js, err := sc.JSON()
		if err != nil {
			return nil, err
		}
		keep(js)
		_, err = sc.Events(func(js []byte) bool { keep(js); return true })
		return nil, err
	}, func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	for _, js := range stored {
		walk(js)
	}
	t.Logf("%d strings of %d cases and events; FindPII asked about runs in %d, finding a number in %d", strs, values, asked, held)
	if values < 4000 || strs < 100_000 || asked < 1000 || held < 3 {
		t.Fatalf("%d strings of %d cases and events, %d asked about, %d holding a number: the comparison says little", strs, values, asked, held)
	}
}

// FuzzScanStr: any bytes, from any offset, give scanStr's answer byte by byte, and
// whether the text holds a number is FindPII's answer on it unescaped.
func FuzzScanStr(f *testing.F) {
	for _, s := range []string{`"abc"`, `"12345678901234567890"`, `"收到第1份材料\n"`, `"\u003c０"`, `"abcdefgh<"`, `"abcdefg\"`,
		`"手机13812345678"`, `"+86 138 1234 5678"`, `"１３８－１２３４－５６７８"`, `"证号11010519491231002x"`, `"138\n12345678"`,
		`"\u003cabcdabcdabcdabcdabcd13812345678"`, `"\bababcdabcdabcdabcdabcd13812345678"`, `"0371-5550-1234"`,
		`"\ud83d\ude00 13812345678"`, `"9f86d081884c7d659f86d081884c7d65 13812345678"`} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, in []byte, pos uint8) {
		checkScanStr(t, in, int(pos)%(len(in)+1))
	})
}

// FuzzScanStrPII: any text, as the encoder writes it (escapes included: control
// characters, < > &, U+2028), gets from the scan FindPII's answer on the text — which
// numbers in both widths, separators, X, hexadecimal runs and escapes beside them
// decide; and the text cut at an escape's edge or with a \u escape of a digit put in
// (which the scan refuses) gets the bytewise answer.
func FuzzScanStrPII(f *testing.F) {
	for _, s := range []string{"手机13812345678", "+86 138 1234 5678", "１３８－１２３４－５６７８", "证号11010519491231002x",
		"138\n12345678", "<abcdabcdabcdabcdabcd13812345678", "\bababcdabcdabcdabcdabcd13812345678", "0371-5550-1234",
		"9f86d081884c7d659f86d081884c7d65 13812345678", "138\u00a01234\u30005678", "x13812345678X", "—０13812345678a008656780371-5550-1234‐ｘ"} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, text string, cut uint8) {
		in := appendJSONString(nil, text)
		checkScanStr(t, in, 0)
		// An escape of a digit (never written by the encoder) where cut says.
		at := 1 + int(cut)%len(in)
		mixed := append(append(append([]byte{}, in[:at]...), `\u0031`...), in[at:]...)
		checkScanStr(t, mixed, 0)
	})
}

// scanStrWords is scanStr as it was before the search for numbers was folded into it
// (eight bytes at a time, and whether the text has a digit); searchAsBefore the search
// that followed it (the text unescaped when it holds an escape, then HoldsPII over it
// when it has a digit). Together they are the two passes BenchmarkScanStr compares the
// one with.
func scanStrWords(in []byte, pos int) (raw []byte, escaped, may bool, end int, err error) {
	if pos >= len(in) || in[pos] != '"' {
		return nil, false, false, 0, errRawRefused
	}
	start := pos + 1
	i := start
	for {
		if i+8 <= len(in) && in[i] < utf8.RuneSelf { // (a character of several bytes: below)
			w := binary.LittleEndian.Uint64(in[i:])
			stop := swarSpecial(w) | w&swarHigh
			if stop == 0 {
				may = may || swarDigit(w) != 0
				i += 8
				continue
			}
			if k := bits.TrailingZeros64(stop) >> 3; k > 0 {
				may = may || swarDigit(w)&(1<<(k<<3)-1) != 0
				i += k
			}
		}
		if i >= len(in) {
			return nil, false, false, 0, errRawRefused
		}
		c := in[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				may = may || c >= '0' && c <= '9'
				i++
				continue
			}
			if c == '"' {
				break
			}
			n := rawEscapeLen(in[i:]) // 0: a control byte, or < > & not escaped
			if n == 0 {
				return nil, false, false, 0, errRawRefused
			}
			i += n
			escaped = true
			continue
		}
		// Three-byte characters (Chinese) one after another, without a word between.
		for plainThree(in, i) {
			may = may || c == 0xEF
			i += 3
			if i >= len(in) {
				break
			}
			c = in[i]
		}
		if c < utf8.RuneSelf || i >= len(in) {
			continue
		}
		if plainThree(in, i) {
			continue
		}
		ru, size := utf8.DecodeRune(in[i:])
		if ru == utf8.RuneError && size == 1 || ru == '\u2028' || ru == '\u2029' {
			return nil, false, false, 0, errRawRefused // the encoder writes these escaped
		}
		may = may || c == 0xEF
		i += size
	}
	return in[start:i], escaped, may, i + 1, nil
}

func searchAsBefore(raw []byte, escaped, may bool, scratch *[]byte) bool {
	if !may {
		return false
	}
	text := raw
	if escaped {
		*scratch = rawUnescape((*scratch)[:0], raw)
		text = *scratch
	}
	return workflow.HoldsPII(string(text))
}

// BenchmarkScanStr: scanStr, with the search for numbers folded in, against the two
// passes it replaces (scanStrWords, searchAsBefore), on the texts of a letter (Chinese, digits, escaped newlines, the agency's
// landline), a digest, a short name and an ASCII text.
func BenchmarkScanStr(b *testing.B) {
	letter := `"` + strings.Repeat(`兹收到贵公司于2026年3月5日提交的信用修复申请（案件编号 XF-2026-000123），经审核，材料齐全。\n如有疑问，请致电 0371-5550-1234。\n`, 10) + `"`
	for _, tc := range []struct{ name, s string }{
		{"letter", letter},
		{"digest", `"` + strings.Repeat("9f86d081884c7d65", 4) + `"`},
		{"name", `"王芳"`},
		{"ascii", `"` + strings.Repeat("submit_correction ", 10) + `"`},
	} {
		in := []byte(tc.s)
		b.Run(tc.name+"/fused", func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				r := rawScan{in: in}
				_, _, _, _, _ = r.scanStr()
			}
		})
		b.Run(tc.name+"/two-passes", func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			var scratch []byte
			for b.Loop() {
				raw, esc, may, _, _ := scanStrWords(in, 0)
				_ = searchAsBefore(raw, esc, may, &scratch)
			}
		})
	}
}
