package cli

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// scanStrBytewise is scanStr as it was before it took eight bytes at a time, followed by
// rawMayHold over the text it returns (unescaped: the hex digits of an escape are none of
// the text's): the reference the word-at-a-time version must agree with.
func scanStrBytewise(in []byte, pos int) (raw []byte, escaped, may bool, end int, err error) {
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
		if i+2 < len(in) && (c >= 0xE3 && c <= 0xEC || c >= 0xEE) && c <= 0xEF &&
			in[i+1]&0xC0 == 0x80 && in[i+2]&0xC0 == 0x80 {
			i += 3
			continue
		}
		ru, size := utf8.DecodeRune(in[i:])
		if ru == utf8.RuneError && size == 1 || ru == '\u2028' || ru == '\u2029' {
			return nil, false, false, 0, errRawRefused
		}
		i += size
	}
	return in[start:i], escaped, rawMayHold(rawUnescapeBytewise(nil, in[start:i])), i + 1, nil
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

// checkScanStr compares scanStr with the bytewise reference on in from pos, and the text
// rawUnescape makes of a string it takes with the bytewise unescaping's.
func checkScanStr(t *testing.T, in []byte, pos int) {
	t.Helper()
	r := rawScan{in: in, pos: pos}
	raw, esc, may, end, err := r.scanStr()
	wraw, wesc, wmay, wend, werr := scanStrBytewise(in, pos)
	if (err == nil) != (werr == nil) || !bytes.Equal(raw, wraw) || esc != wesc || may != wmay || end != wend {
		t.Fatalf("scanStr(%q from %d) = %q, escaped %v, may %v, end %d, %v; byte by byte %q, %v, %v, %d, %v",
			in, pos, raw, esc, may, end, err, wraw, wesc, wmay, wend, werr)
	}
	if err == nil {
		pre := []byte("kept")
		if got, want := rawUnescape(pre, raw), rawUnescapeBytewise([]byte("kept"), raw); !bytes.Equal(got, want) {
			t.Fatalf("rawUnescape(%q) = %q, byte by byte %q", raw, got, want)
		}
	}
}

// TestSwarWords: in any word, the lowest byte swarSpecial|high marks is the first byte
// that is not ASCII jsonSafe lets through, and swarDigit marks exactly the ASCII digits
// among the ASCII bytes below it — for every byte in every place of a word over several
// fillers, and for random words.
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
	}
	for _, fill := range []byte{'a', ' ', '~', 0x7f, '/', ':', '0', '9', 0, '"', 0x80, 0xe6, 0xff, 0xb0} {
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

// TestScanStrAgrees (and rawUnescape): on random strings of ASCII (with digits and every byte the encoder
// escapes), Chinese, full-width digits, escapes right and wrong, U+2028, invalid UTF-8,
// cut anywhere and started at every offset (the word's alignment), scanStr answers as
// byte by byte.
func TestScanStrAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"a", "Z", " ", "~", "\x7f", "0", "5", "9", "/", ":", "abcdefgh", "12345678", "hello, world",
		`\n`, `\"`, `\\`, `\u003c`, `\u0026`, `\u2028`, `\u001f`, `\u0030`, `\x`, `\`, "<", ">", "&", "\x01", "\t",
		"材料", "收到第", "０", "９", "（", "\u2028", "\xff", "\xe6\x9d", "\xef\xbc", "é", "𝄞", `"`}
	for range 20_000 {
		var b []byte
		b = append(b, `"`...)
		for range r.IntN(40) {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		if r.IntN(4) > 0 {
			b = append(b, `"`...)
		}
		b = append(b, `,"next":1}`[:r.IntN(11)]...)
		checkScanStr(t, b, 0)
		for pre := 1; pre < 9; pre++ {
			p := append(bytes.Repeat([]byte{'x'}, pre), b...)
			checkScanStr(t, p, pre)
		}
	}
}

// FuzzScanStr: any bytes, from any offset, give scanStr's answer byte by byte.
func FuzzScanStr(f *testing.F) {
	for _, s := range []string{`"abc"`, `"12345678901234567890"`, `"收到第1份材料\n"`, `"\u003c０"`, `"abcdefgh<"`, `"abcdefg\"`} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, in []byte, pos uint8) {
		checkScanStr(t, in, int(pos)%(len(in)+1))
	})
}

// BenchmarkScanStr: scanStr against the bytewise scan and rawMayHold, on the texts of a
// letter (Chinese, digits, escaped newlines), a digest and a short name.
func BenchmarkScanStr(b *testing.B) {
	letter := `"` + strings.Repeat(`兹收到贵公司于2026年3月5日提交的信用修复申请（案件编号 XF-2026-000123），经审核，材料齐全。\n`, 20) + `"`
	for _, tc := range []struct{ name, s string }{
		{"letter", letter},
		{"digest", `"` + strings.Repeat("9f86d081884c7d65", 4) + `"`},
		{"name", `"王芳"`},
		{"ascii", `"` + strings.Repeat("submit_correction ", 10) + `"`},
	} {
		in := []byte(tc.s)
		b.Run(tc.name+"/words", func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				r := rawScan{in: in}
				_, _, _, _, _ = r.scanStr()
			}
		})
		b.Run(tc.name+"/bytewise", func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				raw, _, _, _, _ := scanStrBytewise(in, 0)
				_ = rawMayHold(raw)
			}
		})
	}
}
