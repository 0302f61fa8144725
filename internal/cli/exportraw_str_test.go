package cli

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
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
			if c != '\\' || i+1 >= len(in) {
				return nil, false, false, 0, errRawRefused
			}
			switch in[i+1] {
			case '"', '\\', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(in) || !rawEscapeNeeded(in[i+2:i+6]) {
					return nil, false, false, 0, errRawRefused
				}
				i += 6
			default:
				return nil, false, false, 0, errRawRefused
			}
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
	return in[start:i], escaped, rawMayHold(rawUnescape(nil, in[start:i])), i + 1, nil
}

// checkScanStr compares scanStr with the bytewise reference on in from pos.
func checkScanStr(t *testing.T, in []byte, pos int) {
	t.Helper()
	r := rawScan{in: in, pos: pos}
	raw, esc, may, end, err := r.scanStr()
	wraw, wesc, wmay, wend, werr := scanStrBytewise(in, pos)
	if (err == nil) != (werr == nil) || !bytes.Equal(raw, wraw) || esc != wesc || may != wmay || end != wend {
		t.Fatalf("scanStr(%q from %d) = %q, escaped %v, may %v, end %d, %v; byte by byte %q, %v, %v, %d, %v",
			in, pos, raw, esc, may, end, err, wraw, wesc, wmay, wend, werr)
	}
}

// TestSwarWords: the word tests agree with the byte tables for every ASCII byte in every
// place of a word, and for random words of ASCII bytes.
func TestSwarWords(t *testing.T) {
	check := func(w uint64) {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], w)
		special, digit := false, false
		for _, c := range b {
			special = special || !jsonSafe[c]
			digit = digit || c >= '0' && c <= '9'
		}
		if swarSpecial(w) != special || swarDigit(w) != digit {
			t.Fatalf("%q: swarSpecial %v, swarDigit %v; want %v, %v", b, swarSpecial(w), swarDigit(w), special, digit)
		}
	}
	for _, fill := range []byte{'a', ' ', '~', 0x7f, '/', ':', '0', '9', 0, '"'} {
		for c := range utf8.RuneSelf {
			for at := range 8 {
				b := bytes.Repeat([]byte{fill}, 8)
				b[at] = byte(c)
				check(binary.LittleEndian.Uint64(b))
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 2_000_000 {
		check(r.Uint64() & swarLow7)
	}
}

// TestScanStrAgrees: on random strings of ASCII (with digits and every byte the encoder
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
