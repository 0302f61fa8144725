package tui

import "github.com/mattn/go-runewidth"

// East Asian ambiguous characters (…, ·, “”, ○, ✓, ▸, box drawing) are one cell wide in
// the terminals our staff use, whatever locale the server runs in. go-runewidth guesses
// from LANG (zh_CN → two cells), which would misalign every input field on a server
// started with a Chinese locale, so the guess is overridden here, after runewidth's own
// init. x/ansi (lipgloss, our own measuring) only follows RUNEWIDTH_EASTASIAN, which main
// clears before anything is drawn.
func init() {
	runewidth.DefaultCondition.EastAsianWidth = false
	runewidth.EastAsianWidth = false
}
