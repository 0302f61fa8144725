package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestLine: the line is drawn in place (\r … erase to the end), at most every 100 ms
// but always when done reaches total, with rate and time left; Done clears it; in the
// user's language; and a line on something that is not a terminal draws nothing.
func TestLine(t *testing.T) {
	var b bytes.Buffer
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	l := Forced(&b, "en", "progress.export", Cases, now)
	l.Update(0, 100000)
	at = at.Add(50 * time.Millisecond)
	l.Update(100, 100000) // too soon: not drawn
	at = at.Add(10 * time.Second)
	l.Update(40000, 100000)
	at = at.Add(5 * time.Second)
	l.Update(100000, 100000) // the end is always drawn
	l.Done()
	want := "\rexport: 0 / 100,000 cases · —/s · — left\x1b[K" +
		"\rexport: 40,000 / 100,000 cases · 3,980/s · 0:15 left\x1b[K" +
		"\rexport: 100,000 / 100,000 cases · 6,645/s · 0:00 left\x1b[K" +
		"\r\x1b[K"
	if b.String() != want {
		t.Fatalf("drawn\n%q\nwant\n%q", b.String(), want)
	}

	b.Reset()
	z := Forced(&b, "zh", "progress.backup", Bytes, now)
	z.Update(512<<20, 1705<<20)
	if got := b.String(); !strings.Contains(got, "备份：512 / 1,705 MB") {
		t.Fatalf("in Chinese, in MB: %q", got)
	}

	b.Reset()
	quiet := New(&b, "en", "progress.check", Cases)
	quiet.Update(1, 2)
	quiet.Done()
	var nilLine *Line
	nilLine.Update(1, 2)
	nilLine.Done()
	if b.Len() != 0 || quiet.On() || IsTerminal(&b) {
		t.Fatalf("a buffer is not a terminal, yet %q was drawn", b.String())
	}
}
