package workflow

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// sanCheckSafe fails if out holds anything a terminal could act on.
func sanCheckSafe(t testing.TB, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("Clean(%q) = %q: invalid UTF-8", in, out)
	}
	for i := 0; i < len(out); i++ {
		if c := out[i]; c < 0x20 && c != '\n' || c == 0x7f {
			t.Fatalf("Clean(%q) = %q: control byte %#x at %d", in, out, c, i)
		}
	}
	for _, r := range out {
		if r >= 0x80 && r <= 0x9f || sanIsBidi(r) {
			t.Fatalf("Clean(%q) = %q: forbidden rune %U", in, out, r)
		}
	}
}

func TestCleanAttackCorpus(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"clear screen", "a\x1b[2Jb", "ab"},
		{"SGR colour", "\x1b[1;31mred\x1b[0m", "red"},
		{"CSI private mode", "x\x1b[?1049hy\x1b[?25l", "xy"},
		{"CSI intermediate", "a\x1b[2 qb", "ab"},
		{"CSI with > marker", "\x1b[>0cz", "z"},
		{"title BEL", "\x1b]0;title\x07after", "after"},
		{"title ST", "\x1b]2;title\x1b\\after", "after"},
		{"OSC 52 clipboard", "x\x1b]52;c;ZXZpbA==\x07y", "xy"},
		{"OSC 8 hyperlink", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"OSC 8 BEL", "\x1b]8;;http://evil/\x07click\x1b]8;;\x07", "click"},
		{"OSC unterminated", "ok\x1b]0;title never ends", "ok"},
		{"OSC ended by new ESC", "\x1b]0;t\x1b[31mred", "red"},
		{"OSC with CJK payload", "\x1b]0;东月\x07后", "后"},
		{"DCS", "a\x1bP...\x1b\\b", "ab"},
		{"DCS sixel", "\x1bPq#0;2;0;0;0#1!6~\x1b\\z", "z"},
		{"SOS PM APC", "\x1bXsos\x1b\\1\x1b^pm\x1b\\2\x1b_apc\x1b\\3", "123"},
		{"two-byte ESC", "\x1b7a\x1b8b\x1bcc\x1b=d", "abcd"},
		{"charset designation", "\x1b(0lqk\x1b(B", "lqk"},
		{"DEC test", "\x1b#8x", "x"},
		{"lone ESC at end", "abc\x1b", "abc"},
		{"ESC before CJK", "\x1b中", "中"},
		{"carriage return", "a\rb", "ab"},
		{"CRLF", "a\r\nb", "a\nb"},
		{"bidi override", "\u202eevil", "evil"},
		{"all bidi", "\u202a1\u202b2\u202c3\u202d4\u202e5\u20666\u20677\u20688\u20699\u200ea\u200fb\u061cc", "123456789abc"},
		{"8-bit CSI raw", "\x9b31mx", "x"},
		{"8-bit CSI UTF-8", "\u009b31mx", "x"},
		{"8-bit OSC raw", "\x9d0;t\x9cz", "z"},
		{"8-bit OSC UTF-8", "\u009d0;t\u009cz", "z"},
		{"8-bit OSC BEL", "\u009d52;c;ZXZpbA==\x07z", "z"},
		{"8-bit DCS", "\u0090q\u009cz", "z"},
		{"other C1", "a\u0085b\u008ec\x84d", "abcd"},
		{"C0", "\x00\x07\x08", ""},
		{"all C0 but LF", "a\x01\x02\x03\x04\x05\x06\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1c\x1d\x1e\x1fb", "ab"},
		{"DEL", "a\x7fb", "ab"},
		{"tab", "a\tb\t\tc", "a b  c"},
		{"newline kept", "line1\nline2", "line1\nline2"},
		{"invalid byte", "a\xffb", "a\ufffdb"},
		{"invalid run", "a\xff\xfe\xfdb", "a\ufffdb"},
		{"truncated CJK", "河\xe5\x8d", "河\ufffd"},
		{"overlong", "\xc0\xafx", "\ufffdx"},
		{"surrogate", "\xed\xa0\x80x", "\ufffdx"},
		{"valid U+FFFD kept", "\ufffd", "\ufffd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Clean(tt.in)
			if got != tt.want {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
			sanCheckSafe(t, tt.in, got)
			if again := Clean(got); again != got {
				t.Errorf("not idempotent: %q → %q", got, again)
			}
		})
	}
}

func TestCleanKeepsOrdinaryText(t *testing.T) {
	for _, s := range []string{
		"河南信修信用管理有限公司（郑州）😀",
		"统一社会信用代码：91410100MA44XXXX；法定代表人：张三。",
		"👨‍👩‍👧 family (ZWJ kept), flags 🇨🇳, skin 👍🏽",
		"Ünïcödé — “quotes” ‘single’ … ￥1,000.00",
		"全角：ＡＢＣ１２３　，。！？【】《》",
		"multi\nline\n",
		"",
	} {
		if got := Clean(s); got != s {
			t.Errorf("Clean(%q) = %q, want unchanged", s, got)
		}
	}
}

func TestCleanLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\nb", "a b"},
		{"a\r\nb", "a b"},
		{"a\n\n\nb", "a b"},
		{"a\tb", "a b"},
		{"\nlead", " lead"},
		{"x\x1b[2J\ny", "x y"},
		{"名称\n（郑州）", "名称 （郑州）"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		got := CleanLine(tt.in)
		if got != tt.want {
			t.Errorf("CleanLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.ContainsRune(got, '\n') {
			t.Errorf("CleanLine(%q) kept a newline", tt.in)
		}
	}
}

// Clean must not allocate for text that is already clean; it runs on every drawn cell.
func TestCleanNoAllocOnCleanText(t *testing.T) {
	s := "河南信修信用管理有限公司（郑州）😀 plain ASCII"
	if n := testing.AllocsPerRun(100, func() { _ = Clean(s) }); n != 0 {
		t.Errorf("Clean allocated %v times on clean input", n)
	}
}

func BenchmarkClean(b *testing.B) {
	clean := strings.Repeat("河南信修信用管理有限公司 ABC 123 ", 20)
	dirty := strings.Repeat("\x1b[31m河南\x1b[0m\r\t\u202e", 20)
	b.Run("clean", func(b *testing.B) {
		for b.Loop() {
			_ = Clean(clean)
		}
	})
	b.Run("dirty", func(b *testing.B) {
		for b.Loop() {
			_ = Clean(dirty)
		}
	})
}
