package tui

import (
	"os"
	"os/exec"
	"testing"

	"github.com/mattn/go-runewidth"
)

// The screens do not depend on the server's locale: the golden screens are drawn again in
// a process started with a Chinese locale and must still match.
func TestScreensIgnoreServerLocale(t *testing.T) {
	if runewidth.RuneWidth('…') != 1 || runewidth.RuneWidth('·') != 1 || runewidth.StringWidth("“○✓”") != 4 {
		t.Fatalf("ambiguous characters are not one cell wide (LANG=%s)", os.Getenv("LANG"))
	}
	if os.Getenv("REPAIRDESK_LOCALE_CHILD") == "1" {
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=TestGoldenScreens|TestScreensIgnoreServerLocale|TestWalkEveryStage", "-test.count=1")
	cmd.Env = append(os.Environ(), "LANG=zh_CN.UTF-8", "LC_ALL=zh_CN.UTF-8", "LC_CTYPE=zh_CN.UTF-8", "REPAIRDESK_LOCALE_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("golden screens differ under a Chinese locale: %v\n%s", err, out)
	}
}
